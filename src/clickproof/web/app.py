"""The console's router: every page under /console, each a ConsoleRoute (web/console_route.py)."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import RedirectResponse

from clickproof.bootstrap import System
from clickproof.web.console_route import ConsoleRoute
from clickproof.web.routes_account import add_account_routes
from clickproof.web.routes_activities import add_activities_routes
from clickproof.web.routes_admin import add_admin_routes
from clickproof.web.routes_auth import add_auth_routes
from clickproof.web.routes_contracts import add_contracts_routes
from clickproof.web.routes_exports import add_exports_routes
from clickproof.web.routes_signers import add_signers_routes
from clickproof.web.templating import STATIC


def build_console_router(system: System) -> APIRouter:
    route_class = type("BoundConsoleRoute", (ConsoleRoute,), {"console": system.console})
    router = APIRouter(prefix="/console", route_class=route_class, include_in_schema=False)
    add_auth_routes(router, system)
    add_exports_routes(router, system)
    add_activities_routes(router, system)
    add_signers_routes(router, system)
    add_contracts_routes(router, system)
    add_admin_routes(router, system)
    add_account_routes(router, system)
    return router


def install_console(app: FastAPI, system: System) -> None:
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")
    app.include_router(build_console_router(system))

    @app.get("/", include_in_schema=False)
    def front(_request: Request) -> RedirectResponse:
        return RedirectResponse("/console/", status_code=303)
