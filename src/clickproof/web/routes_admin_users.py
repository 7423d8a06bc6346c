"""A site's console users (admins only): who has which role, adding a person (a generated password
shown once), changing a role, taking a role away after a confirmation."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from clickproof.domain.console_roles import Role
from clickproof.services.site_administration import SiteAdministration
from clickproof.web.admin_forms import ROLES, page_number, path_user_id
from clickproof.web.admin_pages import render_admin
from clickproof.web.console_route import needs, signed_in, site_access

CHANGED = {"role": "The role is changed.", "removed": "The user has no role on this site any more."}


def add_user_routes(router: APIRouter, admin: SiteAdministration) -> None:
    @router.get("/sites/{site_id}/admin/users")
    @needs(Role.ADMIN)
    def user_list(request: Request) -> Response:
        access = site_access(request)
        return render_admin(
            request,
            "admin/users.html",
            page=admin.users(access.site, page_number(request)),
            roles=ROLES,
            me=signed_in(request).user.id,
            changed=CHANGED.get(request.query_params.get("changed", "")),
        )

    @router.post("/sites/{site_id}/admin/users")
    @needs(Role.ADMIN)
    def add_user(request: Request) -> Response:
        access = site_access(request)
        form = request.state.form
        added = admin.add_user(access.site, form.get("email"), form.get("name"), form.get("role", "viewer"))
        sign_in_url = f"{request.base_url}console/login"
        return render_admin(request, "admin/user_added.html", added=added, sign_in_url=sign_in_url)

    @router.post("/sites/{site_id}/admin/users/{user_id}/role")
    @needs(Role.ADMIN)
    def change_role(request: Request) -> Response:
        access = site_access(request)
        user_id = path_user_id(request)
        admin.set_role(access.site, signed_in(request).user, user_id, request.state.form.get("role"))
        return _after_change(request, user_id, "role")

    @router.get("/sites/{site_id}/admin/users/{user_id}/remove")
    @needs(Role.ADMIN)
    def confirm_removal(request: Request) -> Response:
        access = site_access(request)
        user, role = admin.site_user(access.site, path_user_id(request))
        return render_admin(request, "admin/remove_user.html", user=user, user_role=role)

    @router.post("/sites/{site_id}/admin/users/{user_id}/remove")
    @needs(Role.ADMIN)
    def remove_role(request: Request) -> Response:
        access = site_access(request)
        user_id = path_user_id(request)
        admin.set_role(access.site, signed_in(request).user, user_id, None)
        return _after_change(request, user_id, "removed")


def _after_change(request: Request, user_id: int, what: str) -> Response:
    """Back to the list, unless the admin changed their own role: then to what they may still see."""
    site_id = site_access(request).site.id
    if user_id != signed_in(request).user.id:
        return RedirectResponse(f"/console/sites/{site_id}/admin/users?changed={what}", status_code=303)
    return RedirectResponse(
        "/console/" if what == "removed" else f"/console/sites/{site_id}", status_code=303
    )
