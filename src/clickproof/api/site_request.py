"""What the site-scoped Extraction routes read first: the token, the site, the page."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from clickproof.api.params import int_param
from clickproof.domain.limits import DEFAULT_PER_PAGE, MAX_PER_PAGE
from clickproof.services.tokens import Permission, Principal, TokenAuthenticator
from clickproof.store.tenants import Site

SITE_PARAM: dict[str, Any] = {
    "name": "site_id",
    "in": "query",
    "required": False,
    "schema": {"type": "integer"},
    "description": "Site to act on; default the token's default site.",
}
ID_PARAM: dict[str, Any] = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
PAGE_PARAMS: list[dict[str, Any]] = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "default": 1}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "default": DEFAULT_PER_PAGE}},
]


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
