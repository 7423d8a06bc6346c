"""Administration of a site (admins only): the overview, the site's settings and its evidence key.
API tokens and users have their own modules (routes_admin_tokens.py, routes_admin_users.py)."""

from __future__ import annotations

import json

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from clickproof.bootstrap import System
from clickproof.domain.admin_request import MAX_EXPORT_DAYS, MAX_ORIGINS
from clickproof.domain.console_roles import Role
from clickproof.services.site_administration import SiteAdministration
from clickproof.web.admin_pages import render_admin
from clickproof.web.console_route import needs, site_access
from clickproof.web.routes_admin_tokens import add_token_routes
from clickproof.web.routes_admin_users import add_user_routes

SAVED = {
    "max_export_days": "The longest export window is saved.",
    "origins": "The allowed origins are saved.",
    "key": "A new evidence key is current; the old one is retired and still verifies older exports.",
}


def add_admin_routes(router: APIRouter, system: System) -> None:
    admin = SiteAdministration(system.tenancy, system.tenants, system.console, system.keys)
    add_token_routes(router, admin)
    add_user_routes(router, admin)

    @router.get("/sites/{site_id}/admin")
    @needs(Role.ADMIN)
    def overview(request: Request) -> Response:
        return render_admin(request, "admin/index.html")

    @router.get("/sites/{site_id}/admin/settings")
    @needs(Role.ADMIN)
    def settings_page(request: Request) -> Response:
        site = site_access(request).site
        document = admin.published_keys(site)
        current = next(k for k in document["keys"] if k["status"] == "current")
        return render_admin(
            request,
            "admin/settings.html",
            saved=SAVED.get(request.query_params.get("saved", "")),
            keys=document["keys"],
            current=current,
            max_days=MAX_EXPORT_DAYS,
            max_origins=MAX_ORIGINS,
        )

    @router.post("/sites/{site_id}/admin/settings/max-export-days")
    @needs(Role.ADMIN)
    def save_max_export_days(request: Request) -> Response:
        site = site_access(request).site
        admin.set_max_export_days(site, request.state.form.get("max_export_days"))
        return _back_to_settings(site.id, "max_export_days")

    @router.post("/sites/{site_id}/admin/settings/origins")
    @needs(Role.ADMIN)
    def save_origins(request: Request) -> Response:
        site = site_access(request).site
        admin.set_allowed_origins(site, request.state.form.get("allowed_origins"))
        return _back_to_settings(site.id, "origins")

    @router.get("/sites/{site_id}/admin/settings/public-key.pem")
    @needs(Role.ADMIN)
    def public_key(request: Request) -> Response:
        site = site_access(request).site
        current = next(k for k in admin.published_keys(site)["keys"] if k["status"] == "current")
        return _download(
            str(current["public_key_pem"]),
            "application/x-pem-file",
            f"clickproof-site-{site.id}-{str(current['key_id'])[:16]}.pem",
        )

    @router.get("/sites/{site_id}/admin/settings/published-keys.json")
    @needs(Role.ADMIN)
    def published_keys(request: Request) -> Response:
        site = site_access(request).site
        body = json.dumps(admin.published_keys(site), indent=2, ensure_ascii=False) + "\n"
        return _download(body, "application/json", f"clickproof-site-{site.id}-keys.json")

    @router.get("/sites/{site_id}/admin/settings/rotate-key")
    @needs(Role.ADMIN)
    def confirm_rotation(request: Request) -> Response:
        site = site_access(request).site
        current = next(k for k in admin.published_keys(site)["keys"] if k["status"] == "current")
        return render_admin(request, "admin/rotate_key.html", current=current)

    @router.post("/sites/{site_id}/admin/settings/rotate-key")
    @needs(Role.ADMIN)
    def rotate_key(request: Request) -> Response:
        site = site_access(request).site
        admin.rotate_key(site)
        return _back_to_settings(site.id, "key")


def _back_to_settings(site_id: int, saved: str) -> Response:
    return RedirectResponse(f"/console/sites/{site_id}/admin/settings?saved={saved}", status_code=303)


def _download(body: str, media_type: str, filename: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )
