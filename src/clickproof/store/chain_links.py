"""Reading a site's chain links: one activity's record and link, the links after it, and the head
the chain had reached among the activities created before an instant (for export manifests)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from clickproof.domain.chain import GENESIS, record_json
from clickproof.store.tables import activities

_PERSONAL = ("connection_data", "custom_data", "render_data", "signer_properties", "signer_id", "pii_salt")
_RECORD_COLUMNS = [c for c in activities.c if c.name not in _PERSONAL]


@dataclass(frozen=True)
class ActivityLink:
    activity_id: str
    seq: int
    record: str  # the canonical record, recomputed from the stored row (chain_verify does the same)
    prev_hash: str
    content_hash: str
    chain_hash: str


@dataclass(frozen=True)
class LinkHashes:
    seq: int
    content_hash: str
    chain_hash: str


def activity_link(conn: Connection, site_id: int, activity_id: str) -> ActivityLink | None:
    row = conn.execute(
        select(*_RECORD_COLUMNS).where(activities.c.site_id == site_id, activities.c.id == activity_id)
    ).first()
    if row is None or row.chain_seq is None:
        return None
    return ActivityLink(
        activity_id=row.id,
        seq=int(row.chain_seq),
        record=record_json(row._asdict(), row.pii_hash),
        prev_hash=row.prev_hash,
        content_hash=row.content_hash,
        chain_hash=row.chain_hash,
    )


def links_between(conn: Connection, site_id: int, after: int, until: int) -> list[LinkHashes]:
    """The links after `after` up to and including `until`, in order (as stored: a gap stays a gap)."""
    rows = conn.execute(
        select(activities.c.chain_seq, activities.c.content_hash, activities.c.chain_hash)
        .where(
            activities.c.site_id == site_id,
            activities.c.chain_seq > after,
            activities.c.chain_seq <= until,
        )
        .order_by(activities.c.chain_seq)
    )
    return [LinkHashes(int(r.chain_seq), r.content_hash, r.chain_hash) for r in rows]


def head_before(conn: Connection, site_id: int, end: datetime) -> tuple[int, str]:
    """(seq, link hash) of the newest link among the site's activities created before `end`:
    every activity of an export whose window ends at `end` is at or before it. (0, 64 zeros) for
    none."""
    row = conn.execute(
        select(activities.c.chain_seq, activities.c.chain_hash)
        .where(
            activities.c.site_id == site_id,
            activities.c.created_time < end,
            activities.c.chain_seq.is_not(None),
        )
        .order_by(activities.c.chain_seq.desc())
        .limit(1)
    ).first()
    return (0, GENESIS) if row is None else (int(row.chain_seq), str(row.chain_hash))
