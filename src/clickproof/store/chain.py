"""Appending to a site's hash chain: the one write path of activities (docs/adr/0008).

Writers of one site are serialized by the site's `chain_heads` row: PostgreSQL locks it with
`SELECT … FOR UPDATE`; SQLite takes its database write lock with the first write statement of the
transaction (the head upsert), so the head read after it is the newest. The rows and the new head
are committed together, so a chain is never left half-written.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from clickproof.domain.activity import Activity, normalize_connection_data
from clickproof.domain.chain import GENESIS, PersonalPart, link_hash, pii_hash, record_json, sha256_hex
from clickproof.domain.timestamps import utc_now
from clickproof.store.partitions import ensure_month_partitions
from clickproof.store.tables import activities, chain_heads


@dataclass(frozen=True)
class ChainHead:
    site_id: int
    seq: int
    hash: str


def lock_head(conn: Connection, site_id: int, now: datetime) -> ChainHead:
    """Create the site's head if new and lock it until the transaction ends.

    One statement, a write either way: on PostgreSQL the conflicting update locks the row as
    `SELECT … FOR UPDATE` would; SQLite takes its database write lock with it. RETURNING gives
    the head as it stands (the update changes nothing)."""
    values = {"site_id": site_id, "seq": 0, "hash": GENESIS, "updated_time": now}
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = dialect_insert(chain_heads).values(values)
    upsert = statement.on_conflict_do_update(
        index_elements=[chain_heads.c.site_id], set_={"site_id": statement.excluded.site_id}
    ).returning(chain_heads.c.seq, chain_heads.c.hash)
    row = conn.execute(upsert).one()
    return ChainHead(site_id, int(row.seq), str(row.hash))


def read_head(conn: Connection, site_id: int) -> ChainHead | None:
    row = conn.execute(select(chain_heads).where(chain_heads.c.site_id == site_id)).first()
    return None if row is None else ChainHead(site_id, int(row.seq), str(row.hash))


def chained_row(activity: Activity, seq: int, prev: str) -> dict[str, Any]:
    """The stored row of an activity at position `seq` after the link `prev`, with its hashes."""
    row: dict[str, Any] = {
        "id": activity.id,
        "uuid": activity.uuid,
        "account_id": activity.account_id,
        "site_id": activity.site_id,
        "signer_id": activity.signer_id,
        "group_id": activity.group_id,
        "contract_id": activity.contract_id,
        "version_id": activity.version_id,
        "version_number": activity.version_number,
        "event_type": activity.event_type,
        "execution_method": activity.execution_method,
        "batch": activity.batch,
        "session": activity.session,
        "created_time": activity.created_time,
        "event_time": activity.event_time,
        "test_mode": activity.test_mode,
        "connection_data": normalize_connection_data(activity.connection_data),
        "custom_data": activity.custom_data,
        "render_data": activity.render_data,
        "source": activity.source,
        "chain_seq": seq,
        "pii_salt": secrets.token_hex(16),
        "prev_hash": prev,
        "erased_time": None,
    }
    pii = pii_hash(
        PersonalPart(
            row["pii_salt"], row["signer_id"], row["connection_data"], row["custom_data"], row["render_data"]
        )
    )
    content = sha256_hex(record_json(row, pii))
    row["pii_hash"] = pii
    row["content_hash"] = content
    row["chain_hash"] = link_hash(prev, content)
    return row


def append(conn: Connection, batch: Iterable[Activity]) -> list[dict[str, Any]]:
    """Append activities to their sites' chains in this transaction; returns the stored rows."""
    by_site: dict[int, list[Activity]] = {}
    for activity in batch:
        by_site.setdefault(activity.site_id, []).append(activity)
    now = utc_now()
    stored: list[dict[str, Any]] = []
    for site_id in sorted(by_site):  # a fixed lock order: two multi-site writers never deadlock
        head = lock_head(conn, site_id, now)
        seq, prev = head.seq, head.hash
        rows = []
        for activity in by_site[site_id]:
            seq += 1
            row = chained_row(activity, seq, prev)
            prev = row["chain_hash"]
            rows.append(row)
        ensure_month_partitions(conn, (row["created_time"] for row in rows))
        conn.execute(insert(activities), rows)
        conn.execute(
            update(chain_heads)
            .where(chain_heads.c.site_id == site_id)
            .values(seq=seq, hash=prev, updated_time=now)
        )
        stored.extend(rows)
    return stored
