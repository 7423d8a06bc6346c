"""All SQL about activities and the per-site catalogue of keys seen in their JSON families."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict

from sqlalchemy import Connection, Engine, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from clickproof.domain.activity import Activity, normalize_connection_data
from clickproof.domain.fields import Family
from clickproof.store.partitions import ensure_month_partitions
from clickproof.store.tables import activities, field_keys


class ActivityStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def insert_many(self, conn: Connection, batch: Iterable[Activity]) -> int:
        """Insert activities and record the JSON keys they bring into the site's catalogue."""
        rows = []
        keys: set[tuple[int, str, str]] = set()
        for activity in batch:
            row = asdict(activity)
            row["connection_data"] = normalize_connection_data(activity.connection_data)
            rows.append(row)
            for family, data in (
                (Family.CONNECTION, row["connection_data"]),
                (Family.CUSTOM, activity.custom_data),
                (Family.RENDER, activity.render_data),
            ):
                keys.update((activity.site_id, family.value, key) for key in data)
        if not rows:
            return 0
        ensure_month_partitions(conn, (row["created_time"] for row in rows))
        conn.execute(insert(activities), rows)
        self._record_keys(conn, keys)
        return len(rows)

    def _record_keys(self, conn: Connection, keys: set[tuple[int, str, str]]) -> None:
        if not keys:
            return
        values = [{"site_id": s, "family": f, "key": k} for s, f, k in sorted(keys)]
        dialect = conn.dialect.name
        if dialect == "postgresql":
            conn.execute(pg_insert(field_keys).on_conflict_do_nothing(), values)
        else:
            conn.execute(sqlite_insert(field_keys).on_conflict_do_nothing(), values)

    def family_keys(self, site_id: int, family: Family) -> list[str]:
        """Keys seen in one family of a site's activities, sorted: the columns of `custom_all`."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(field_keys.c.key)
                .where(field_keys.c.site_id == site_id, field_keys.c.family == family.value)
                .order_by(field_keys.c.key)
            ).all()
        return [r.key for r in rows]

    def count(self, site_id: int | None = None) -> int:
        query = select(func.count()).select_from(activities)
        if site_id is not None:
            query = query.where(activities.c.site_id == site_id)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())
