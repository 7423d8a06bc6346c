"""Checking a site's hash chain from its first link to its head: the first broken link is named."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select

from clickproof.domain.chain import (
    GENESIS,
    PersonalPart,
    link_hash,
    pii_hash,
    record_json,
    record_version,
    sha256_hex,
)
from clickproof.store.chain import read_head
from clickproof.store.erasure import erased_counts
from clickproof.store.tables import activities, chain_heads

_PERSONAL = ("connection_data", "custom_data", "render_data", "signer_properties")
_COLUMNS = [c for c in activities.c if c.name not in _PERSONAL]


@dataclass(frozen=True)
class ChainReport:
    site_id: int
    links: int
    head_hash: str
    broken_seq: int | None = None
    broken_id: str | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _problem(row: Any, expected_seq: int, prev: str) -> str | None:
    if row.chain_seq != expected_seq:
        return f"expected link {expected_seq}, found {row.chain_seq} (a link was deleted or inserted)"
    if row.prev_hash != prev:
        return "prev_hash does not match the previous link (a link was deleted, inserted or changed)"
    data = row._asdict()
    version = record_version(data)
    if row.pii_salt is not None:
        if version < 2 and row.signer_properties is not None:
            return "a signer record was added to an activity stored without one"
        part = PersonalPart(
            row.pii_salt,
            row.signer_id,
            row.connection_data,
            row.custom_data,
            row.render_data,
            row.signer_properties,
            version,
        )
        if pii_hash(part) != row.pii_hash:
            return "personal data (signer_id, signer record, connection/custom/render data) was changed"
    elif row.erased_time is None:
        return "personal data salt is missing but no erasure was recorded"
    elif (
        row.signer_id is not None
        or row.connection_data
        or row.custom_data
        or row.render_data
        or row.signer_properties is not None
    ):
        return "personal data was written back onto an erased activity"
    if sha256_hex(record_json(data, row.pii_hash)) != row.content_hash:
        return "the record was changed (content_hash does not match)"
    if link_hash(prev, row.content_hash) != row.chain_hash:
        return "chain_hash does not match prev_hash and content_hash"
    return None


def verify_site(engine: Engine, site_id: int) -> ChainReport:
    with engine.connect() as conn:
        head = read_head(conn, site_id)
        unchained = conn.execute(
            select(func.count())
            .select_from(activities)
            .where(activities.c.site_id == site_id, activities.c.chain_seq.is_(None))
        ).scalar_one()
        if unchained:
            first = conn.execute(
                select(activities.c.id)
                .where(activities.c.site_id == site_id, activities.c.chain_seq.is_(None))
                .limit(1)
            ).scalar_one()
            return ChainReport(
                site_id,
                0,
                head.hash if head else GENESIS,
                None,
                first,
                f"{unchained} activities are outside the chain (written around it)",
            )
        query = (
            select(*_COLUMNS, *(activities.c[name] for name in _PERSONAL))
            .where(activities.c.site_id == site_id)
            .order_by(activities.c.chain_seq)
            .execution_options(yield_per=5000)
        )
        prev, seq = GENESIS, 0
        for row in conn.execute(query):
            seq += 1
            problem = _problem(row, seq, prev)
            if problem:
                return ChainReport(site_id, seq - 1, prev, row.chain_seq, row.id, problem)
            prev = row.chain_hash
        head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
        if head_seq != seq or head_hash != prev:
            return ChainReport(
                site_id,
                seq,
                prev,
                seq + 1,
                None,
                f"the chain head says {head_seq} links but {seq} were found "
                "(links at the end were deleted, or the head was changed)",
            )
        marked, logged = erased_counts(conn, site_id)
        if marked > logged:
            return ChainReport(
                site_id,
                seq,
                prev,
                None,
                None,
                f"{marked} activities are marked erased but the erasure log accounts for {logged}",
            )
        return ChainReport(site_id, seq, prev)


def chained_sites(engine: Engine) -> list[int]:
    """Every site that has a chain head or activities."""
    with engine.connect() as conn:
        ids = set(conn.execute(select(chain_heads.c.site_id)).scalars())
        ids |= set(conn.execute(select(activities.c.site_id).distinct()).scalars())
    return sorted(int(i) for i in ids)
