"""Group commit: concurrent sends in one process share one write transaction.

Each send is validated and resolved on its own; only the write (signer records, chain append) is
queued. The first waiting thread becomes the leader and writes everything queued in one
transaction — one chain-head lock and one commit for many sends — while the others wait for it.
If a shared transaction fails, its sends are retried one by one, so one bad send fails alone.
Within a process writers never wait in SQLite's busy handler (whose sleeps ruin tail latency).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine

from clickproof.domain.activity import Activity
from clickproof.store.catalog import SignerWrite
from clickproof.store.chain import PreparedActivity, prepare

MAX_GROUP = 512


@dataclass
class WriteItem:
    """One send's writes: signers to create or update, then activities to append, each recording
    the signer record as the send's signer write leaves it."""

    signers: list[SignerWrite]
    activities: list[Activity]
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None
    request_id: str | None = None


def _nothing_written(_conn: Connection, _activities: list[Activity], _request_id: str | None) -> None:
    return None


class GroupCommitter:
    def __init__(
        self,
        engine: Engine,
        write_signers: Callable[[Connection, list[SignerWrite]], list[dict[str, Any]]],
        append: Callable[[Connection, list[Activity | PreparedActivity]], object],
    ) -> None:
        self.engine = engine
        self.write_signers = write_signers
        self.append = append
        self._leader = threading.Lock()
        self._queue_lock = threading.Lock()
        self._queue: list[WriteItem] = []
        # In each write transaction after the append, per send: webhooks queue their deliveries.
        self.on_written: Callable[[Connection, list[Activity], str | None], None] = _nothing_written

    def submit(self, item: WriteItem) -> None:
        with self._queue_lock:
            self._queue.append(item)
        while not item.done.is_set():
            with self._leader:
                if item.done.is_set():
                    break
                with self._queue_lock:
                    group, self._queue = self._queue[:MAX_GROUP], self._queue[MAX_GROUP:]
                self._write(group)
        if item.error is not None:
            raise item.error

    def _write(self, group: list[WriteItem]) -> None:
        try:
            self._transaction(group)
        except BaseException as exc:
            if len(group) == 1:
                group[0].error = exc
            else:
                for item in group:  # isolate the failure: each send alone
                    try:
                        self._transaction([item])
                    except BaseException as single:
                        item.error = single
        for item in group:
            item.done.set()

    def _transaction(self, group: list[WriteItem]) -> None:
        with self.engine.begin() as conn:
            records = iter(self.write_signers(conn, [w for item in group for w in item.signers]))
            dialect = conn.dialect.name
            batch: list[Activity | PreparedActivity] = []
            for item in group:
                record = None
                for _write in item.signers:
                    record = next(records)
                batch.extend(prepare(a, dialect, signer_record=record) for a in item.activities)
            self.append(conn, batch)
            for item in group:
                self.on_written(conn, item.activities, item.request_id)
