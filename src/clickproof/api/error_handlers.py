"""The one map from errors to HTTP: every failure is JSON naming the code, field and problem."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import compile_path

from clickproof.api.activity_cors import ACTIVITY_API_PATHS
from clickproof.errors import ClickproofError, RateLimitedError, error_body

log = logging.getLogger("clickproof.api")

STATUS_BY_KIND = {
    "invalid": 400,
    "unauthenticated": 401,
    "forbidden": 403,
    "not_found": 404,
    "conflict": 409,
    "gone": 410,
    "too_large": 413,
    "unprocessable": 422,
    "unsupported": 415,
    "too_many": 429,
}


def _json(
    status: int, code: str, message: str, field: str | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {
        "error": message,
        "code": code,
        "field": field,
        "errors": [{"code": code, "field": field, "message": message}],
    }
    return JSONResponse(body, status_code=status, headers=headers)


def _allowed_methods(request: Request) -> str:
    """The methods of the path the request names. The first route whose path matches decides which
    path that is (as routing does), and every route with that same path adds its methods: a route
    of another template that happens to match too (`/activity/{id}` for `/activity/import`) is a
    different resource."""
    path = request.scope["path"]
    found: list[tuple[str, set[str]]] = []
    for route in iter_route_contexts(request.app.routes):
        if route.path is None or not route.methods:
            continue
        if compile_path(route.path)[0].match(path):
            found.append((str(route.path_format), set(route.methods)))
    template = found[0][0] if found else None
    methods = {m for t, ms in found if t == template for m in ms}
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ClickproofError)
    async def _domain(_request: Request, exc: ClickproofError) -> JSONResponse:
        status = STATUS_BY_KIND.get(exc.kind, 400)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        body = error_body(exc)
        if isinstance(exc, RateLimitedError):
            headers = {"Retry-After": str(exc.retry_after)}
            body["limit"] = {
                "name": exc.limit,
                "allowed": exc.allowed,
                "window_seconds": exc.window_seconds,
                "retry_after_seconds": exc.retry_after,
            }
        return JSONResponse(body, status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        field = ".".join(str(p) for p in first.get("loc", ())[1:]) or None
        return _json(400, "invalid_request", str(first.get("msg", "invalid request")), field)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = _allowed_methods(request)
        return _json(exc.status_code, code, str(exc.detail), headers=headers or None)

    @app.exception_handler(ClientDisconnect)
    async def _disconnected(request: Request, _exc: ClientDisconnect) -> JSONResponse:
        log.info("api.client_disconnected method=%s path=%s", request.method, request.url.path)
        return _json(400, "client_disconnected", "the client closed the connection before the body was read")

    @app.exception_handler(OperationalError)
    async def _database(_request: Request, exc: OperationalError) -> JSONResponse:
        log.error("api.database_unavailable error=%s", type(exc.orig).__name__)
        return _json(
            503,
            "database_unavailable",
            "the database is unavailable; retry shortly",
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("api.unexpected_error error=%s", type(exc).__name__)
        if request.url.path in ACTIVITY_API_PATHS:
            # Ironclad's SDK retries a 5xx and its retry crashes the caller's process unless the
            # answer is a plain "unavailable, retry later": never a 500 on the Activity API.
            return _json(
                503,
                "temporarily_unavailable",
                "the activity could not be recorded now; retry shortly",
                headers={"Retry-After": "5"},
            )
        return _json(500, "internal_error", "internal error")
