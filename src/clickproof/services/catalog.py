"""Use cases of the REST catalogue: contracts, versions (with publish), groups, signers, erasures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from clickproof.domain.catalog_request import (
    VersionInput,
    parse_contract,
    parse_erasure,
    parse_group,
    parse_signer,
    parse_version,
)
from clickproof.domain.object_id import ID_ATTEMPTS, is_object_id, new_object_id
from clickproof.domain.timestamps import utc_now
from clickproof.errors import ClickproofError, IdsExhaustedError, NotFoundError, ValidationError
from clickproof.store.catalog import PUBLISHED, CatalogStore
from clickproof.store.erasure import erase_signer
from clickproof.store.tables import contracts, erasures, groups, signers, versions
from clickproof.store.tenants import Site


class ConflictError(ClickproofError):
    code = "already_exists"
    kind = "conflict"


class CatalogService:
    def __init__(
        self, engine: Engine, store: CatalogStore, changed: Callable[[], None] = lambda: None
    ) -> None:
        self.engine = engine
        self.store = store
        self.changed = changed  # clears the Activity API's catalogue cache

    def _insert(self, table: Any, values: dict[str, Any], what: str) -> Any:
        try:
            with self.engine.begin() as conn:
                inserted = self.store.insert(conn, table, values)
            self.changed()
            return inserted
        except IntegrityError:
            raise ConflictError(
                f"a {what} with this id or key exists already on this site", field="key"
            ) from None

    def create_contract(self, site: Site, body: object) -> Any:
        """A contract under the caller's id, or the site's next one. Ids are per site: only this
        site's contracts can make an id or a key taken (docs/adr/0017)."""
        data = parse_contract(body)
        for _attempt in range(ID_ATTEMPTS):
            try:
                with self.engine.begin() as conn:
                    contract_id = (
                        data.id if data.id is not None else self.store.next_id(conn, contracts, site.id)
                    )
                    values = {
                        "id": contract_id,
                        "site_id": site.id,
                        "title": data.title,
                        "key": data.key,
                        "created_time": utc_now(),
                    }
                    self.store.insert(conn, contracts, values)
            except IntegrityError:
                with self.engine.connect() as conn:
                    if self.store.exists(conn, contracts, site.id, key=data.key):
                        raise ConflictError(
                            "a contract with this key exists already on this site", field="key"
                        ) from None
                if data.id is not None:
                    raise ConflictError(
                        "a contract with this id exists already on this site", field="id"
                    ) from None
                continue  # a concurrent creation took the next id: number again
            self.changed()
            return self.contract(site, contract_id)
        raise IdsExhaustedError("contract")

    def contract(self, site: Site, contract_id: object) -> Any:
        row = self.store.get(contracts, site.id, contract_id) if isinstance(contract_id, int) else None
        if row is None:
            raise NotFoundError("no such contract on this site", field="id")
        return row

    def create_version(self, site: Site, contract_id: int, body: object) -> Any:
        data = parse_version(body)
        contract = self.contract(site, contract_id)
        for _attempt in range(ID_ATTEMPTS):
            version_id = data.id or new_object_id()
            try:
                self._insert_version(site, contract, data, version_id)
            except IntegrityError:
                with self.engine.connect() as conn:
                    taken = self.store.exists(conn, versions, site.id, id=version_id)
                if data.id is not None and taken:
                    raise ConflictError(
                        "a version with this id exists already on this site", field="id"
                    ) from None
                continue  # a server-made id taken, or a concurrent version took the number
            self.changed()
            return self.version(site, version_id)
        raise IdsExhaustedError("version")

    def _insert_version(self, site: Site, contract: Any, data: VersionInput, version_id: str) -> None:
        now = utc_now()
        with self.engine.begin() as conn:
            number = self.store.next_version_number(conn, site.id, contract.id)
            self.store.insert(
                conn,
                versions,
                dict(
                    id=version_id,
                    contract_id=contract.id,
                    site_id=site.id,
                    title=data.title or f"{contract.title} v{number}",
                    body=data.body,
                    version_number=number,
                    minor_version_number=0,
                    full_version_number=f"{number}.0",
                    status="draft",
                    effective_time=data.effective_time,
                    merge_fields=data.merge_fields,
                    created_time=now,
                ),
            )
            if data.publish:
                self.store.publish(conn, site.id, version_id, now)

    def version(self, site: Site, version_id: str) -> Any:
        row = self.store.get(versions, site.id, version_id) if is_object_id(version_id) else None
        if row is None:
            raise NotFoundError("no such version on this site", field="id")
        return row

    def publish_version(self, site: Site, version_id: str) -> Any:
        version = self.version(site, version_id)
        if version.status != PUBLISHED:
            with self.engine.begin() as conn:
                self.store.publish(conn, site.id, version.id, utc_now())
            self.changed()
        return self.version(site, version_id)

    def latest_versions(
        self, site: Site, contract_ids: list[int]
    ) -> dict[int, tuple[str | None, str | None]]:
        """contract id → (newest version id, newest published version id)."""
        result: dict[int, tuple[str | None, str | None]] = {c: (None, None) for c in contract_ids}
        for r in self.store.version_rows(site.id, contract_ids):
            _latest, published = result[int(r.contract_id)]
            result[int(r.contract_id)] = (r.id, r.id if r.status == PUBLISHED else published)
        return result

    def create_group(self, site: Site, body: object) -> Any:
        data = parse_group(body)
        with self.engine.connect() as conn:
            found = self.store.contracts_by_id(conn, site.id, data.contract_ids)
        missing = [c for c in data.contract_ids if c not in found]
        if missing:
            raise ValidationError(
                f"no contract {missing[0]} on this site", field="contracts", code="unknown_contract"
            )
        values = {
            "site_id": site.id,
            "key": data.key,
            "title": data.title,
            "contract_ids": data.contract_ids,
            "created_time": utc_now(),
        }
        return self.group(site, self._insert(groups, values, "group"))

    def group(self, site: Site, group_id: object) -> Any:
        row = self.store.get(groups, site.id, group_id) if isinstance(group_id, int) else None
        if row is None:
            raise NotFoundError("no such group on this site", field="id")
        return row

    def create_signer(self, site: Site, body: object) -> Any:
        data = parse_signer(body)
        values = {
            "site_id": site.id,
            "signer_id": data.signer_id,
            "properties": data.properties,
            "created_time": utc_now(),
        }
        try:
            with self.engine.begin() as conn:
                self.store.insert(conn, signers, values)
        except IntegrityError:
            raise ConflictError("a signer with this signer_id exists already", field="signer_id") from None
        return self.signer(site, data.signer_id)

    def signer(self, site: Site, signer_id: str) -> Any:
        row = self.store.signer(site.id, signer_id)
        if row is None:
            raise NotFoundError("no such signer on this site", field="signer_id")
        return row

    def erase(self, site: Site, body: object, requested_by: str) -> dict[str, Any]:
        """Remove a signer's personal data from every activity and the signer record; log it."""
        data = parse_erasure(body)
        now = utc_now()
        with self.engine.begin() as conn:
            erasure_id, count = erase_signer(
                conn,
                site_id=site.id,
                signer_id=data.signer_id,
                requested_by=requested_by,
                reason=data.reason,
                now=now,
            )
            self.store.delete_signer(conn, site.id, data.signer_id)
        row = self.store.get(erasures, site.id, erasure_id)
        assert row is not None
        return {"erasure": row, "activities": count}
