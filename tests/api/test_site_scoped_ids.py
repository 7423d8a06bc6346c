"""Ids are unique per site: one tenant holding ids cannot stop another tenant's sends, versions or
imports, write paths answer alike for an id held elsewhere and an id held nowhere, and a
server-made id that meets one the site holds is replaced by a fresh one, never a 5xx."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from clickproof.bootstrap import System
from clickproof.domain.object_id import new_object_id
from clickproof.services import catalog as catalog_service
from clickproof.services import exports as exports_module
from clickproof.services import ingest as ingest_service
from clickproof.services.demo_data import DEMO_SITE_ACCESS_ID
from clickproof.store.catalog import CatalogStore
from tests.support.tenants import Tenant, second_tenant

JSONL = {"Content-Type": "application/x-ndjson"}


def demo_version(client: TestClient) -> str:
    version: str = client.get("/v1.1/contracts/1").json()["published_version"]
    return version


def import_body(ids: list[str], contract: int, version: str) -> bytes:
    rows = (
        json.dumps(
            {"id": i, "event_type": "agreed", "signer_id": f"s{n}", "contract": contract, "version": version}
        )
        for n, i in enumerate(ids)
    )
    return ("\n".join(rows) + "\n").encode()


def send(client: TestClient, access_id: str, contract: int, signer: str) -> Any:
    body = {"sid": access_id, "sig": signer, "et": "agreed", "cid": [contract]}
    return client.post("/send", content=json.dumps(body), headers={"Content-Type": "application/json"})


def replay(monkeypatch: pytest.MonkeyPatch, module: Any, ids: list[str]) -> None:
    """The module's next ids are `ids` (then fresh ones): the ids the attacker claimed first."""
    queue: Iterator[str] = iter(ids)

    def predicted(at: float | None = None) -> str:
        return next(queue, None) or new_object_id(at)

    monkeypatch.setattr(module, "new_object_id", predicted)


@pytest.fixture
def tenant_b(system: System, client: TestClient) -> Tenant:
    return second_tenant(system, client)


def test_ids_claimed_by_one_tenant_do_not_stop_another(
    client: TestClient, tenant_b: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tenant A (the demo site) claims the ids tenant B's sends and versions will be given.
    claimed = [new_object_id() for _ in range(60)]
    answer = client.post(
        "/v1.1/activity/import", content=import_body(claimed, 1, demo_version(client)), headers=JSONL
    )
    assert answer.json() == {"rows": 60, "imported": 60, "skipped": 0}
    claimed_versions = [new_object_id() for _ in range(4)]
    for version_id in claimed_versions:
        made = client.post("/v1.1/contracts/1/versions", json={"id": version_id, "body": "<p>A</p>"})
        assert made.status_code == 201, made.text

    # B's sends are given exactly those ids (a send takes one for its batch, one per contract).
    replay(monkeypatch, ingest_service, claimed)
    for n in range(8):
        answer = send(client, tenant_b.access_id, tenant_b.contract_id, f"b{n}@example.com")
        assert answer.status_code == 200, answer.text
    stored = client.get("/v1.1/activity", headers=tenant_b.headers, params={"per_page": 100}).json()
    b_ids = {a["id"] for a in stored["data"]}
    assert len(b_ids) == 8 and b_ids <= set(claimed)  # another tenant's ids are simply ids here

    # B's versions under ids A holds: chosen by B, and made by the server.
    made = client.post(
        f"/v1.1/contracts/{tenant_b.contract_id}/versions",
        json={"id": claimed_versions[0], "body": "<p>B</p>"},
        headers=tenant_b.headers,
    )
    assert made.status_code == 201, made.text
    replay(monkeypatch, catalog_service, claimed_versions[1:])
    made = client.post(
        f"/v1.1/contracts/{tenant_b.contract_id}/versions",
        json={"body": "<p>B2</p>"},
        headers=tenant_b.headers,
    )
    assert (made.status_code, made.json()["id"]) == (201, claimed_versions[1])

    # B imports rows that keep ids A holds (an Ironclad export, say).
    answer = client.post(
        "/v1.1/activity/import",
        content=import_body(claimed[-20:], tenant_b.contract_id, tenant_b.version_id),
        headers={**JSONL, **tenant_b.headers},
    )
    assert answer.json() == {"rows": 20, "imported": 20, "skipped": 0}

    # Each site sees its own activity under the shared id.
    shared = claimed[-1]
    mine = client.get(f"/v1.1/activity/{shared}").json()
    theirs = client.get(f"/v1.1/activity/{shared}", headers=tenant_b.headers).json()
    assert (mine["site"], theirs["site"]) == (1, tenant_b.site_id)
    assert (mine["contract"], theirs["contract"]) == (1, tenant_b.contract_id)


def test_a_server_made_id_the_site_holds_already_is_replaced(
    client: TestClient, tenant_b: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = send(client, tenant_b.access_id, tenant_b.contract_id, "one@example.com")
    assert first.status_code == 200, first.text
    held = client.get("/v1.1/activity", headers=tenant_b.headers).json()["data"][0]["id"]
    replay(monkeypatch, ingest_service, [new_object_id(), held])  # the batch id, then the taken id
    again = send(client, tenant_b.access_id, tenant_b.contract_id, "two@example.com")
    assert again.status_code == 200, again.text
    listed = client.get("/v1.1/activity", headers=tenant_b.headers).json()["data"]
    assert len({a["id"] for a in listed}) == 2  # a fresh id, not a second row under `held`

    replay(monkeypatch, catalog_service, [tenant_b.version_id])
    made = client.post(
        f"/v1.1/contracts/{tenant_b.contract_id}/versions",
        json={"body": "<p>v2</p>"},
        headers=tenant_b.headers,
    )
    assert made.status_code == 201 and made.json()["id"] != tenant_b.version_id

    numbered = CatalogStore.next_id
    calls: list[int] = []

    def stale(conn: Any, table: Any, site_id: int) -> int:  # a concurrent creation won the number
        calls.append(site_id)
        return tenant_b.contract_id if len(calls) == 1 else numbered(conn, table, site_id)

    monkeypatch.setattr(CatalogStore, "next_id", staticmethod(stale))
    made = client.post(
        "/v1.1/contracts", json={"title": "Privacy", "key": "privacy"}, headers=tenant_b.headers
    )
    assert made.status_code == 201, made.text
    assert made.json()["id"] != tenant_b.contract_id and len(calls) == 2


def _without(body: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in names}


def test_write_and_read_paths_answer_alike_for_ids_held_elsewhere_and_nowhere(
    client: TestClient, tenant_b: Tenant
) -> None:
    a_activity = client.get("/v1.1/activity").json()["data"][0]["id"]
    a_version = demo_version(client)
    nowhere_activity, nowhere_version = new_object_id(), new_object_id()

    # Contracts: A's id 2 and an id no site holds are both free on B's site.
    elsewhere = client.post(
        "/v1.1/contracts", json={"id": 2, "title": "X", "key": "x"}, headers=tenant_b.headers
    )
    nowhere = client.post(
        "/v1.1/contracts", json={"id": 4242, "title": "Y", "key": "y"}, headers=tenant_b.headers
    )
    assert elsewhere.status_code == nowhere.status_code == 201
    assert _without(elsewhere.json(), "id", "title", "key", "created_time") == _without(
        nowhere.json(), "id", "title", "key", "created_time"
    )
    taken = client.post("/v1.1/contracts", json={"id": 2, "title": "Z", "key": "z"}, headers=tenant_b.headers)
    assert (taken.status_code, taken.json()["field"]) == (409, "id")
    assert "exists already on this site" in taken.json()["error"]  # true: B's own contract 2

    # Versions under A's id and under an id held nowhere.
    answers = [
        client.post(
            f"/v1.1/contracts/{tenant_b.contract_id}/versions",
            json={"id": version_id, "body": "<p>b</p>"},
            headers=tenant_b.headers,
        )
        for version_id in (a_version, nowhere_version)
    ]
    assert [a.status_code for a in answers] == [201, 201]
    assert _without(
        answers[0].json(), "id", "created_time", "title", "version_number", "full_version_number"
    ) == (_without(answers[1].json(), "id", "created_time", "title", "version_number", "full_version_number"))

    # Imports of A's activity id and of an id held nowhere.
    reports = [
        client.post(
            "/v1.1/activity/import",
            content=import_body([activity_id], tenant_b.contract_id, tenant_b.version_id),
            headers={**JSONL, **tenant_b.headers},
        )
        for activity_id in (a_activity, nowhere_activity)
    ]
    assert [r.status_code for r in reports] == [200, 200]
    assert reports[0].json() == reports[1].json() == {"rows": 1, "imported": 1, "skipped": 0}

    # Reads: another site's contract, version and activity are as absent as missing ones.
    for path_elsewhere, path_nowhere in (
        ("/v1.1/contracts/3", "/v1.1/contracts/98765"),
        (
            f"/v1.1/versions/{client.get('/v1.1/contracts/2').json()['published_version']}",
            f"/v1.1/versions/{new_object_id()}",
        ),
    ):
        found = [client.get(p, headers=tenant_b.headers) for p in (path_elsewhere, path_nowhere)]
        assert [f.status_code for f in found] == [404, 404]
        assert found[0].json() == found[1].json()
    a_only = client.get("/v1.1/activity", params={"per_page": 5}).json()["data"][-1]["id"]
    for suffix in ("", "/record"):
        absent = new_object_id()
        found = [
            client.get(f"/v1.1/activity/{i}{suffix}", headers=tenant_b.headers) for i in (a_only, absent)
        ]
        assert [f.status_code for f in found] == [404, 404]
        assert found[0].text.replace(a_only, absent) == found[1].text  # the same answer, but for the id


def test_demo_site_sends_keep_working_beside_a_second_tenant(client: TestClient, tenant_b: Tenant) -> None:
    assert send(client, DEMO_SITE_ACCESS_ID, 1, "a@example.com").status_code == 200
    assert send(client, tenant_b.access_id, tenant_b.contract_id, "b@example.com").status_code == 200


def test_a_taken_render_id_is_replaced(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    body = json.dumps({"sid": DEMO_SITE_ACCESS_ID, "gkey": "signup", "rnd": {"CompanyName": "ACME"}})
    first = client.post("/load/json", content=body, headers={"Content-Type": "application/json"})
    assert first.status_code == 200, first.text
    replay(monkeypatch, ingest_service, [first.json()["render_id"]])
    again = client.post("/load/json", content=body, headers={"Content-Type": "application/json"})
    assert again.status_code == 200, again.text
    assert again.json()["render_id"] != first.json()["render_id"]


def test_related_fields_are_read_from_the_activitys_own_site(client: TestClient, tenant_b: Tenant) -> None:
    """Both sites have a contract 1 (ids are per site): a filter or sort on `contract.title`
    reads the title of the activity's own site's contract, never the other site's."""
    assert tenant_b.contract_id == 1
    assert send(client, tenant_b.access_id, 1, "b@example.com").status_code == 200

    def matching(title: str, headers: dict[str, str] | None = None) -> int:
        answer = client.get(
            "/v1.1/activity", params={"filter": json.dumps({"contract.title": title})}, headers=headers or {}
        )
        assert answer.status_code == 200, answer.text
        total: int = answer.json()["total_count"]
        return total

    assert matching("Terms", tenant_b.headers) == 1
    assert matching("Terms of Service", tenant_b.headers) == 0  # site A's contract 1
    assert matching("Terms") == 0
    assert matching("Terms of Service") > 0
    for headers in ({}, tenant_b.headers):
        created = client.post(
            "/v1.1/extract/evidence",
            json={"start_date": "2026-01-01T00:00:00Z", "sort": "contract.title,-created_time"},
            headers=headers,
        )
        assert created.status_code == 201, created.text
        deadline = time.monotonic() + 60
        job = created.json()
        while job["status"] not in ("success", "failed") and time.monotonic() < deadline:
            time.sleep(0.1)
            job = client.get(f"/v1.1/extract/evidence/{job['id']}", headers=headers).json()
        assert job["status"] == "success", job["message"]


def test_a_taken_export_job_id_is_replaced(
    client: TestClient, tenant_b: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = {"start_date": "2026-01-01T00:00:00Z", "export_types": ["clickwrap_activities"]}
    first = client.post("/v1.1/extract/evidence", json=body)
    assert first.status_code == 201
    replay(monkeypatch, exports_module, [first.json()["id"]])  # the next id made is one held already
    second = client.post("/v1.1/extract/evidence", json=body, headers=tenant_b.headers)
    assert second.status_code == 201, second.text
    assert second.json()["id"] != first.json()["id"]
