"""The Activity API's use cases: record a send (one activity per contract, one batch), and answer
`/latest` (has the signer accepted the newest published versions?) and `/retrieve` (which
versions did the signer accept?)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Engine

from clickproof.domain.activity import Activity
from clickproof.domain.object_id import new_object_id
from clickproof.domain.send_request import LookupRequest, SendRequest
from clickproof.domain.timestamps import format_instant, utc_now
from clickproof.errors import NotFoundError, ValidationError
from clickproof.services.catalog_cache import CatalogCache, SiteCatalog
from clickproof.services.group_commit import GroupCommitter, WriteItem
from clickproof.store.activities import ActivityStore
from clickproof.store.catalog import CatalogStore, SignerWrite
from clickproof.store.tenants import TenantStore

# Reserved signer properties taken from `cus` into the signer record (domain.md §1, Signer).
SIGNER_PROPERTIES = ("first_name", "last_name", "name", "company_name", "title", "email", "mobile_number")


@dataclass(frozen=True)
class SendResult:
    batch: str
    activity_ids: list[str]
    created_time: str


class IngestService:
    def __init__(
        self,
        engine: Engine,
        tenants: TenantStore,
        catalog: CatalogStore,
        activities: ActivityStore,
        cache: CatalogCache,
    ) -> None:
        self.engine = engine
        self.cache = cache
        self.tenants = tenants
        self.catalog = catalog
        self.activities = activities
        self.committer = GroupCommitter(engine, catalog.ensure_signers, activities.insert_many)

    def catalog_of(self, access_id: str) -> SiteCatalog:
        found = self.cache.get(access_id)
        if found is None:
            raise NotFoundError("no site has this access id", field="sid", code="site_not_found")
        return found

    @staticmethod
    def _group_contracts(
        catalog: SiteCatalog, group_id: int | None, key: str | None
    ) -> tuple[int | None, list[int]]:
        if group_id is None and key is None:
            return None, []
        group = (
            catalog.groups_by_id.get(group_id)
            if group_id is not None
            else catalog.groups_by_key.get(key or "")
        )
        if group is None:
            field = "gid" if group_id is not None else "gkey"
            raise ValidationError("no such group on this site", field=field, code="unknown_group")
        return group.id, list(group.contract_ids)

    @staticmethod
    def _check_contracts(catalog: SiteCatalog, contract_ids: list[int]) -> None:
        missing = [c for c in contract_ids if c not in catalog.contracts]
        if missing:
            raise ValidationError(
                f"no contract {missing[0]} on this site", field="cid", code="unknown_contract"
            )

    def _resolve(
        self, catalog: SiteCatalog, request: SendRequest
    ) -> tuple[int | None, list[tuple[int, str, int]]]:
        """(group id, [(contract id, version id, version number)]) with every id checked."""
        group_id, group_contracts = self._group_contracts(catalog, request.group_id, request.group_key)
        contract_ids = list(request.contract_ids) or group_contracts
        wanted_versions = list(request.version_ids) or [None] * len(contract_ids)
        self._check_contracts(catalog, contract_ids)
        resolved = []
        for contract_id, version_id in zip(contract_ids, wanted_versions, strict=True):
            if version_id:
                version = catalog.versions.get(version_id)
                if version is None or version[0] != contract_id:
                    raise ValidationError(
                        f"version {version_id} is not a version of contract {contract_id}",
                        field="vid",
                        code="unknown_version",
                    )
                resolved.append((contract_id, version_id, version[1]))
            else:
                latest = catalog.latest_published.get(contract_id)
                if latest is None:
                    raise ValidationError(
                        f"contract {contract_id} has no published version",
                        field="cid",
                        code="no_published_version",
                    )
                resolved.append((contract_id, latest[0], latest[1]))
        return group_id, resolved

    def send(self, request: SendRequest) -> SendResult:
        now = utc_now()
        batch = new_object_id(now.timestamp())
        catalog = self.catalog_of(request.site_access_id)
        site = catalog.site
        group_id, resolved = self._resolve(catalog, request)
        signer_writes: list[SignerWrite] = []
        if request.signer_id is not None:
            properties = {k: request.custom_data[k] for k in SIGNER_PROPERTIES if k in request.custom_data}
            signer_writes.append(
                SignerWrite(site.id, request.signer_id, properties, now, request.event_type == "updated")
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

    def _lookup(self, request: LookupRequest) -> tuple[list[int], dict[int, str], dict[int, tuple[str, int]]]:
        """(contracts, newest published version per contract, newest agreed version per contract)."""
        catalog = self.catalog_of(request.site_access_id)
        site = catalog.site
        _group_id, group_contracts = self._group_contracts(catalog, request.group_id, request.group_key)
        contract_ids = list(request.contract_ids) or group_contracts
        self._check_contracts(catalog, contract_ids)
        latest = {c: v[0] for c, v in catalog.latest_published.items()}
        accepted = self.activities.accepted_versions(site.id, request.signer_id, contract_ids)
        return contract_ids, latest, accepted

    def latest(self, request: LookupRequest) -> dict[str, bool]:
        """contract id → whether the signer's latest acceptance is of its newest published version."""
        contract_ids, latest, accepted = self._lookup(request)
        result: dict[str, bool] = {}
        for contract_id in contract_ids:
            newest = latest.get(contract_id)
            mine = accepted.get(contract_id)
            result[str(contract_id)] = newest is not None and mine is not None and mine[0] == newest
        return result

    def retrieve(self, request: LookupRequest) -> dict[str, str | None]:
        """contract id → the version id the signer most recently agreed to (null: never)."""
        contract_ids, _latest, accepted = self._lookup(request)
        return {str(c): (accepted[c][0] if c in accepted else None) for c in contract_ids}
