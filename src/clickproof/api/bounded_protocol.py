"""uvicorn's HTTP/1.1 protocol (httptools) with two deadlines a slow or idle client cannot stretch.

uvicorn bounds only the idle time between two requests of a connection (`timeout_keep_alive`,
cancelled by the first byte of the next request). A connection that sends half a request line or
half its headers, or trickles its body, is kept for ever (docs/adr/0016). Here:

- the request head (request line and headers) must arrive within `header_timeout` seconds of the
  connection opening or of the previous answer; otherwise the connection is closed;
- the body must arrive within `body_timeout` seconds of the head; otherwise the connection is
  closed and the route reading it sees a disconnect (logged as `api.client_disconnected`).

Each open connection costs a few kilobytes and one timer on the event loop, so many slow clients
cannot keep a normal request from being answered."""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    header_timeout: float = 10.0
    body_timeout: float = 60.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel()
        super().connection_lost(exc)

    def on_headers_complete(self) -> None:
        self._cancel_head()
        super().on_headers_complete()
        if self.cycle is not None and self.cycle.more_body:
            self._body_timer = self.loop.call_later(self.body_timeout, self._body_too_slow)

    def on_message_complete(self) -> None:
        self._cancel_body()
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and not self.pipeline:
            self._arm_head()

    def _arm_head(self) -> None:
        self._cancel_head()
        self._head_timer = self.loop.call_later(self.header_timeout, self._head_too_slow)

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if (self.cycle is None or self.cycle.response_complete) and not self.transport.is_closing():
            self.transport.close()

    def _body_too_slow(self) -> None:
        self._body_timer = None
        cycle = self.cycle
        if cycle is not None and cycle.more_body and not self.transport.is_closing():
            cycle.disconnected = True
            cycle.message_event.set()
            self.transport.close()

    def _cancel_head(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _cancel_body(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def _cancel(self) -> None:
        self._cancel_head()
        self._cancel_body()


def bounded_protocol(*, header_timeout: float, body_timeout: float) -> type[BoundedHttpToolsProtocol]:
    """The protocol class with these deadlines, for `uvicorn.run(http=...)`."""
    return type(
        "ConfiguredBoundedHttpToolsProtocol",
        (BoundedHttpToolsProtocol,),
        {"header_timeout": header_timeout, "body_timeout": body_timeout},
    )
