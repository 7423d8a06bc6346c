"""The route class of every console page: the session, the site and role, CSRF, and errors
answered as pages.

Each request of a console route
1. finds its session from the `cp_session` cookie (none: a redirect to the sign-in page, unless
   the endpoint is marked `@public`);
2. for a path with `{site_id}`, resolves the user's access to that site — another account's
   site, or one without a role, is a 404 exactly like a site that does not exist — and checks
   the role the endpoint asks for with `@needs(Role.…)`;
3. for a POST, reads the form and checks its CSRF token before the endpoint runs;
4. turns a domain error into a page with the API's status code and message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar
from urllib.parse import quote

from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from clickproof.api.error_handlers import STATUS_BY_KIND
from clickproof.domain.console_roles import Role
from clickproof.errors import ClickproofError, ForbiddenError, NotFoundError, RateLimitedError
from clickproof.services.console_auth import ConsoleAuth, ConsoleSession, SiteAccess
from clickproof.web.forms import check_csrf, parse_form
from clickproof.web.templating import render

log = logging.getLogger("clickproof.console")

SESSION_COOKIE = "cp_session"
F = TypeVar("F", bound=Callable[..., Any])


def public(endpoint: F) -> F:
    """The page answers without a session (the sign-in page)."""
    endpoint.console_public = True  # type: ignore[attr-defined]
    return endpoint


def needs(role: Role) -> Callable[[F], F]:
    """The least role on the path's site the page asks for (default: viewer)."""

    def mark(endpoint: F) -> F:
        endpoint.console_role = role  # type: ignore[attr-defined]
        return endpoint

    return mark


def site_access(request: Request) -> SiteAccess:
    access: SiteAccess = request.state.console_access
    return access


def signed_in(request: Request) -> ConsoleSession:
    session: ConsoleSession = request.state.console_session
    return session


def secure_cookies(request: Request, public_url: str) -> bool:
    return request.url.scheme == "https" or public_url.startswith("https://")


class ConsoleRoute(APIRoute):
    console: ConsoleAuth  # set by the router (web/app.py) before routes are added

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        endpoint = self.endpoint
        is_public = bool(getattr(endpoint, "console_public", False))
        needed: Role = getattr(endpoint, "console_role", Role.VIEWER)
        console = self.console

        async def console_handler(request: Request) -> Response:
            try:
                session = await run_in_threadpool(console.session_for, request.cookies.get(SESSION_COOKIE))
                request.state.console_session = session
                if session is None and not is_public:
                    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                    return RedirectResponse(f"/console/login?next={quote(target, safe='')}", status_code=303)
                if session is not None:
                    request.state.console_sites = await run_in_threadpool(console.sites, session)
                    raw_site = request.path_params.get("site_id")
                    if raw_site is not None:
                        await _resolve_site(request, console, session, str(raw_site), needed)
                if request.method == "POST":
                    request.state.form = parse_form(await request.body())
                    check_csrf(request, request.state.form)
                return await handler(request)
            except RateLimitedError as exc:
                page = error_page(request, exc)
                page.headers["Retry-After"] = str(exc.retry_after)
                return page
            except ClickproofError as exc:
                return error_page(request, exc)

        return console_handler


async def _resolve_site(
    request: Request, console: ConsoleAuth, session: ConsoleSession, raw: str, needed: Role
) -> None:
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 12):
        raise NotFoundError("no such site", field="site_id", code="not_found")
    access = await run_in_threadpool(console.access, session, int(raw))
    request.state.console_access = access
    request.state.console_site = access.site
    request.state.console_role = access.role
    if not access.allows(needed):
        raise ForbiddenError(
            f"your role on this site is {access.role.value}; this needs {needed.value}",
            code="permission_denied",
        )


def error_page(request: Request, exc: ClickproofError) -> Response:
    status = STATUS_BY_KIND.get(exc.kind, 400)
    # A page of another account reads exactly like a missing one.
    message = "There is nothing here, or you have no access to it." if status == 404 else exc.message
    log.info("console.refused status=%d code=%s path=%s", status, exc.code, request.url.path)
    return render(
        request,
        "error.html",
        status_code=status,
        status=status,
        code=exc.code,
        message=message,
        field=exc.field,
    )
