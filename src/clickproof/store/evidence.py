"""All SQL that loads activities with what their evidence PDFs print beside them: site, contract,
version and group. The signer record printed is the activity's own (`signer_properties`), never
today's `signers` row. Streams in the export's total order, memory flat."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Select, and_, select
from sqlalchemy.sql.elements import ColumnElement

from clickproof.domain.activity import Activity
from clickproof.evidence.record import EvidenceContext, VersionInfo
from clickproof.query.ast import Node
from clickproof.query.order import order_by
from clickproof.query.sort import SortKey
from clickproof.query.sql import compile_filter
from clickproof.store.tables import activities, contracts, groups, sites, versions

EVIDENCE_BATCH_ROWS = 500

_COLUMNS = (
    *activities.c,
    sites.c.name.label("site_name"),
    contracts.c.title.label("contract_title"),
    versions.c.title.label("version_title"),
    versions.c.full_version_number,
    versions.c.published_time,
    versions.c.effective_time,
    versions.c.body.label("version_body"),
    groups.c.title.label("group_title"),
)


def _joined(where: ColumnElement[bool]) -> Select[Any]:
    joined = (
        activities.join(sites, sites.c.id == activities.c.site_id)
        # Outer: an `updated` event about the signer record alone has no contract.
        .outerjoin(
            contracts,
            and_(contracts.c.site_id == activities.c.site_id, contracts.c.id == activities.c.contract_id),
        )
        .outerjoin(
            versions,
            and_(versions.c.site_id == activities.c.site_id, versions.c.id == activities.c.version_id),
        )
        .outerjoin(groups, groups.c.id == activities.c.group_id)
    )
    return select(*_COLUMNS).select_from(joined).where(where)


def _evidence(row: Any) -> tuple[Activity, EvidenceContext]:
    m = row._mapping
    activity = Activity(
        id=m["id"],
        uuid=m["uuid"],
        account_id=m["account_id"],
        site_id=m["site_id"],
        signer_id=m["signer_id"],
        group_id=m["group_id"],
        contract_id=m["contract_id"],
        version_id=m["version_id"],
        version_number=m["version_number"],
        event_type=m["event_type"],
        execution_method=m["execution_method"],
        batch=m["batch"],
        session=m["session"],
        created_time=m["created_time"],
        event_time=m["event_time"],
        test_mode=bool(m["test_mode"]),
        connection_data=m["connection_data"],
        custom_data=m["custom_data"],
        render_data=m["render_data"],
        source=m["source"],
        signer_properties=m["signer_properties"],
    )
    context = EvidenceContext(
        site_id=m["site_id"],
        site_name=m["site_name"],
        contract_id=m["contract_id"],
        contract_title=m["contract_title"],
        version=None
        if m["version_id"] is None
        else VersionInfo(
            id=m["version_id"],
            title=m["version_title"],
            version_number=m["version_number"],
            full_version_number=m["full_version_number"],
            published_time=m["published_time"],
            effective_time=m["effective_time"],
            body=m["version_body"],
        ),
        group_id=m["group_id"],
        group_title=m["group_title"],
        chain_seq=m["chain_seq"],
        chain_hash=m["chain_hash"],
    )
    return activity, context


class EvidenceStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def one(
        self, *, account_id: int, site_id: int, activity_id: str
    ) -> tuple[Activity, EvidenceContext] | None:
        where = and_(
            activities.c.id == activity_id,
            activities.c.account_id == account_id,
            activities.c.site_id == site_id,
        )
        with self.engine.connect() as conn:
            row = conn.execute(_joined(where)).first()
        return None if row is None else _evidence(row)

    def history(
        self, *, account_id: int, site_id: int, signer_id: str | None, session: str | None, limit: int | None
    ) -> list[tuple[Activity, EvidenceContext]]:
        """A signer's activities, or a session's, or a signer's in one session, in the order they
        were recorded; at most `limit` + 1, so that the caller can tell that there are more
        (`limit` None: all)."""
        assert signer_id is not None or session is not None
        where = and_(
            activities.c.account_id == account_id,
            activities.c.site_id == site_id,
            *([] if signer_id is None else [activities.c.signer_id == signer_id]),
            *([] if session is None else [activities.c.session == session]),
        )
        statement = _joined(where).order_by(
            activities.c.created_time, activities.c.chain_seq, activities.c.id
        )
        if limit is not None:
            statement = statement.limit(limit + 1)
        with self.engine.connect() as conn:
            return [_evidence(row) for row in conn.execute(statement)]

    def sessions(
        self,
        *,
        account_id: int,
        site_id: int,
        start: datetime,
        end: datetime,
        filter_node: Node | None,
    ) -> Iterator[str]:
        """The sessions of the activities an export selects, each once, in the order of their
        UTF-8 bytes on both databases (PostgreSQL's "C" collation; SQLite's BINARY)."""
        dialect = self.engine.dialect.name
        session = activities.c.session.collate("C") if dialect == "postgresql" else activities.c.session
        statement = (
            select(session.label("session"))
            .where(
                activities.c.account_id == account_id,
                activities.c.site_id == site_id,
                activities.c.created_time >= start,
                activities.c.created_time < end,
                activities.c.session.is_not(None),
                compile_filter(filter_node, dialect),
            )
            .distinct()
            .order_by(session)
        )
        with self.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=EVIDENCE_BATCH_ROWS).execute(
                statement
            )
            for partition in result.partitions():
                for row in partition:
                    yield str(row.session)

    def stream(
        self,
        *,
        account_id: int,
        site_id: int,
        start: datetime,
        end: datetime,
        filter_node: Node | None,
        sort: tuple[SortKey, ...],
        positions: ColumnElement[bool] | None = None,
    ) -> Iterator[tuple[Activity, EvidenceContext]]:
        """The export's activities in its total order (the same rows, in the same order, as its
        CSV); with `positions` (a chunk's keyset range) only those."""
        dialect = self.engine.dialect.name
        where = and_(
            activities.c.account_id == account_id,
            activities.c.site_id == site_id,
            activities.c.created_time >= start,
            activities.c.created_time < end,
            compile_filter(filter_node, dialect),
            *([] if positions is None else [positions]),
        )
        statement = _joined(where).order_by(*order_by(sort, dialect))
        with self.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=EVIDENCE_BATCH_ROWS).execute(
                statement
            )
            for partition in result.partitions():
                for row in partition:
                    yield _evidence(row)
