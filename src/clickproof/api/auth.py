"""Bearer-token authorization of the REST routes: the principal and the site a request acts on."""

from __future__ import annotations

from starlette.requests import Request

from clickproof.api.openapi_params import MAX_ID, MAX_PAGE
from clickproof.api.params import int_param
from clickproof.bootstrap import System
from clickproof.domain.limits import DEFAULT_PER_PAGE, MAX_PER_PAGE
from clickproof.services.tokens import Permission, Principal
from clickproof.store.tenants import Site


def authorize(system: System, request: Request, permission: Permission) -> tuple[Principal, Site]:
    principal = system.auth.authenticate(request.headers.get("authorization"))
    site_id = int_param(request, "site_id", default=None, minimum=1, maximum=MAX_ID)
    return principal, system.auth.site_for(principal, site_id, permission)


def page_params(request: Request) -> tuple[int, int]:
    page = int_param(request, "page", default=1, minimum=1, maximum=MAX_PAGE) or 1
    per_page = (
        int_param(request, "per_page", default=DEFAULT_PER_PAGE, minimum=1, maximum=MAX_PER_PAGE)
        or DEFAULT_PER_PAGE
    )
    return page, per_page
