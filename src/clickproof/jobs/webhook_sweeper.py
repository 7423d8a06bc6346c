"""Hands due webhook deliveries to the job engine: new ones, retries whose backoff is over, and
those whose worker died mid-attempt (lease expired). A timer thread like the export sweeper; the
deliveries table decides, the engine only carries ids, a duplicate finds the delivery claimed."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from clickproof.domain.timestamps import utc_now
from clickproof.store.webhooks import WebhookStore

log = logging.getLogger("clickproof.webhooks")


class WebhookSweeper:
    def __init__(
        self,
        store: WebhookStore,
        dispatch: Callable[[str], None],
        *,
        interval: float,
        grace: timedelta,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.store = store
        self.dispatch = dispatch
        self.interval = interval
        self.grace = grace
        self.clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sweep_once(self) -> int:
        now = self.clock()
        due = self.store.due(now=now, grace=self.grace)
        self.store.mark_dispatched(due, now)
        for delivery_id in due:
            self.dispatch(delivery_id)
        return len(due)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.sweep_once()
            except Exception:
                log.exception("webhooks.sweep_failed")
            self._stop.wait(self.interval)

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="clickproof-webhook-sweeper", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
