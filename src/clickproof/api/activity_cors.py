"""CORS for the Activity API. Ironclad's clients call `/send`, `/load`, `/latest` and `/retrieve`
from customers' web pages on other origins, identified only by the site's public access id: any
origin may call them (`Access-Control-Allow-Origin: *`), never with credentials, unless the site
lists its allowed origins (`clickproof site origins`): then the routes answer that origin itself,
and refuse a request from another (api/routes_activity_api.py). A preflight cannot name the site,
so it is always allowed; the request after it is what is checked. The REST API (bearer tokens)
answers no CORS at all."""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ACTIVITY_API_PATHS = frozenset({"/send", "/load", "/load/json", "/latest", "/retrieve"})
ALLOWED_METHODS = "GET, POST, OPTIONS"
ALLOWED_HEADERS = "Content-Type, Idempotency-Key"
EXPOSED_HEADERS = "Idempotent-Replayed, Retry-After"
MAX_AGE_SECONDS = "600"


class ActivityApiCors:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in ACTIVITY_API_PATHS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await self._preflight(send)
            return

        async def with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                if "access-control-allow-origin" not in response_headers:  # a site's own allow-list
                    response_headers["Access-Control-Allow-Origin"] = "*"
                response_headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
            await send(message)

        await self.app(scope, receive, with_cors)

    @staticmethod
    async def _preflight(send: Send) -> None:
        headers = [
            (b"access-control-allow-origin", b"*"),
            (b"access-control-allow-methods", ALLOWED_METHODS.encode()),
            (b"access-control-allow-headers", ALLOWED_HEADERS.encode()),
            (b"access-control-max-age", MAX_AGE_SECONDS.encode()),
            (b"content-length", b"0"),
        ]
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
