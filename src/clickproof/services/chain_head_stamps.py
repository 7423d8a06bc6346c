"""Daily RFC 3161 timestamps of the sites' chain heads (the sweeper's task; docs/adr/0023).

Once per interval, each site whose chain head moved since its newest timestamp gets a timestamp
from the configured authority over the head's statement (domain/chain_proof.head_statement). A
timestamp of a head proves that every link up to it existed at the authority's time: with a
chain proof (GET /v1.1/activity/{id}/chain-proof) it dates one activity without any export.
Without a timestamp authority nothing is asked or stored.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from clickproof.domain.chain_proof import head_statement
from clickproof.evidence.timestamps import TimestampError, check_timestamp, request_timestamp
from clickproof.store.chain_head_timestamps import ChainHeadTimestamp, ChainHeadTimestampStore

log = logging.getLogger("clickproof.jobs")

CHECK_EVERY = timedelta(minutes=10)  # how often the sweeper looks for heads due (a small query)


@dataclass(frozen=True)
class StampSettings:
    tsa_url: str | None
    tsa_certificate: bytes | None
    tsa_timeout_seconds: float
    interval: timedelta | None  # None: chain heads are not timestamped


class ChainHeadStamper:
    def __init__(self, store: ChainHeadTimestampStore, settings: StampSettings) -> None:
        self.store = store
        self.settings = settings
        self._last_check: datetime | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.settings.tsa_url) and self.settings.interval is not None

    def periodic(self, now: datetime) -> int:
        """The sweeper's task: at most every CHECK_EVERY, timestamp the heads that are due."""
        if not self.enabled or (self._last_check is not None and now - self._last_check < CHECK_EVERY):
            return 0
        self._last_check = now
        return self.stamp_due(now)

    def stamp_due(self, now: datetime) -> int:
        """Timestamp every head that is due; returns how many were stored. One authority failure
        is logged and leaves the site due for the next check."""
        url, interval = self.settings.tsa_url, self.settings.interval
        if not url or interval is None:
            return 0
        stored = 0
        for head in self.store.heads_due(now - interval):
            statement = head_statement(
                account_id=head.account_id, site_id=head.site_id, seq=head.seq, hash=head.hash
            )
            try:
                reply = request_timestamp(
                    url,
                    statement,
                    timeout=self.settings.tsa_timeout_seconds,
                    certificate=self.settings.tsa_certificate,
                )
            except TimestampError as exc:
                log.warning("chain_head.timestamp_failed site=%d seq=%d: %s", head.site_id, head.seq, exc)
                continue
            check = check_timestamp(reply, statement, certificate=self.settings.tsa_certificate)
            if check.problem is not None or check.time is None:
                log.warning("chain_head.timestamp_unusable site=%d: %s", head.site_id, check.problem)
                continue
            stamp = ChainHeadTimestamp(
                site_id=head.site_id,
                seq=head.seq,
                hash=head.hash,
                statement=statement.decode("ascii"),
                token=base64.b64encode(reply).decode("ascii"),
                stamped_time=check.time,
                created_time=now,
            )
            if self.store.add(stamp):
                stored += 1
                log.info("chain_head.timestamped site=%d seq=%d", head.site_id, head.seq)
        return stored
