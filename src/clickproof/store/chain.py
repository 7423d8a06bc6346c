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
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from clickproof.domain.activity import Activity, normalize_connection_data
from clickproof.domain.chain import (
    CHAIN_VERSION,
    GENESIS,
    LEGACY_VERSION,
    canonical_json,
    link_hash,
    record_json,
    sha256_hex,
)
from clickproof.domain.fields import Family, json_kind
from clickproof.domain.timestamps import as_utc, format_stored, utc_now
from clickproof.store.partitions import ensure_month_partitions
from clickproof.store.tables import chain_heads


@dataclass(frozen=True)
class ChainHead:
    site_id: int
    seq: int
    hash: str
    # Raised by every signer erasure: the keys a process remembers as recorded in the site's
    # field catalogue are valid for one epoch only (an erasure may remove keys from it).
    catalog_epoch: int = 0


@cache
def _head_upsert(dialect: str, with_epoch: bool) -> Any:
    """The head upsert, built once per dialect (so compiled once, not per transaction)."""
    dialect_insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = dialect_insert(chain_heads).values(
        site_id=bindparam("site_id"), seq=0, hash=GENESIS, updated_time=bindparam("now")
    )
    upsert = statement.on_conflict_do_update(
        index_elements=[chain_heads.c.site_id], set_={"site_id": statement.excluded.site_id}
    )
    if not with_epoch:
        return upsert.returning(chain_heads.c.seq, chain_heads.c.hash)
    return upsert.returning(chain_heads.c.seq, chain_heads.c.hash, chain_heads.c.catalog_epoch)


_HEAD_UPDATE = (
    update(chain_heads)
    .where(chain_heads.c.site_id == bindparam("head_site"))
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"), updated_time=bindparam("now"))
)


def lock_head(conn: Connection, site_id: int, now: datetime, *, with_epoch: bool = True) -> ChainHead:
    """Create the site's head if new and lock it until the transaction ends.

    One statement, a write either way: on PostgreSQL the conflicting update locks the row as
    `SELECT … FOR UPDATE` would; SQLite takes its database write lock with it. RETURNING gives
    the head as it stands (the update changes nothing). `with_epoch=False`: for the migration
    that chains old rows, which runs before the catalogue epoch exists."""
    params = {"site_id": site_id, "now": now}
    row = conn.execute(_head_upsert(conn.dialect.name, with_epoch), params).one()
    if not with_epoch:
        return ChainHead(site_id, int(row.seq), str(row.hash))
    return ChainHead(site_id, int(row.seq), str(row.hash), int(row.catalog_epoch))


def read_head(conn: Connection, site_id: int) -> ChainHead | None:
    row = conn.execute(select(chain_heads).where(chain_heads.c.site_id == site_id)).first()
    if row is None:
        return None
    return ChainHead(site_id, int(row.seq), str(row.hash), int(row.catalog_epoch))


# Stored columns of an activity known before its place in the chain, then those of the link.
PREPARED_COLUMNS = (
    "id",
    "uuid",
    "account_id",
    "site_id",
    "signer_id",
    "group_id",
    "contract_id",
    "version_id",
    "version_number",
    "event_type",
    "execution_method",
    "batch",
    "session",
    "created_time",
    "event_time",
    "test_mode",
    "connection_data",
    "custom_data",
    "render_data",
    "source",
    "pii_salt",
    "pii_hash",
    "signer_properties",
    "record_version",
)
LINK_COLUMNS = ("chain_seq", "content_hash", "prev_hash", "chain_hash")
HASH_COLUMNS = ("chain_seq", "pii_salt", "pii_hash", "content_hash", "prev_hash", "chain_hash")
_SEQ_PLACE = ',"seq":0,'
COPY_ROWS = 100  # on PostgreSQL, batches this large are written with COPY


class PreparedActivity(NamedTuple):
    """An activity ready to be linked: its stored values in the driver's form, the JSON keys it
    brings, and its canonical record cut where the chain position goes. Preparing is the costly,
    parallelisable part of a write (JSON, hashing); linking is two hashes. A tuple: it crosses
    from child processes and through the import spool by the hundred thousand."""

    site_id: int
    created_time: datetime
    values: tuple[Any, ...]  # PREPARED_COLUMNS, as bound for `dialect`
    record_head: str
    record_tail: str
    fields: tuple[tuple[str, str, str | None], ...]  # (family, key, JSON kind of the value)

    @property
    def activity_id(self) -> str:
        return str(self.values[0])


def prepare(
    activity: Activity,
    dialect: str,
    version: int = CHAIN_VERSION,
    signer_record: dict[str, Any] | None = None,
) -> PreparedActivity:
    """Everything about the stored row that does not depend on its place in the chain. Raises
    ValueError for values JSON cannot hold (NaN, infinities). `version` is the record format
    (domain/chain.py); format 1 only for rows stored before signer snapshots. `signer_record`,
    when given, is the signer record as of the activity in place of `activity.signer_properties`
    (the group commit learns it in the write transaction)."""
    record_now = activity.signer_properties if signer_record is None else signer_record
    connection = normalize_connection_data(activity.connection_data)
    salt = secrets.token_hex(16)
    # Each family's canonical JSON is what is stored, and, joined, the personal part that is
    # hashed: byte for byte `pii_hash(PersonalPart(...))`, with each family serialized once.
    families = (
        canonical_json(connection),
        canonical_json(activity.custom_data),
        canonical_json(activity.render_data),
    )
    signer_properties = None
    snapshot = ""
    if version >= 2:
        signer_properties = canonical_json(record_now)
        snapshot = f',"signer_properties":{signer_properties}'
    elif record_now is not None:
        raise ValueError("a format 1 record has no signer properties")
    pii = sha256_hex(
        f'{{"connection_data":{families[0]},"custom_data":{families[1]},"render_data":{families[2]},'
        f'"salt":"{salt}","signer_id":{canonical_json(activity.signer_id)}{snapshot}}}'
    )
    record = record_json(
        {
            "id": activity.id,
            "uuid": activity.uuid,
            "account_id": activity.account_id,
            "site_id": activity.site_id,
            "chain_seq": 0,
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
            "source": activity.source,
            "record_version": version,
        },
        pii,
    )
    head, place, tail = record.partition(_SEQ_PLACE)
    if not place:
        raise AssertionError("the canonical record has no chain position")
    postgres = dialect == "postgresql"
    values = (
        activity.id,
        activity.uuid,
        activity.account_id,
        activity.site_id,
        activity.signer_id,
        activity.group_id,
        activity.contract_id,
        activity.version_id,
        activity.version_number,
        activity.event_type,
        activity.execution_method,
        activity.batch,
        activity.session,
        _bound_time(activity.created_time, postgres),
        None if activity.event_time is None else _bound_time(activity.event_time, postgres),
        bool(activity.test_mode) if postgres else int(bool(activity.test_mode)),
        *families,
        activity.source,
        salt,
        pii,
        # JSON null is not SQL NULL: no snapshot is stored as NULL.
        None if record_now is None else signer_properties,
        None if version == LEGACY_VERSION else version,
    )
    fields = family_fields(connection, activity.custom_data, activity.render_data)
    return PreparedActivity(activity.site_id, activity.created_time, values, head, tail, fields)


def family_fields(
    connection: dict[str, Any], custom: dict[str, Any], render: dict[str, Any]
) -> tuple[tuple[str, str, str | None], ...]:
    """(family, key, JSON kind of the value) of every key an activity brings."""
    return (
        *((Family.CONNECTION.value, key, json_kind(value)) for key, value in connection.items()),
        *((Family.CUSTOM.value, key, json_kind(value)) for key, value in custom.items()),
        *((Family.RENDER.value, key, json_kind(value)) for key, value in render.items()),
    )


def _bound_time(value: datetime, postgres: bool) -> Any:
    return as_utc(value) if postgres else format_stored(value)


def link(prepared: PreparedActivity, seq: int, prev: str) -> tuple[Any, ...]:
    """The stored row (PREPARED_COLUMNS then LINK_COLUMNS) at position `seq` after `prev`."""
    content = sha256_hex(f'{prepared.record_head},"seq":{seq},{prepared.record_tail}')
    return (*prepared.values, seq, content, prev, link_hash(prev, content))


def chain_columns(activity: Activity, seq: int, prev: str) -> dict[str, Any]:
    """The hash columns of an activity at position `seq` after `prev` (for rows written before
    the chain existed: store/chain_backfill), in record format 1 as they were."""
    prepared = prepare(activity, "sqlite", LEGACY_VERSION)
    row = dict(zip(PREPARED_COLUMNS + LINK_COLUMNS, link(prepared, seq, prev), strict=True))
    return {k: row[k] for k in HASH_COLUMNS}


def append(
    conn: Connection,
    batch: Iterable[Activity | PreparedActivity],
    heads: dict[int, ChainHead] | None = None,
    locked: dict[int, ChainHead] | None = None,
) -> list[PreparedActivity]:
    """Append activities to their sites' chains in this transaction; returns them prepared.
    `heads`, when given, receives each site's head as locked (before the append); `locked`: heads
    this transaction has locked already (lock_head), not locked again."""
    dialect = conn.dialect.name
    by_site: dict[int, list[PreparedActivity]] = {}
    for item in batch:
        prepared = item if isinstance(item, PreparedActivity) else prepare(item, dialect)
        by_site.setdefault(prepared.site_id, []).append(prepared)
    now = utc_now()
    stored: list[PreparedActivity] = []
    for site_id in sorted(by_site):  # a fixed lock order: two multi-site writers never deadlock
        head = locked[site_id] if locked is not None and site_id in locked else lock_head(conn, site_id, now)
        if heads is not None:
            heads[site_id] = head
        seq, prev = head.seq, head.hash
        rows = []
        for prepared in by_site[site_id]:
            seq += 1
            row = link(prepared, seq, prev)
            prev = row[-1]
            rows.append(row)
        ensure_month_partitions(conn, (p.created_time for p in by_site[site_id]))
        insert_rows(conn, rows)
        conn.execute(_HEAD_UPDATE, {"head_site": site_id, "new_seq": seq, "new_hash": prev, "now": now})
        stored.extend(by_site[site_id])
    return stored


def insert_rows(conn: Connection, rows: list[tuple[Any, ...]]) -> None:
    """Rows in the driver's form, straight to the driver: COPY on PostgreSQL for big batches."""
    columns = PREPARED_COLUMNS + LINK_COLUMNS
    if conn.dialect.name == "postgresql":
        if len(rows) >= COPY_ROWS:
            driver = conn.connection.driver_connection
            assert driver is not None, "a connection in a transaction has its driver connection"
            statement = f"COPY activities ({', '.join(columns)}) FROM STDIN"
            with driver.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(columns))
    else:
        marks = ", ".join(["?"] * len(columns))
    conn.exec_driver_sql(f"INSERT INTO activities ({', '.join(columns)}) VALUES ({marks})", rows)
