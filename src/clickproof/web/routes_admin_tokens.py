"""A site's API tokens (admins only): the list, a new token whose secret is shown once, revocation
after a confirmation."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from clickproof.domain.console_roles import Role
from clickproof.services.site_administration import SiteAdministration, TokenRequest
from clickproof.web.admin_forms import PERMISSION_HELP, TOKEN_PERMISSIONS, page_number
from clickproof.web.admin_pages import render_admin
from clickproof.web.console_route import needs, signed_in, site_access


def add_token_routes(router: APIRouter, admin: SiteAdministration) -> None:
    @router.get("/sites/{site_id}/admin/tokens")
    @needs(Role.ADMIN)
    def token_list(request: Request) -> Response:
        access = site_access(request)
        page = admin.tokens(access.site, page_number(request))
        revoked = request.query_params.get("revoked", "")
        return render_admin(
            request,
            "admin/tokens.html",
            page=page,
            revoked=revoked if revoked.isalnum() and len(revoked) <= 32 else "",
            permissions=TOKEN_PERMISSIONS,
            help=PERMISSION_HELP,
            other_sites=_other_admin_sites(request),
        )

    @router.post("/sites/{site_id}/admin/tokens")
    @needs(Role.ADMIN)
    def create_token(request: Request) -> Response:
        access = site_access(request)
        session = signed_in(request)
        form = request.state.form
        issued = admin.create_token(
            access.site,
            session.user,
            [site_id for site_id, role in session.roles.items() if role is Role.ADMIN],
            TokenRequest(
                site_ids=form.get_all("sites"),
                permissions=form.get_all("permissions"),
                label=form.get("label"),
                expires=form.get("expires"),
            ),
        )
        # The answer itself carries the secret (render: Cache-Control no-store); never a redirect
        # with it in the URL, never in a log line.
        return render_admin(request, "admin/token_created.html", issued=issued)

    @router.get("/sites/{site_id}/admin/tokens/{public_id}/revoke")
    @needs(Role.ADMIN)
    def confirm_revocation(request: Request) -> Response:
        access = site_access(request)
        record = admin.token(access.site, str(request.path_params["public_id"]))
        return render_admin(request, "admin/revoke_token.html", token=record)

    @router.post("/sites/{site_id}/admin/tokens/{public_id}/revoke")
    @needs(Role.ADMIN)
    def revoke_token(request: Request) -> Response:
        access = site_access(request)
        record = admin.revoke_token(access.site, str(request.path_params["public_id"]))
        return RedirectResponse(
            f"/console/sites/{access.site.id}/admin/tokens?revoked={record.public_id}", status_code=303
        )


def _other_admin_sites(request: Request) -> list[tuple[int, str]]:
    """The account's other sites the user is an admin of: a token may be for them too."""
    here = site_access(request).site.id
    return [(s.id, s.name) for s, role in request.state.console_sites if role is Role.ADMIN and s.id != here]
