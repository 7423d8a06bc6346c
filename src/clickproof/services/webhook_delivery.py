"""One attempt of one webhook delivery: claim (compare-and-set) → check the target again (SSRF,
DNS rebinding) → sign (Standard Webhooks) → POST to the checked address → record the outcome.

A receiver costs the worker thread at most the timeout, however it answers: each attempt opens
its own connection, and when the timeout is over a timer shuts that socket down, which ends a
receiver that hangs as well as one that trickles its answer a byte at a time. Redirects are not
followed, and at most RESPONSE_EXCERPT_BYTES of the answer are read."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from standardwebhooks.webhooks import Webhook

from clickproof import __version__, metrics
from clickproof.domain.timestamps import utc_now
from clickproof.domain.webhook_events import RESPONSE_EXCERPT_BYTES, retry_delay
from clickproof.request_context import HEADER as REQUEST_ID_HEADER
from clickproof.request_context import scope
from clickproof.services.webhook_targets import AllowList, TargetRefusedError, check_target
from clickproof.services.webhooks import WebhookService
from clickproof.store.webhooks import AttemptOutcome, DeliveryRow, DisablePolicy, EndpointRow, WebhookStore

log = logging.getLogger("clickproof.webhooks")
LEGACY_TOKEN_HEADER = "Pactsafe-Webhook-Token"  # noqa: S105 - a header name


@dataclass(frozen=True)
class DeliverySettings:
    timeout_seconds: float
    max_attempts: int
    retry_base_seconds: float
    disable: DisablePolicy


def signature_header(secrets: list[str], delivery_id: str, at: datetime, body: str) -> str:
    """`webhook-signature`: one `v1,<base64>` per secret, space-separated (Standard Webhooks)."""
    return " ".join(Webhook(secret).sign(delivery_id, at, body) for secret in secrets)


class WebhookDeliverer:
    def __init__(
        self,
        store: WebhookStore,
        service: WebhookService,
        allow: AllowList,
        settings: DeliverySettings,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.store = store
        self.service = service
        self.allow = allow
        self.settings = settings
        self.clock = clock
        timeout = httpx.Timeout(settings.timeout_seconds)
        self._client = httpx.Client(
            timeout=timeout,
            follow_redirects=False,
            trust_env=False,
            limits=httpx.Limits(
                max_keepalive_connections=0
            ),  # one connection per attempt: the deadline cuts it
        )

    def close(self) -> None:
        self._client.close()

    def deliver(self, delivery_id: str) -> str | None:
        """One attempt if the delivery is due; its new status, or None if there was nothing to do."""
        lease = timedelta(seconds=self.settings.timeout_seconds + 30)
        claimed = self.store.claim(delivery_id, now=self.clock(), lease=lease)
        if claimed is None:
            return None
        delivery, endpoint = claimed
        with scope(request_id=delivery.request_id):
            outcome = self._attempt(delivery, endpoint)
            now = self.clock()
            retry_at = None
            if not outcome.succeeded and delivery.attempt < self.settings.max_attempts:
                retry_at = now + timedelta(
                    seconds=retry_delay(delivery.attempt, self.settings.retry_base_seconds)
                )
            status = self.store.record(
                delivery, outcome, now=now, retry_at=retry_at, policy=self.settings.disable
            )
            metrics.WEBHOOK_ATTEMPTS.labels(
                delivery.event_type, "success" if outcome.succeeded else "failure"
            ).inc()
            metrics.WEBHOOK_LATENCY.observe(outcome.latency_ms / 1000)
            log.info(
                "webhooks.attempt delivery=%s endpoint=%s event=%s attempt=%d status_code=%s outcome=%s",
                delivery.id,
                endpoint.id,
                delivery.event_type,
                delivery.attempt,
                outcome.status_code,
                status,
            )
            if status is not None and status != "succeeded":
                self.service.forget(endpoint.site_id)  # it may have been disabled just now
            return status

    def _headers(self, delivery: DeliveryRow, endpoint: EndpointRow, at: datetime) -> dict[str, str]:
        headers = {
            "content-type": "application/json",
            "user-agent": f"clickproof-webhooks/{__version__}",
            "webhook-id": delivery.id,
            "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": signature_header(
                self.service.secret_of(endpoint, at), delivery.id, at, delivery.payload
            ),
        }
        token = self.service.legacy_token_of(endpoint)
        if token is not None:
            headers[LEGACY_TOKEN_HEADER] = token
        if delivery.request_id:
            headers[REQUEST_ID_HEADER] = delivery.request_id
        return headers

    def _attempt(self, delivery: DeliveryRow, endpoint: EndpointRow) -> AttemptOutcome:
        started = self.clock()
        began = time.monotonic()

        def outcome(code: int | None, excerpt: str, error: str | None) -> AttemptOutcome:
            ok = error is None and code is not None and 200 <= code < 300
            elapsed = int((time.monotonic() - began) * 1000)
            return AttemptOutcome(started, code, elapsed, excerpt, error, ok)

        try:
            target = check_target(endpoint.url, self.allow)
        except TargetRefusedError as exc:
            return outcome(None, "", f"refused: {exc.message}")
        headers = self._headers(delivery, endpoint, started)
        headers["host"] = target.host_header()
        extensions: dict[str, Any] = {"sni_hostname": target.host} if target.url.startswith("https:") else {}
        deadline = _Deadline(self.settings.timeout_seconds)
        extensions["trace"] = deadline.trace
        try:
            request = self._client.build_request(
                "POST",
                target.pinned_url(),
                content=delivery.payload.encode("utf-8"),
                headers=headers,
                extensions=extensions,
            )
            with deadline:
                response = self._client.send(request, stream=True)
                try:
                    excerpt = _excerpt(response)
                finally:
                    response.close()
        except httpx.TimeoutException:
            return outcome(None, "", f"no complete answer within {self.settings.timeout_seconds:g} s")
        except httpx.HTTPError as exc:
            if deadline.expired.is_set():
                return outcome(None, "", f"no complete answer within {self.settings.timeout_seconds:g} s")
            return outcome(None, "", f"{type(exc).__name__}: {exc}"[:500])
        error = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
        return outcome(response.status_code, excerpt, error)


class _Deadline:
    """Shuts the attempt's socket down when `seconds` are over (a blocked read then returns)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = threading.Event()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's trace hook: remember the socket of the connection it opens."""
        if event == "connection.connect_tcp.complete" and info.get("return_value") is not None:
            sock = info["return_value"].get_extra_info("socket")
            if isinstance(sock, socket.socket):
                with self._lock:
                    self._sockets.append(sock)
                if self.expired.is_set():
                    self._cut()

    def _cut(self) -> None:
        self.expired.set()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> _Deadline:
        self._timer = threading.Timer(self.seconds, self._cut)
        self._timer.daemon = True
        self._timer.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._timer is not None:
            self._timer.cancel()


def _excerpt(response: httpx.Response) -> str:
    read = bytearray()
    for chunk in response.iter_raw():
        read.extend(chunk)
        if len(read) >= RESPONSE_EXCERPT_BYTES:
            break
    return bytes(read[:RESPONSE_EXCERPT_BYTES]).decode("utf-8", "replace")
