"""Wire shapes of the administration routes: accounts, sites, issued tokens."""

from __future__ import annotations

from typing import Any

from clickproof.domain.timestamps import format_instant
from clickproof.services.tenancy import IssuedToken
from clickproof.store.tenants import Site


def account_to_wire(row: Any) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "created_time": format_instant(row.created_time)}


def site_to_wire(site: Site) -> dict[str, Any]:
    return {
        "id": site.id,
        "account": site.account_id,
        "name": site.name,
        "access_id": site.access_id,
        "max_export_days": site.max_export_days,
        "allowed_origins": None if site.allowed_origins is None else list(site.allowed_origins),
    }


def token_to_wire(issued: IssuedToken) -> dict[str, Any]:
    return {
        "token": issued.token,
        "public_id": issued.public_id,
        "account": issued.account_id,
        "sites": list(issued.site_ids),
        "permissions": list(issued.permissions),
        "label": issued.label,
        "expires_time": None if issued.expires_time is None else format_instant(issued.expires_time),
    }
