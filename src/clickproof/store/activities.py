"""All SQL about activities and the per-site catalogue of keys seen in their JSON families."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, Table, event, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.elements import ColumnElement

from clickproof.domain.activity import Activity
from clickproof.domain.fields import Family
from clickproof.domain.timestamps import utc_now
from clickproof.store import chain
from clickproof.store.tables import activities, field_keys, field_kinds

_PENDING_FIELDS = "clickproof.pending_fields"


class ActivityIdTakenError(Exception):
    """Activity ids the site holds already: the write is refused before anything is written, and
    the caller tries again under fresh ids (sends) or skips them (imports)."""

    def __init__(self, site_id: int, ids: set[str]) -> None:
        super().__init__(f"site {site_id} holds {len(ids)} of the activity ids already")
        self.site_id = site_id
        self.ids = ids


class ActivityStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # Keys and kinds known to be recorded (learnt on commit), per site and for one catalogue
        # epoch of the site (an erasure raises it and may remove keys): most writes bring none
        # new, and then cost no statement.
        self._recorded: dict[int, tuple[int, set[tuple[str, ...]]]] = {}
        self._recorded_lock = threading.Lock()

    def insert_many(
        self,
        conn: Connection,
        batch: Iterable[Activity | chain.PreparedActivity],
        *,
        ids_checked: bool = False,
    ) -> int:
        """The one write path: append activities to their sites' hash chains (in the caller's
        transaction) and record the JSON keys they bring into the site's catalogue. Raises
        ActivityIdTakenError, writing nothing, when the site holds one of the ids already
        (`ids_checked`: the caller checked under the site's chain lock)."""
        return len(self.append(conn, batch, ids_checked=ids_checked))

    def append(
        self,
        conn: Connection,
        batch: Iterable[Activity | chain.PreparedActivity],
        *,
        ids_checked: bool = False,
    ) -> list[chain.PreparedActivity]:
        heads: dict[int, chain.ChainHead] = {}
        items = list(batch)
        locked = None if ids_checked else self._refuse_taken_ids(conn, items)
        rows = chain.append(conn, items, heads, locked)
        epochs = {site_id: head.catalog_epoch for site_id, head in heads.items()}
        self.record_fields(conn, ((row.site_id, row.fields) for row in rows), epochs)
        return rows

    def record_fields(
        self,
        conn: Connection,
        rows: Iterable[tuple[int, Iterable[tuple[str, str, str | None]]]],
        epochs: Mapping[int, int] | None = None,
    ) -> None:
        """Record the JSON keys of stored rows in their site's catalogue, and the kinds of their
        JSON family values: (site id, chain.family_fields of the row) for each row; `epochs`:
        each site's catalogue epoch as read under its chain lock in this transaction (a site
        without one is written without consulting or feeding the memory of recorded keys)."""
        epochs = epochs or {}
        found: dict[int, set[tuple[str, ...]]] = {}
        for site_id, fields in rows:
            entries = found.setdefault(site_id, set())
            for family, key, kind in fields:
                entries.add((family, key))
                if kind is not None:
                    entries.add((family, key, kind))
        new: dict[int, set[tuple[str, ...]]] = {}
        with self._recorded_lock:
            for site_id, entries in found.items():
                epoch, known = self._recorded.get(site_id, (-1, set()))
                fresh = entries - known if epoch == epochs.get(site_id, -2) else entries
                if fresh:
                    new[site_id] = fresh
        keys = sorted((s, e[0], e[1]) for s, entries in new.items() for e in entries if len(e) == 2)
        kinds = sorted((s, e[0], e[1], e[2]) for s, entries in new.items() for e in entries if len(e) == 3)
        if keys:
            _insert_new(conn, field_keys, [{"site_id": s, "family": f, "key": k} for s, f, k in keys])
        if kinds:
            _insert_new(
                conn,
                field_kinds,
                [{"site_id": s, "family": f, "key": k, "kind": t} for s, f, k, t in kinds],
            )
        if new:
            pending = conn.info.setdefault(_PENDING_FIELDS, [])
            pending.extend(
                (self, site_id, epochs[site_id], entries)
                for site_id, entries in new.items()
                if site_id in epochs
            )

    def _refuse_taken_ids(
        self, conn: Connection, items: list[Activity | chain.PreparedActivity]
    ) -> dict[int, chain.ChainHead]:
        """Under each site's chain lock, before anything is written: a taken id stops the batch.
        SQLite's key would refuse it too; PostgreSQL's partitioned key holds created_time as
        well, so only this check keeps (site, id) unique there. Returns the heads it locked."""
        by_site: dict[int, list[str]] = {}
        for item in items:
            activity_id = item.activity_id if isinstance(item, chain.PreparedActivity) else item.id
            by_site.setdefault(item.site_id, []).append(activity_id)
        now = utc_now()
        locked: dict[int, chain.ChainHead] = {}
        for site_id in sorted(by_site):  # the chain's lock order
            locked[site_id] = chain.lock_head(conn, site_id, now)
            taken = self.existing_ids(conn, site_id, by_site[site_id])
            if taken:
                raise ActivityIdTakenError(site_id, taken)
        return locked

    def new_key_count(self, site_id: int, family: Family, keys: Iterable[str]) -> tuple[int, int]:
        """(how many of `keys` the site's `family` has not recorded, how many it has): no
        statement when this process knows every key already."""
        with self._recorded_lock:
            known = self._recorded.get(site_id, (-1, set()))[1]
            unknown = [k for k in keys if (family.value, k) not in known]
        if not unknown:
            return 0, 0
        with self.engine.connect() as conn:
            where = (field_keys.c.site_id == site_id) & (field_keys.c.family == family.value)
            stored = set(
                conn.execute(select(field_keys.c.key).where(where, field_keys.c.key.in_(unknown))).scalars()
            )
            total = int(conn.execute(select(func.count()).select_from(field_keys).where(where)).scalar_one())
        return len(set(unknown) - stored), total

    def _learn(self, site_id: int, epoch: int, recorded: set[tuple[str, ...]]) -> None:
        with self._recorded_lock:
            known_epoch, known = self._recorded.get(site_id, (-1, set()))
            if epoch > known_epoch:
                self._recorded[site_id] = (epoch, set(recorded))
            elif epoch == known_epoch:
                known |= recorded

    def family_keys(self, site_id: int, family: Family) -> list[str]:
        """Keys seen in one family of a site's activities, sorted: the columns of `custom_all`."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(field_keys.c.key)
                .where(field_keys.c.site_id == site_id, field_keys.c.family == family.value)
                .order_by(field_keys.c.key)
            ).all()
        return [r.key for r in rows]

    def family_kinds(self, site_id: int) -> dict[tuple[Family, str], frozenset[str]]:
        """(family, key) → the JSON kinds stored under it in the site's JSON families."""
        found: dict[tuple[Family, str], set[str]] = {}
        with self.engine.connect() as conn:
            for row in conn.execute(select(field_kinds).where(field_kinds.c.site_id == site_id)):
                found.setdefault((Family(row.family), str(row.key)), set()).add(str(row.kind))
        return {key: frozenset(kinds) for key, kinds in found.items()}

    def count(self, site_id: int | None = None) -> int:
        query = select(func.count()).select_from(activities)
        if site_id is not None:
            query = query.where(activities.c.site_id == site_id)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def existing_ids(self, conn: Connection, site_id: int, ids: Sequence[str]) -> set[str]:
        """Which of these activity ids the site has stored already (ids are unique per site)."""
        found: set[str] = set()
        if conn.dialect.name == "postgresql":
            # Partitions just filled by COPY have no statistics yet: the planner would scan them
            # whole for every probe. The key's index answers in microseconds; use it.
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            found.update(
                conn.execute(
                    select(activities.c.id).where(activities.c.site_id == site_id, activities.c.id.in_(chunk))
                ).scalars()
            )
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL enable_seqscan = DEFAULT")
        return found

    def get(self, site_id: int, activity_id: str) -> Any | None:
        with self.engine.connect() as conn:
            return conn.execute(
                select(activities).where(activities.c.site_id == site_id, activities.c.id == activity_id)
            ).first()

    def page(
        self, site_id: int, where: ColumnElement[bool], order: list[Any], *, offset: int, limit: int
    ) -> tuple[list[Any], int]:
        """One page of a site's activities matching `where`, and the number matching in all."""
        condition = (activities.c.site_id == site_id) & where
        with self.engine.connect() as conn:
            total = int(
                conn.execute(select(func.count()).select_from(activities).where(condition)).scalar_one()
            )
            rows = list(
                conn.execute(select(activities).where(condition).order_by(*order).offset(offset).limit(limit))
            )
        return rows, total

    def accepted_versions(
        self, site_id: int, signer_id: str, contract_ids: Sequence[int] | None
    ) -> dict[int, tuple[str, int]]:
        """contract id → (version id, number) of the signer's latest `agreed` activity for it
        (for every contract the signer agreed to when `contract_ids` is None)."""
        query = (
            select(activities.c.contract_id, activities.c.version_id, activities.c.version_number)
            .where(
                activities.c.site_id == site_id,
                activities.c.signer_id == signer_id,
                activities.c.event_type == "agreed",
            )
            .order_by(activities.c.created_time, activities.c.chain_seq)
        )
        if contract_ids is not None:
            query = query.where(activities.c.contract_id.in_(list(contract_ids)))
        with self.engine.connect() as conn:
            return {
                int(r.contract_id): (str(r.version_id), int(r.version_number)) for r in conn.execute(query)
            }


def _insert_new(conn: Connection, table: Table, values: list[dict[str, Any]]) -> None:
    """Insert the rows not present yet (by primary key)."""
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(dialect_insert(table).on_conflict_do_nothing(), values)


@event.listens_for(Engine, "commit")
def _learn_committed_fields(conn: Connection) -> None:
    for store, site_id, epoch, recorded in conn.info.pop(_PENDING_FIELDS, []):
        store._learn(site_id, epoch, recorded)


@event.listens_for(Engine, "rollback")
@event.listens_for(Engine, "rollback_savepoint")
def _forget_rolled_back_fields(conn: Connection, *_savepoint: object) -> None:
    conn.info.pop(_PENDING_FIELDS, None)  # learning less than was recorded is only slower
