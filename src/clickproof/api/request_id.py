"""X-Request-Id in and out: the caller's id when it is a safe token (request_context), else a new
one; it is bound for the request's work (log lines, the jobs and webhook deliveries it creates)
and answered in the response header. Each request is logged once, its path redacted like the
access log's (api/access_log)."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from clickproof.api.access_log import redact_path
from clickproof.request_context import HEADER, accepted_request_id, scope

log = logging.getLogger("clickproof.api")
_HEADER_BYTES = HEADER.lower().encode("latin-1")


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope_: Scope, receive: Receive, send: Send) -> None:
        if scope_["type"] != "http":
            await self.app(scope_, receive, send)
            return
        given = None
        for name, value in scope_.get("headers", []):
            if name == _HEADER_BYTES:
                given = value.decode("latin-1")
                break
        request_id = accepted_request_id(given)
        status = 500
        began = time.monotonic()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(n, v) for n, v in message.get("headers", []) if n.lower() != _HEADER_BYTES]
                headers.append((_HEADER_BYTES, request_id.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        with scope(request_id=request_id):
            try:
                await self.app(scope_, receive, send_with_id)
            finally:
                log.info(
                    "api.request method=%s path=%s status=%d ms=%d",
                    scope_.get("method", ""),
                    redact_path(scope_.get("path", "")),
                    status,
                    int((time.monotonic() - began) * 1000),
                )
