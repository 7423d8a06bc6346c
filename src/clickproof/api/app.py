"""The FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from clickproof import __version__
from clickproof.api.contract import SEED
from clickproof.api.error_handlers import install_error_handlers
from clickproof.api.routes_exports import build_export_router
from clickproof.api.routes_sites import build_site_router
from clickproof.bootstrap import System


def create_app(system: System, *, background: bool = True) -> FastAPI:
    """The API over `system`; with `background`, its workers and sweeper run while the app runs."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if background:
            system.start_background()
        try:
            yield
        finally:
            if background:
                system.stop_background()

    app = FastAPI(
        title="clickproof REST API",
        version="v1.1",
        description="Clickwrap evidence exports, compatible with Ironclad Clickwrap's v1.1 Extraction API.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.include_router(build_export_router(system))
    app.include_router(build_site_router(system))

    @app.get("/health", tags=["Operations"], summary="Liveness and version")
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            schema.setdefault("components", {})["securitySchemes"] = SEED["components"]["securitySchemes"]
            schema["security"] = SEED["security"]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
