"""ASGI middleware for protocol hygiene: HEAD answered as GET without a body, and request bodies
with a Content-Encoding other than identity refused with 415 (they are never decoded)."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_IDENTITY = (b"", b"identity")


class HttpHygieneMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        encoding = _header(scope, b"content-encoding")
        if encoding is not None and encoding.strip().lower() not in _IDENTITY:
            await _refuse_encoding(send)
            return
        if scope["method"] == "HEAD":
            await self.app({**scope, "method": "GET"}, receive, _without_body(send))
            return
        await self.app(scope, receive, send)


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key.lower() == name:
            return bytes(value)
    return None


def _without_body(send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.body":
            if message.get("more_body", False):
                return
            message = {"type": "http.response.body", "body": b"", "more_body": False}
        await send(message)

    return wrapped


async def _refuse_encoding(send: Send) -> None:
    message = "request bodies must not be compressed: only Content-Encoding identity is accepted"
    field = "Content-Encoding"
    body = json.dumps(
        {
            "error": message,
            "code": "unsupported_content_encoding",
            "field": field,
            "errors": [{"code": "unsupported_content_encoding", "field": field, "message": message}],
        }
    ).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"accept-encoding", b"identity"),
    ]
    await send({"type": "http.response.start", "status": 415, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
