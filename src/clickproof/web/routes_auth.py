"""Sign-in, sign-out (here and everywhere) and the console's front pages."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from clickproof.bootstrap import System
from clickproof.errors import RateLimitedError, UnauthenticatedError
from clickproof.web.console_route import SESSION_COOKIE, public, secure_cookies, signed_in, site_access
from clickproof.web.forms import LOGIN_CSRF_COOKIE, new_login_csrf
from clickproof.web.templating import render


def safe_next(target: str) -> str:
    """Where to go after signing in: only a console page of this server."""
    if target.startswith("/console/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/console/"


def add_auth_routes(router: APIRouter, system: System) -> None:
    public_url = system.settings.effective_public_url

    @router.get("/login")
    @public
    def login_page(request: Request) -> Response:
        if request.state.console_session is not None:
            return RedirectResponse(safe_next(request.query_params.get("next", "")), status_code=303)
        token = request.cookies.get(LOGIN_CSRF_COOKIE) or new_login_csrf()
        request.state.login_csrf = token
        page = render(
            request, "login.html", next=safe_next(request.query_params.get("next", "")), error=None, email=""
        )
        page.set_cookie(
            LOGIN_CSRF_COOKIE,
            token,
            httponly=True,
            samesite="lax",
            path="/console",
            secure=secure_cookies(request, public_url),
        )
        return page

    @router.post("/login")
    @public
    def sign_in(request: Request) -> Response:
        form = request.state.form
        email = form.get("email")
        target = safe_next(form.get("next"))
        host = request.client.host if request.client else None
        try:
            secret, _session = system.console.sign_in(email, form.get("password"), host)
        except (UnauthenticatedError, RateLimitedError) as exc:
            status = 429 if isinstance(exc, RateLimitedError) else 401
            page = render(
                request, "login.html", status_code=status, next=target, error=exc.message, email=email
            )
            if isinstance(exc, RateLimitedError):
                page.headers["Retry-After"] = str(exc.retry_after)
            return page
        answer = RedirectResponse(target, status_code=303)
        answer.set_cookie(
            SESSION_COOKIE,
            secret,
            httponly=True,
            samesite="lax",
            path="/console",
            secure=secure_cookies(request, public_url),
        )
        answer.delete_cookie(LOGIN_CSRF_COOKIE, path="/console")
        return answer

    @router.post("/logout")
    def sign_out(request: Request) -> Response:
        system.console.sign_out(signed_in(request))
        answer = RedirectResponse("/console/login", status_code=303)
        answer.delete_cookie(SESSION_COOKIE, path="/console")
        return answer

    @router.post("/logout-everywhere")
    def sign_out_everywhere(request: Request) -> Response:
        system.console.sign_out_everywhere(signed_in(request))
        answer = RedirectResponse("/console/login", status_code=303)
        answer.delete_cookie(SESSION_COOKIE, path="/console")
        return answer

    @router.get("/")
    def home(request: Request) -> Response:
        sites = request.state.console_sites
        if len(sites) == 1:
            return RedirectResponse(f"/console/sites/{sites[0][0].id}", status_code=303)
        return render(request, "home.html")

    @router.get("/sites/{site_id}")
    def site_home(request: Request) -> Response:
        return render(request, "site_home.html", access=site_access(request))
