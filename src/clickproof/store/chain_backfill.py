"""Chaining activities stored before the hash chain existed (run once by migration 0002)."""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, select, update

from clickproof.domain.activity import Activity
from clickproof.domain.timestamps import utc_now
from clickproof.store.chain import HASH_COLUMNS, chain_columns, lock_head
from clickproof.store.tables import activities, chain_heads

# The columns of the schema this backfill runs on (revision 0004): later ones do not exist yet.
_LEGACY_COLUMNS = [
    activities.c[name] for name in Activity.__dataclass_fields__ if name != "signer_properties"
]


def chain_unchained(conn: Connection) -> int:
    """Append every activity without a chain position to its site's chain, oldest first."""
    sites = conn.execute(select(activities.c.site_id).where(activities.c.chain_seq.is_(None)).distinct())
    done = 0
    for site_id in sorted(int(s) for s in sites.scalars()):
        head = lock_head(conn, site_id, utc_now(), with_epoch=False)
        seq, prev = head.seq, head.hash
        rows = conn.execute(
            select(*_LEGACY_COLUMNS)
            .where(activities.c.site_id == site_id, activities.c.chain_seq.is_(None))
            .order_by(activities.c.created_time, activities.c.id)
        ).all()
        updates = []
        for row in rows:
            data = row._asdict()
            fields = {k: data[k] for k in Activity.__dataclass_fields__ if k in data}
            seq += 1
            chained = chain_columns(Activity(**fields), seq, prev)
            prev = chained["chain_hash"]
            updates.append({"b_id": row.id, **chained})
        if updates:
            conn.execute(
                update(activities)
                .where(activities.c.site_id == site_id, activities.c.id == bindparam("b_id"))
                .values({k: bindparam(k) for k in HASH_COLUMNS}),
                updates,
            )
        conn.execute(
            update(chain_heads)
            .where(chain_heads.c.site_id == site_id)
            .values(seq=seq, hash=prev, updated_time=utc_now())
        )
        done += len(updates)
    return done
