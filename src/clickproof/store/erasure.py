"""Signer erasure: the personal part of a signer's activities is removed, its hash stays."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, insert, null, select, update

from clickproof.domain.chain import sha256_hex
from clickproof.store.catalog_pruning import family_entries, prune_catalog
from clickproof.store.chain import lock_head
from clickproof.store.tables import activities, chain_heads, erasures


def signer_hash(site_id: int, signer_id: str) -> str:
    return sha256_hex(f"{site_id}:{signer_id}")


def erase_signer(
    conn: Connection, *, site_id: int, signer_id: str, requested_by: str, reason: str, now: datetime
) -> tuple[int, int]:
    """Erase in this transaction; returns (erasure id, activities erased).

    The site's chain lock is held from the start, so no write of the site runs between reading
    which keys the signer brought and removing those no other activity has; the catalogue epoch
    is raised with it, so every process forgets the keys it remembered as recorded."""
    lock_head(conn, site_id, now)
    conn.execute(
        update(chain_heads)
        .where(chain_heads.c.site_id == site_id)
        .values(catalog_epoch=chain_heads.c.catalog_epoch + 1)
    )
    brought = family_entries(conn, site_id, signer_id)
    result = conn.execute(
        update(activities)
        .where(activities.c.site_id == site_id, activities.c.signer_id == signer_id)
        .values(
            signer_id=None,
            connection_data={},
            custom_data={},
            render_data={},
            signer_properties=null(),
            pii_salt=None,
            erased_time=now,
        )
    )
    count = int(result.rowcount)
    prune_catalog(conn, site_id, brought)
    erasure_id = conn.execute(
        insert(erasures)
        .returning(erasures.c.id)
        .values(
            site_id=site_id,
            signer_hash=signer_hash(site_id, signer_id),
            requested_by=requested_by,
            reason=reason,
            activities=count,
            created_time=now,
        )
    ).scalar_one()
    return int(erasure_id), count


def erased_counts(conn: Connection, site_id: int) -> tuple[int, int]:
    """(activities marked erased, activities the erasure log accounts for)."""
    marked = conn.execute(
        select(func.count())
        .select_from(activities)
        .where(activities.c.site_id == site_id, activities.c.erased_time.is_not(None))
    ).scalar_one()
    logged = conn.execute(
        select(func.coalesce(func.sum(erasures.c.activities), 0)).where(erasures.c.site_id == site_id)
    ).scalar_one()
    return int(marked), int(logged)
