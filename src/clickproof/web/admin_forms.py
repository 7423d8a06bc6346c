"""What the administration pages read from paths and query strings, and the words they show for
permissions and roles."""

from __future__ import annotations

from starlette.requests import Request

from clickproof.domain.console_roles import Role
from clickproof.errors import NotFoundError, ValidationError
from clickproof.services.tokens import ALL_PERMISSIONS, Permission

MAX_PAGE = 100_000

PERMISSION_HELP: dict[str, str] = {
    Permission.EXPORTS_CREATE.value: "create, retry and cancel exports",
    Permission.EXPORTS_READ.value: "read exports and download their files",
    Permission.ACTIVITY_READ.value: "read activities and evidence PDFs",
    Permission.ACTIVITY_WRITE.value: "record activities (/send, imports)",
    Permission.CATALOG_READ.value: "read contracts, versions and groups",
    Permission.CATALOG_WRITE.value: "create and publish contracts and versions",
    Permission.SIGNERS_ERASE.value: "erase a signer's personal data",
    Permission.WEBHOOKS_MANAGE.value: "manage webhook targets",
}
# The permissions a site's admin may put in a token, in the order the form lists them.
TOKEN_PERMISSIONS: tuple[tuple[str, str], ...] = tuple(
    (p, PERMISSION_HELP.get(p, p)) for p in ALL_PERMISSIONS
)
ROLES: tuple[str, ...] = tuple(r.value for r in Role)


def page_number(request: Request) -> int:
    """`?page=` (1 when absent); anything but a whole number from 1 is refused, naming it."""
    raw = request.query_params.get("page", "1")
    if not (len(raw) <= 6 and raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_PAGE):
        raise ValidationError(
            f"page must be a whole number from 1 to {MAX_PAGE}", field="page", code="invalid_page"
        )
    return int(raw)


def path_user_id(request: Request) -> int:
    """The `{user_id}` of the path; one that cannot be an id is not found, like a missing user."""
    raw = str(request.path_params["user_id"])
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 12):
        raise NotFoundError("no such user", field="user", code="not_found")
    return int(raw)
