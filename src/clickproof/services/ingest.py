"""The Activity API's use cases: record a send (one activity per contract, one batch), and answer
`/latest` (has the signer accepted the newest published versions?) and `/retrieve` (which
versions did the signer accept?)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, select

from clickproof.domain.activity import Activity
from clickproof.domain.object_id import new_object_id
from clickproof.domain.send_request import LookupRequest, SendRequest
from clickproof.domain.timestamps import format_instant, utc_now
from clickproof.errors import NotFoundError, ValidationError
from clickproof.services.group_commit import GroupCommitter, WriteItem
from clickproof.store.activities import ActivityStore
from clickproof.store.catalog import CatalogStore
from clickproof.store.tables import activities
from clickproof.store.tenants import Site, TenantStore

# Reserved signer properties taken from `cus` into the signer record (domain.md §1, Signer).
SIGNER_PROPERTIES = ("first_name", "last_name", "name", "company_name", "title", "email", "mobile_number")


@dataclass(frozen=True)
class SendResult:
    batch: str
    activity_ids: list[str]
    created_time: str


class IngestService:
    def __init__(
        self, engine: Engine, tenants: TenantStore, catalog: CatalogStore, activities: ActivityStore
    ) -> None:
        self.engine = engine
        self.tenants = tenants
        self.catalog = catalog
        self.activities = activities
        self.committer = GroupCommitter(engine, activities.insert_many)

    def site(self, conn: Connection, access_id: str) -> Site:
        site = self.tenants.site_by_access_id(conn, access_id)
        if site is None:
            raise NotFoundError("no site has this access id", field="sid", code="site_not_found")
        return site

    def _group_contracts(
        self, conn: Connection, site: Site, group_id: int | None, key: str | None
    ) -> tuple[int | None, list[int]]:
        if group_id is None and key is None:
            return None, []
        group = self.catalog.group(conn, site.id, group_id=group_id, key=key)
        if group is None:
            field = "gid" if group_id is not None else "gkey"
            raise ValidationError("no such group on this site", field=field, code="unknown_group")
        return int(group.id), [int(c) for c in group.contract_ids]

    def _resolve(self, conn: Connection, site: Site, request: SendRequest) -> tuple[int | None, list[Any]]:
        """(group id, [(contract id, version id, version number)]) with every id checked."""
        group_id, group_contracts = self._group_contracts(conn, site, request.group_id, request.group_key)
        contract_ids = list(request.contract_ids) or group_contracts
        wanted_versions = list(request.version_ids) or [None] * len(contract_ids)
        found = self.catalog.contracts_by_id(conn, site.id, contract_ids)
        missing = [c for c in contract_ids if c not in found]
        if missing:
            raise ValidationError(
                f"no contract {missing[0]} on this site", field="cid", code="unknown_contract"
            )
        given = self.catalog.versions_by_id(conn, site.id, [v for v in wanted_versions if v])
        latest = self.catalog.latest_published(
            conn, [c for c, v in zip(contract_ids, wanted_versions, strict=True) if not v]
        )
        resolved = []
        for contract_id, version_id in zip(contract_ids, wanted_versions, strict=True):
            if version_id:
                version = given.get(version_id)
                if version is None or int(version.contract_id) != contract_id:
                    raise ValidationError(
                        f"version {version_id} is not a version of contract {contract_id}",
                        field="vid",
                        code="unknown_version",
                    )
            else:
                version = latest.get(contract_id)
                if version is None:
                    raise ValidationError(
                        f"contract {contract_id} has no published version",
                        field="cid",
                        code="no_published_version",
                    )
            resolved.append((contract_id, str(version.id), int(version.version_number)))
        return group_id, resolved

    def send(self, request: SendRequest) -> SendResult:
        now = utc_now()
        batch = new_object_id(now.timestamp())
        with self.engine.connect() as conn:
            site = self.site(conn, request.site_access_id)
            group_id, resolved = self._resolve(conn, site, request)
        signer_writes: list[Callable[[Connection], None]] = []
        if request.signer_id is not None:
            signer_id = request.signer_id
            properties = {k: request.custom_data[k] for k in SIGNER_PROPERTIES if k in request.custom_data}
            update_existing = request.event_type == "updated"
            signer_writes.append(
                lambda conn: self.catalog.ensure_signer(
                    conn, site.id, signer_id, properties, now, update_existing=update_existing
                )
            )
        batch_rows = [
            Activity(
                id=new_object_id(now.timestamp()),
                uuid=request.uuid or str(uuid.uuid4()),
                account_id=site.account_id,
                site_id=site.id,
                signer_id=request.signer_id,
                group_id=group_id,
                contract_id=contract_id,
                version_id=version_id,
                version_number=version_number,
                event_type=request.event_type,
                execution_method=request.execution_method,
                batch=batch,
                session=request.session,
                created_time=now,
                event_time=now,
                test_mode=request.test_mode,
                connection_data=dict(request.connection_data),
                custom_data=dict(request.custom_data),
                render_data=dict(request.render_data),
                source="send",
            )
            for contract_id, version_id, version_number in resolved
        ]
        # Sends of one process share write transactions (services/group_commit).
        self.committer.submit(WriteItem(signer_writes, batch_rows))
        return SendResult(batch, [a.id for a in batch_rows], format_instant(now))

    def _lookup(self, request: LookupRequest) -> tuple[list[int], dict[int, Any], dict[int, tuple[str, int]]]:
        """(contracts, newest published version per contract, newest agreed version per contract)."""
        with self.engine.connect() as conn:
            site = self.site(conn, request.site_access_id)
            _group_id, group_contracts = self._group_contracts(
                conn, site, request.group_id, request.group_key
            )
            contract_ids = list(request.contract_ids) or group_contracts
            found = self.catalog.contracts_by_id(conn, site.id, contract_ids)
            missing = [c for c in contract_ids if c not in found]
            if missing:
                raise ValidationError(
                    f"no contract {missing[0]} on this site", field="cid", code="unknown_contract"
                )
            latest = self.catalog.latest_published(conn, contract_ids)
            rows = conn.execute(
                select(activities.c.contract_id, activities.c.version_id, activities.c.version_number)
                .where(
                    activities.c.site_id == site.id,
                    activities.c.signer_id == request.signer_id,
                    activities.c.event_type == "agreed",
                    activities.c.contract_id.in_(contract_ids),
                )
                .order_by(activities.c.created_time, activities.c.chain_seq)
            )
            accepted = {int(r.contract_id): (str(r.version_id), int(r.version_number)) for r in rows}
        return contract_ids, latest, accepted

    def latest(self, request: LookupRequest) -> dict[str, bool]:
        """contract id → whether the signer's latest acceptance is of its newest published version."""
        contract_ids, latest, accepted = self._lookup(request)
        result: dict[str, bool] = {}
        for contract_id in contract_ids:
            newest = latest.get(contract_id)
            mine = accepted.get(contract_id)
            result[str(contract_id)] = newest is not None and mine is not None and mine[0] == str(newest.id)
        return result

    def retrieve(self, request: LookupRequest) -> dict[str, str | None]:
        """contract id → the version id the signer most recently agreed to (null: never)."""
        contract_ids, _latest, accepted = self._lookup(request)
        return {str(c): (accepted[c][0] if c in accepted else None) for c in contract_ids}
