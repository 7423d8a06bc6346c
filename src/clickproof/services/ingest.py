"""The Activity API's use cases: record a send (one activity per contract, one batch), and answer
`/latest` (has the signer accepted the newest published versions?) and `/retrieve` (which
versions did the signer accept?)."""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Engine

from clickproof import metrics
from clickproof.domain import limits
from clickproof.domain.activity import Activity
from clickproof.domain.fields import Family
from clickproof.domain.load_request import LoadRequest
from clickproof.domain.object_id import ID_ATTEMPTS, new_object_id
from clickproof.domain.send_request import LookupRequest, SendRequest
from clickproof.domain.timestamps import format_instant, utc_now
from clickproof.errors import IdsExhaustedError, NotFoundError, ValidationError
from clickproof.evidence.presented_html import html_sha256, presented_html
from clickproof.request_context import current_request_id
from clickproof.services.catalog_cache import CatalogCache, SiteCatalog
from clickproof.services.group_commit import GroupCommitter, WriteItem
from clickproof.store.activities import ActivityIdTakenError, ActivityStore
from clickproof.store.catalog import CatalogStore, SignerWrite
from clickproof.store.renders import PresentedContract, Render, RenderStore
from clickproof.store.tenants import TenantStore

log = logging.getLogger("clickproof.ingest")

# Reserved signer properties taken from `cus` into the signer record (domain.md §1, Signer).
SIGNER_PROPERTIES = ("first_name", "last_name", "name", "company_name", "title", "email", "mobile_number")


@dataclass(frozen=True)
class SendResult:
    batch: str
    activity_ids: list[str]
    created_time: str
    warnings: list[str]


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
        self.renders = RenderStore(engine)
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
        self, catalog: SiteCatalog, request: SendRequest, render: Render | None
    ) -> tuple[int | None, list[tuple[int | None, str | None, int | None]]]:
        """(group id, [(contract id, version id, version number)]) with every id checked.

        What was accepted comes from, in this order: `cid` (with `vid` in parallel), `vid` alone
        (each version names its contract), the rendering `rdid` refers to, the group's contracts.
        """
        group_id, group_contracts = self._group_contracts(catalog, request.group_id, request.group_key)
        if render is not None and group_id is None:
            group_id = render.group_id
        wanted: list[tuple[int, str | None]]
        if request.contract_ids:
            wanted = list(zip(request.contract_ids, request.version_ids, strict=True))
        elif request.version_ids:
            wanted = [(self._contract_of(catalog, v), v) for v in request.version_ids if v is not None]
        elif render is not None:
            wanted = [(c.contract_id, c.version_id) for c in render.contracts]
        else:
            wanted = [(c, None) for c in group_contracts]
        self._check_contracts(catalog, [c for c, _v in wanted])
        resolved: list[tuple[int | None, str | None, int | None]] = []
        for contract_id, version_id in wanted:
            chosen = version_id
            if render is not None:
                chosen = self._presented_version(render, contract_id, version_id)
            if chosen:
                version = catalog.versions.get(chosen)
                if version is None or version[0] != contract_id:
                    raise ValidationError(
                        f"version {chosen} is not a version of contract {contract_id}",
                        field="vid",
                        code="unknown_version",
                    )
                resolved.append((contract_id, chosen, version[1]))
            else:
                latest = self._latest_published(catalog, contract_id, "cid")
                resolved.append((contract_id, latest[0], latest[1]))
        return group_id, resolved

    @staticmethod
    def _latest_published(catalog: SiteCatalog, contract_id: int, field: str) -> tuple[str, int]:
        """(version id, number) of the contract's newest published version, or a 400 naming it."""
        latest = catalog.latest_published.get(contract_id)
        if latest is None:
            raise ValidationError(
                f"contract {contract_id} has no published version", field=field, code="no_published_version"
            )
        return latest

    @staticmethod
    def _contract_of(catalog: SiteCatalog, version_id: str) -> int:
        version = catalog.versions.get(version_id)
        if version is None:
            raise ValidationError(
                f"no version {version_id} on this site", field="vid", code="unknown_version"
            )
        return version[0]

    @staticmethod
    def _presented_version(render: Render, contract_id: int, version_id: str | None) -> str:
        presented = render.presented(contract_id)
        if presented is None:
            raise ValidationError(
                f"render {render.id} did not present contract {contract_id}",
                field="rdid",
                code="render_mismatch",
            )
        if version_id is not None and version_id != presented.version_id:
            raise ValidationError(
                f"render {render.id} presented version {presented.version_id} of contract "
                f"{contract_id}, not {version_id}",
                field="vid",
                code="render_mismatch",
            )
        return presented.version_id

    def _render_of(self, catalog: SiteCatalog, request: SendRequest) -> Render | None:
        if request.render_id is None:
            return None
        render = self.renders.get(catalog.site.id, request.render_id)
        if render is None:
            raise ValidationError(
                "no rendering with this render id on this site (render ids come from /load)",
                field="rdid",
                code="unknown_render",
            )
        if request.render_data_given and request.render_data != render.render_data:
            raise ValidationError(
                f"rnd differs from the render data that render {render.id} presented",
                field="rnd",
                code="render_mismatch",
            )
        return render

    def send(self, request: SendRequest) -> SendResult:
        began = time.perf_counter()
        try:
            result = self._send(request)
        except Exception:
            metrics.SENDS.labels("refused").inc()
            raise
        metrics.SENDS.labels("recorded").inc()
        metrics.SEND_LATENCY.observe(time.perf_counter() - began)
        return result

    def _send(self, request: SendRequest) -> SendResult:
        now = utc_now()
        batch = new_object_id(now.timestamp())
        catalog = self.catalog_of(request.site_access_id)
        site = catalog.site
        render = self._render_of(catalog, request)
        group_id, resolved = self._resolve(catalog, request, render)
        if not resolved and request.event_type == "updated":
            # A change of the signer record is an activity of its own, chained like any other,
            # about no contract: it never rewrites the evidence of an earlier activity.
            resolved = [(None, None, None)]
        render_data = dict(render.render_data) if render is not None else dict(request.render_data)
        self._check_site_keys(site.id, request.custom_data, render_data)
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
                connection_data=self._connection(request, render, contract_id),
                custom_data=dict(request.custom_data),
                render_data=render_data,
                source="send",
            )
            for contract_id, version_id, version_number in resolved
        ]
        # Sends of one process share write transactions (services/group_commit).
        for _attempt in range(ID_ATTEMPTS):
            try:
                self.committer.submit(WriteItem(signer_writes, batch_rows, request_id=current_request_id()))
                break
            except ActivityIdTakenError:  # astronomically unlikely: the same write, fresh ids
                batch_rows = [replace(a, id=new_object_id(now.timestamp())) for a in batch_rows]
        else:
            raise IdsExhaustedError("activity")
        if request.event_type == "updated":
            log.info(
                "ingest.signer_updated site=%d activities=%s keys=%s",
                site.id,
                ",".join(a.id for a in batch_rows),
                ",".join(sorted(signer_writes[0].properties)) if signer_writes else "",
            )
        return SendResult(batch, [a.id for a in batch_rows], format_instant(now), list(request.warnings))

    def _check_site_keys(self, site_id: int, custom: dict[str, Any], render: dict[str, Any]) -> None:
        """A site's catalogue of custom and render keys is bounded: a send that would add keys past
        MAX_SITE_FAMILY_KEYS is refused (the keys already recorded keep working)."""
        for family, values, code in ((Family.CUSTOM, custom, "cus"), (Family.RENDER, render, "rnd")):
            if not values:
                continue
            new, total = self.activities.new_key_count(site_id, family, values)
            if new and total + new > limits.MAX_SITE_FAMILY_KEYS:
                log.warning(
                    "ingest.key_limit site=%d family=%s new=%d recorded=%d", site_id, family.value, new, total
                )
                raise ValidationError(
                    f"{code} brings {new} new {family.value} key(s); the site has {total} and at most "
                    f"{limits.MAX_SITE_FAMILY_KEYS} are allowed (existing keys can still be sent)",
                    field=code,
                    code="site_key_limit",
                )

    @staticmethod
    def _connection(request: SendRequest, render: Render | None, contract_id: int | None) -> dict[str, Any]:
        connection = dict(request.connection_data)
        presented = None if render is None or contract_id is None else render.presented(contract_id)
        if presented is not None:
            connection["rendered_text_sha256"] = presented.sha256
        return connection

    def _lookup(self, request: LookupRequest) -> tuple[list[int], dict[int, str], dict[int, tuple[str, int]]]:
        """(contracts, newest published version per contract, newest agreed version per contract).

        Without contracts or a group, the contracts are those the signer agreed to."""
        catalog = self.catalog_of(request.site_access_id)
        site = catalog.site
        _group_id, group_contracts = self._group_contracts(catalog, request.group_id, request.group_key)
        contract_ids = list(request.contract_ids) or group_contracts
        self._check_contracts(catalog, contract_ids)
        latest = {c: v[0] for c, v in catalog.latest_published.items()}
        accepted = self.activities.accepted_versions(site.id, request.signer_id, contract_ids or None)
        return contract_ids or sorted(accepted), latest, accepted

    def latest(self, request: LookupRequest) -> dict[str, bool]:
        """contract id → whether the signer's latest acceptance is of its newest published version."""
        contract_ids, latest, accepted = self._lookup(request)
        result: dict[str, bool] = {}
        for contract_id in contract_ids:
            newest = latest.get(contract_id)
            mine = accepted.get(contract_id)
            result[str(contract_id)] = newest is not None and mine is not None and mine[0] == newest
        return result

    def retrieve(self, request: LookupRequest) -> dict[str, str | bool]:
        """contract id → the version id the signer most recently agreed to; false: never."""
        contract_ids, _latest, accepted = self._lookup(request)
        return {str(c): (accepted[c][0] if c in accepted else False) for c in contract_ids}

    def load(self, request: LoadRequest) -> dict[str, Any]:
        """The group object Ironclad's clients build a Group from: its contracts at their
        published versions with the render data merged, under a fresh render id that is stored
        with what was presented (a later send's `rdid` is bound to exactly that)."""
        catalog = self.catalog_of(request.site_access_id)
        group_id, contract_ids = self._group_contracts(catalog, request.group_id, request.group_key)
        assert group_id is not None
        group = catalog.groups_by_id[group_id]
        published = [(c, self._latest_published(catalog, c, "gkey")[0]) for c in contract_ids]
        rows = self.catalog.presented_versions(catalog.site.id, [v for _c, v in published])
        now = utc_now()
        details: dict[str, Any] = {}
        presented = []
        for contract_id, version_id in published:
            row = rows[version_id]
            html = presented_html(str(row.body), request.render_data)
            sha = html_sha256(html)
            presented.append(PresentedContract(contract_id, version_id, sha))
            details[str(contract_id)] = {
                "id": contract_id,
                "key": row.contract_key,
                "title": row.contract_title,
                "version": version_id,
                "version_title": row.title,
                "full_version_number": row.full_version_number,
                "html": html,
                "sha256": sha,
            }
        render = Render(
            new_object_id(now.timestamp()),
            catalog.site.id,
            group_id,
            tuple(presented),
            dict(request.render_data),
            request.test_mode,
            now,
        )
        render = self.renders.add(render)  # under a fresh id if its own was taken
        return {
            "id": group_id,
            "group": group_id,
            "key": group.key,
            "title": group.title,
            "render_id": render.id,
            "render_data": dict(request.render_data),
            "test_mode": request.test_mode,
            "contracts": [c for c, _v in published],
            "versions": [v for _c, v in published],
            "contract_data": details,
            "rendered_time": format_instant(now),
        }
