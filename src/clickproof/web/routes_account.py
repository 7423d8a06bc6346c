"""The signed-in user's own account: who they are, their roles, a new password (other sessions
end), sign-out on every device."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from clickproof.bootstrap import System
from clickproof.errors import ValidationError
from clickproof.services.console_auth import MIN_PASSWORD_LENGTH
from clickproof.web.console_route import signed_in
from clickproof.web.templating import render


def add_account_routes(router: APIRouter, system: System) -> None:
    @router.get("/account")
    def account_page(request: Request) -> Response:
        ended = request.query_params.get("ended", "")
        return render(
            request,
            "account/index.html",
            min_length=MIN_PASSWORD_LENGTH,
            changed=request.query_params.get("changed") == "password",
            ended=int(ended) if ended.isdigit() and len(ended) <= 6 else None,
        )

    @router.post("/account/password")
    def change_password(request: Request) -> Response:
        form = request.state.form
        if form.get("new_password") != form.get("new_password_again"):
            raise ValidationError(
                "the new password and its repetition differ",
                field="new_password_again",
                code="password_mismatch",
            )
        ended = system.console.change_password(
            signed_in(request), form.get("current_password"), form.get("new_password")
        )
        return RedirectResponse(f"/console/account?changed=password&ended={ended}", status_code=303)
