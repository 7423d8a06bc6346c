"""What the site-scoped Extraction routes read first: the token, the site, the page."""

from __future__ import annotations

from fastapi import Request

from clickproof.api.openapi_params import PAGE, PER_PAGE, SITE_QUERY, path_text
from clickproof.api.params import int_param
from clickproof.domain.limits import DEFAULT_PER_PAGE, MAX_PER_PAGE
from clickproof.services.tokens import Permission, Principal, TokenAuthenticator
from clickproof.store.tenants import Site

SITE_PARAM = SITE_QUERY
ID_PARAM = path_text("id", "The object's id.", maxLength=64)
PAGE_PARAMS = [PAGE, PER_PAGE]


def authorize(auth: TokenAuthenticator, request: Request, permission: Permission) -> tuple[Principal, Site]:
    principal = auth.authenticate(request.headers.get("authorization"))
    site_id = int_param(request, "site_id", default=None, minimum=1, maximum=2**31 - 1)
    return principal, auth.site_for(principal, site_id, permission)


def paging(request: Request) -> tuple[int, int]:
    page = int_param(request, "page", default=1, minimum=1, maximum=1_000_000) or 1
    per_page = (
        int_param(request, "per_page", default=DEFAULT_PER_PAGE, minimum=1, maximum=MAX_PER_PAGE)
        or DEFAULT_PER_PAGE
    )
    return page, per_page
