"""The FastAPI application."""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from clickproof import __version__
from clickproof.api.activity_cors import ActivityApiCors
from clickproof.api.contract import json_response
from clickproof.api.error_handlers import install_error_handlers
from clickproof.api.http_hygiene import HttpHygieneMiddleware
from clickproof.api.openapi_doc import OPENAPI_VERSION, build_openapi
from clickproof.api.request_id import RequestIdMiddleware
from clickproof.api.routes_activity import build_activity_router
from clickproof.api.routes_activity_api import build_activity_api_router
from clickproof.api.routes_admin import build_admin_router
from clickproof.api.routes_catalog import build_catalog_router
from clickproof.api.routes_chain import build_chain_router
from clickproof.api.routes_evidence import build_evidence_router
from clickproof.api.routes_exports import build_export_router
from clickproof.api.routes_holds import build_hold_router
from clickproof.api.routes_metrics import build_metrics_router
from clickproof.api.routes_schedules import build_schedule_router
from clickproof.api.routes_sites import build_site_router
from clickproof.api.routes_webhooks import build_webhook_router
from clickproof.bootstrap import System
from clickproof.web.app import install_console


def swagger_ui_dir() -> str:
    """The static folder of the fastapi-offline package, found without importing it."""
    spec = importlib.util.find_spec("fastapi_offline")
    assert spec is not None and spec.submodule_search_locations is not None
    return f"{next(iter(spec.submodule_search_locations))}/static"


def create_app(system: System, *, background: bool = True) -> FastAPI:
    """The API over `system`; with `background`, its workers and sweeper run while the app runs."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if background:
            # With a broker, `clickproof worker` processes run the exports; this process only sweeps.
            system.start_background(workers=not system.distributed)
        try:
            yield
        finally:
            if background:
                system.stop_background()

    app = FastAPI(
        title="clickproof REST API",
        version="v1.1",
        docs_url=None,
        redoc_url=None,
        description="Clickwrap evidence: recording (Activity API, REST, bulk import) and exports, compatible with Ironclad Clickwrap's v1.1 APIs.",
        lifespan=lifespan,
    )
    app.openapi_version = OPENAPI_VERSION
    install_error_handlers(app)
    app.add_middleware(HttpHygieneMiddleware)
    app.add_middleware(ActivityApiCors)  # preflights never reach the hygiene checks
    app.add_middleware(RequestIdMiddleware)  # outermost: every answer carries X-Request-Id
    app.include_router(build_export_router(system))
    app.include_router(build_schedule_router(system))
    app.include_router(build_hold_router(system))
    app.include_router(build_evidence_router(system))
    app.include_router(build_chain_router(system))
    app.include_router(build_activity_router(system))
    app.include_router(build_catalog_router(system))
    app.include_router(build_activity_api_router(system))
    app.include_router(build_site_router(system))
    app.include_router(build_admin_router(system))
    app.include_router(build_webhook_router(system))
    app.include_router(build_metrics_router(system))

    # Interactive API docs from the Swagger UI 5 files (it renders OpenAPI 3.1) shipped in a Python
    # package: no CDN, so the page works on a machine without internet access.
    install_console(app, system)

    app.mount("/static/swagger-ui", StaticFiles(directory=swagger_ui_dir()), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="clickproof API",
            swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/swagger-ui/favicon.png",
        )

    @app.get(
        "/health",
        tags=["Operations"],
        summary="Liveness and version",
        openapi_extra={"security": []},
        responses={
            200: json_response(
                "The service is up.",
                {
                    "type": "object",
                    "properties": {"status": {"type": "string"}, "version": {"type": "string"}},
                    "required": ["status", "version"],
                },
            )
        },
    )
    async def health() -> dict[str, str]:
        # On the event loop: it touches nothing that blocks, so it never queues for the thread
        # pool behind routes doing database work.
        return {"status": "ok", "version": __version__}

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
