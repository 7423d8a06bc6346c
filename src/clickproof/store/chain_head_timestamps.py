"""All SQL about the RFC 3161 timestamps of chain heads: one row per (site, head sequence)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from clickproof.store.tables import chain_head_timestamps, chain_heads, sites


@dataclass(frozen=True)
class ChainHeadTimestamp:
    site_id: int
    seq: int
    hash: str
    statement: str
    token: str  # base64 of the DER TimeStampResp
    stamped_time: datetime
    created_time: datetime


@dataclass(frozen=True)
class HeadToStamp:
    site_id: int
    account_id: int
    seq: int
    hash: str


def _timestamp(row: Any) -> ChainHeadTimestamp:
    m = row._mapping
    return ChainHeadTimestamp(
        int(m["site_id"]),
        int(m["seq"]),
        m["hash"],
        m["statement"],
        m["token"],
        m["stamped_time"],
        m["created_time"],
    )


class ChainHeadTimestampStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def heads_due(self, since: datetime) -> list[HeadToStamp]:
        """Heads that moved past their site's newest timestamp, when that one is older than `since`
        (or there is none)."""

        latest = (
            select(
                chain_head_timestamps.c.site_id,
                func.max(chain_head_timestamps.c.seq).label("seq"),
                func.max(chain_head_timestamps.c.created_time).label("created_time"),
            )
            .group_by(chain_head_timestamps.c.site_id)
            .subquery()
        )
        statement = (
            select(chain_heads.c.site_id, sites.c.account_id, chain_heads.c.seq, chain_heads.c.hash)
            .join(sites, sites.c.id == chain_heads.c.site_id)
            .outerjoin(latest, latest.c.site_id == chain_heads.c.site_id)
            .where(
                chain_heads.c.seq > 0,
                (latest.c.seq.is_(None))
                | ((latest.c.seq < chain_heads.c.seq) & (latest.c.created_time < since)),
            )
            .order_by(chain_heads.c.site_id)
        )
        with self.engine.connect() as conn:
            return [
                HeadToStamp(int(r.site_id), int(r.account_id), int(r.seq), r.hash)
                for r in conn.execute(statement)
            ]

    def add(self, stamp: ChainHeadTimestamp) -> bool:
        """Store a timestamp; False when the site's head at that sequence has one already."""
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        values = {
            "site_id": stamp.site_id,
            "seq": stamp.seq,
            "hash": stamp.hash,
            "statement": stamp.statement,
            "token": stamp.token,
            "stamped_time": stamp.stamped_time,
            "created_time": stamp.created_time,
        }
        with self.engine.begin() as conn:
            result = conn.execute(insert(chain_head_timestamps).values(values).on_conflict_do_nothing())
        return bool(result.rowcount)

    def for_site(self, site_id: int, *, limit: int, offset: int = 0) -> list[ChainHeadTimestamp]:
        """The site's timestamps, newest head first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(chain_head_timestamps)
                .where(chain_head_timestamps.c.site_id == site_id)
                .order_by(chain_head_timestamps.c.seq.desc())
                .limit(limit)
                .offset(offset)
            )
            return [_timestamp(r) for r in rows]

    def count(self, site_id: int) -> int:
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count())
                    .select_from(chain_head_timestamps)
                    .where(chain_head_timestamps.c.site_id == site_id)
                ).scalar_one()
            )

    def first_covering(self, site_id: int, seq: int, until: int) -> ChainHeadTimestamp | None:
        """The earliest timestamp of a head at or after link `seq` and at most `until`."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(chain_head_timestamps)
                .where(
                    chain_head_timestamps.c.site_id == site_id,
                    chain_head_timestamps.c.seq >= seq,
                    chain_head_timestamps.c.seq <= until,
                )
                .order_by(chain_head_timestamps.c.seq)
                .limit(1)
            ).first()
        return None if row is None else _timestamp(row)
