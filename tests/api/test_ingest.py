"""Recording acceptances through the API: the Activity API, the REST catalogue and activity routes,
bulk import, erasure and Idempotency-Key, through the real app."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from clickproof.bootstrap import System
from clickproof.services.demo_data import DEMO_SITE_ACCESS_ID, DemoResult
from clickproof.store.chain_verify import verify_site

SID = DEMO_SITE_ACCESS_ID


def contract_ids(client: TestClient) -> list[int]:
    return [c["id"] for c in client.get("/v1.1/contracts").json()["data"]]


def published(client: TestClient, contract: int) -> str:
    found = client.get(f"/v1.1/contracts/{contract}").json()["published_version"]
    assert isinstance(found, str)
    return found


def test_send_get_records_one_activity_per_contract_in_one_batch(
    client: TestClient, system: System, demo: DemoResult
) -> None:
    first, second = contract_ids(client)[:2]
    response = client.get(
        "/send",
        params={
            "sid": SID,
            "sig": "new.signer@example.com",
            "et": "agreed",
            "cid": f"{first},{second}",
            "em": "clickthrough",
            "pat": "Sign up",
            "pau": "https://app.example/signup",
            "cus": json.dumps({"first_name": "Ann", "plan": "pro"}),
            "tm": "true",
        },
        headers={"User-Agent": "pytest-agent"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["activities"]) == 2
    rows = [client.get(f"/v1.1/activity/{i}").json() for i in body["activities"]]
    assert {r["contract"] for r in rows} == {first, second}
    assert {r["batch"] for r in rows} == {body["batch"]}
    assert all(r["version"] == published(client, r["contract"]) for r in rows)
    row = rows[0]
    assert row["signer_id"] == "new.signer@example.com" and row["event_type"] == "agreed"
    assert row["test_mode"] is True and row["execution_method"] == "clickthrough"
    assert row["connection_data"]["page_title"] == "Sign up"
    assert row["connection_data"]["user_agent"] == "pytest-agent"
    assert row["connection_data"]["remote_address"]
    assert row["custom_data"] == {"first_name": "Ann", "plan": "pro"}
    assert row["source"] == "send" and row["created_time"] == body["created_time"]
    assert row["chain"]["seq"] == 401 and len(row["chain"]["chain_hash"]) == 64
    signer = client.get("/v1.1/signers/new.signer@example.com").json()
    assert signer["properties"] == {"first_name": "Ann"}
    assert verify_site(system.engine, demo.site_id).ok


def test_send_post_json_with_versions_and_group(client: TestClient) -> None:
    groups = client.get("/v1.1/groups").json()["data"]
    group = groups[0]
    versions = client.get(f"/v1.1/contracts/{group['contracts'][0]}/versions").json()["data"]
    oldest = versions[0]["id"]
    response = client.post(
        "/send",
        json={
            "sid": SID,
            "sig": "u1",
            "et": "agreed",
            "gkey": group["key"],
            "cid": group["contracts"][:1],
            "vid": [oldest],
            "rnd": {"plan": "free"},
        },
    )
    assert response.status_code == 200, response.text
    (activity_id,) = response.json()["activities"]
    row = client.get(f"/v1.1/activity/{activity_id}").json()
    assert (row["version"], row["version_number"], row["group"]) == (oldest, 1, group["id"])
    # A group alone sends for all of its contracts.
    response = client.post("/send", data={"sid": SID, "et": "displayed", "gid": str(group["id"])})
    assert response.status_code == 200, response.text
    assert len(response.json()["activities"]) == len(group["contracts"])


def error(response: Any, status: int, code: str, field: str | None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert (body["code"], body["field"]) == (code, field), body
    assert body["errors"] and body["error"]


def test_send_rejects_malformed_requests(client: TestClient) -> None:
    cid = contract_ids(client)[0]
    error(client.get("/send", params={"et": "agreed", "sig": "a", "cid": cid}), 400, "missing_field", "sid")
    error(
        client.get("/send", params={"sid": "nope", "et": "agreed", "sig": "a", "cid": cid}),
        404,
        "site_not_found",
        "sid",
    )
    error(client.get("/send", params={"sid": SID, "et": "agreed", "cid": cid}), 400, "missing_field", "sig")
    error(
        client.get("/send", params={"sid": SID, "et": "clicked", "sig": "a", "cid": cid}),
        400,
        "invalid_event_type",
        "et",
    )
    error(
        client.get("/send", params={"sid": SID, "et": "agreed", "sig": "a", "cid": "x"}),
        400,
        "invalid_parameter",
        "cid",
    )
    error(
        client.get("/send", params={"sid": SID, "et": "agreed", "sig": "a", "cid": 999999}),
        400,
        "unknown_contract",
        "cid",
    )
    error(
        client.get(
            "/send",
            params={"sid": SID, "et": "agreed", "sig": "a", "cid": f"{cid},{cid + 1}", "vid": "0" * 24},
        ),
        400,
        "mismatched_versions",
        "vid",
    )
    error(
        client.get("/send", params={"sid": SID, "et": "agreed", "sig": "a", "cid": cid, "vid": "a" * 24}),
        400,
        "unknown_version",
        "vid",
    )
    error(
        client.get("/send", params={"sid": SID, "et": "agreed", "sig": "a", "cid": cid, "z" * 70: 1}),
        400,
        "unknown_field",
        "z" * 40,
    )
    error(
        client.get("/send", params={"sid": SID, "et": "agreed", "sig": "a", "cid": cid, "cus": "[1]"}),
        400,
        "invalid_parameter",
        "cus",
    )
    error(client.get("/send", params={"sid": SID, "et": "visited", "cid": cid}), 400, "missing_field", "gid")
    error(
        client.get("/send", params={"sid": SID, "et": "agreed", "sig": "a", "cid": cid, "tm": "maybe"}),
        400,
        "invalid_parameter",
        "tm",
    )
    error(
        client.post("/send", content=b"[1]", headers={"Content-Type": "application/json"}),
        400,
        "invalid_body",
        None,
    )
    error(
        client.post("/send", content=b"{", headers={"Content-Type": "application/json"}),
        400,
        "invalid_json",
        None,
    )


def test_latest_and_retrieve(client: TestClient) -> None:
    group = client.get("/v1.1/groups").json()["data"][0]
    first, second = group["contracts"]
    old = client.get(f"/v1.1/contracts/{first}/versions").json()["data"][0]["id"]
    assert client.get("/latest", params={"sid": SID, "sig": "fresh", "gkey": group["key"]}).json() == {
        str(first): False,
        str(second): False,
    }
    client.get("/send", params={"sid": SID, "sig": "fresh", "et": "agreed", "cid": first, "vid": old})
    client.get("/send", params={"sid": SID, "sig": "fresh", "et": "agreed", "cid": second})
    assert client.get("/latest", params={"sid": SID, "sig": "fresh", "gkey": group["key"]}).json() == {
        str(first): False,
        str(second): True,
    }
    assert client.get(
        "/retrieve", params={"sid": SID, "sig": "fresh", "cid": f"{first},{second}"}
    ).json() == {
        str(first): old,
        str(second): published(client, second),
    }
    error(client.get("/latest", params={"sid": SID, "gkey": group["key"]}), 400, "missing_field", "sig")


def test_catalogue_create_publish_and_send(client: TestClient) -> None:
    contract = client.post("/v1.1/contracts", json={"title": "Cookie Policy", "key": "cookies"})
    assert contract.status_code == 201, contract.text
    cid = contract.json()["id"]
    assert contract.json()["published_version"] is None
    error(
        client.post("/v1.1/contracts", json={"title": "Again", "key": "cookies"}),
        409,
        "already_exists",
        "key",
    )
    error(client.post("/v1.1/contracts", json={"title": "X"}), 400, "missing_field", "key")
    error(
        client.post("/v1.1/contracts", json={"title": "X", "key": "k", "extra": 1}),
        400,
        "unknown_field",
        "extra",
    )
    draft = client.post(f"/v1.1/contracts/{cid}/versions", json={"body": "<p>v1</p>"})
    assert draft.status_code == 201 and draft.json()["status"] == "draft"
    error(
        client.get("/send", params={"sid": SID, "sig": "a", "et": "agreed", "cid": cid}),
        400,
        "no_published_version",
        "cid",
    )
    published_version = client.post(f"/v1.1/versions/{draft.json()['id']}/publish")
    assert published_version.status_code == 200 and published_version.json()["published"] is True
    assert client.get(f"/v1.1/contracts/{cid}").json()["published_version"] == draft.json()["id"]
    group = client.post("/v1.1/groups", json={"key": "cookie-banner", "title": "Banner", "contracts": [cid]})
    assert group.status_code == 201, group.text
    error(
        client.post("/v1.1/groups", json={"key": "g2", "title": "G", "contracts": [99999]}),
        400,
        "unknown_contract",
        "contracts",
    )
    sent = client.get("/send", params={"sid": SID, "sig": "b", "et": "agreed", "gkey": "cookie-banner"})
    assert sent.status_code == 200, sent.text
    signer = client.post("/v1.1/signers", json={"signer_id": "s@example.com", "properties": {"name": "S"}})
    assert signer.status_code == 201
    error(
        client.post("/v1.1/signers", json={"signer_id": "s@example.com"}), 409, "already_exists", "signer_id"
    )
    assert client.get("/v1.1/signers/missing").status_code == 404
    error(client.get("/v1.1/contracts/abc"), 400, "invalid_parameter", "id")


def test_activity_list_filters_with_the_export_language(client: TestClient) -> None:
    response = client.get(
        "/v1.1/activity",
        params={
            "filter": json.dumps({"event_type": "agreed", "version_number": {"$gte": 2}}),
            "per_page": 100,
            "sort": "created_time",
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total_count"] > 0 and body["count"] == min(100, body["total_count"])
    assert all(a["event_type"] == "agreed" and a["version_number"] >= 2 for a in body["data"])
    times = [a["created_time"] for a in body["data"]]
    assert times == sorted(times)
    error(client.get("/v1.1/activity", params={"filter": "{"}), 400, "invalid_filter", "filter")
    error(
        client.get("/v1.1/activity", params={"filter": '{"x": 1}'}), 400, "unknown_filter_field", "/filter/x"
    )
    error(client.get("/v1.1/activity", params={"sort": "nope"}), 400, "invalid_sort", "sort")
    error(client.get("/v1.1/activity/" + "f" * 24), 404, "activity_not_found", "id")


def test_no_route_modifies_an_activity(client: TestClient) -> None:
    activity_id = client.get("/v1.1/activity").json()["data"][0]["id"]
    for method in ("PUT", "PATCH", "DELETE"):
        assert client.request(method, f"/v1.1/activity/{activity_id}").status_code == 405


def import_rows(client: TestClient, system: System, demo: DemoResult, n: int) -> list[dict[str, Any]]:
    contract = contract_ids(client)[0]
    version = published(client, contract)
    return [
        {
            "id": f"{0xABC000 + i:024x}",
            "event_type": "agreed",
            "signer_id": f"imp{i}@example.com",
            "contract": contract,
            "version": version,
            "created_time": "2026-01-02T03:04:05Z",
            "connection_data": {"remote_address": "10.0.0.1"},
            "custom_data": {"vip": i % 2 == 0},
        }
        for i in range(n)
    ]


def test_import_jsonl_is_idempotent_and_all_or_nothing(
    client: TestClient, system: System, demo: DemoResult
) -> None:
    rows = import_rows(client, system, demo, 5)
    body = "\n".join(json.dumps(r) for r in rows).encode()
    headers = {"Content-Type": "application/x-ndjson"}
    first = client.post("/v1.1/activity/import", content=body, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json() == {"rows": 5, "imported": 5, "skipped": 0}
    again = client.post("/v1.1/activity/import", content=body, headers=headers)
    assert again.json() == {"rows": 5, "imported": 0, "skipped": 5}
    stored = client.get(f"/v1.1/activity/{rows[0]['id']}").json()
    assert stored["created_time"] == "2026-01-02T03:04:05.000Z" and stored["source"] == "import"
    bad = [*import_rows(client, system, demo, 2)]
    bad[0] = {**bad[0], "id": f"{0xDEF000:024x}"}
    bad[1] = {**bad[1], "id": f"{0xDEF001:024x}", "event_type": "clicked"}
    text = "\n".join(json.dumps(r) for r in bad) + "\nnot json\n"
    response = client.post("/v1.1/activity/import", content=text.encode(), headers=headers)
    assert response.status_code == 400, response.text
    errors = response.json()["errors"]
    assert [(e["line"], e["field"]) for e in errors] == [(2, "event_type"), (3, None)]
    assert client.get(f"/v1.1/activity/{0xDEF000:024x}").status_code == 404  # nothing written
    assert verify_site(system.engine, demo.site_id).ok
    error(
        client.post("/v1.1/activity/import", content=b"x", headers={"Content-Type": "text/plain"}),
        415,
        "unsupported_media_type",
        "Content-Type",
    )


def test_import_csv_in_the_export_format(client: TestClient, system: System, demo: DemoResult) -> None:
    contract = contract_ids(client)[0]
    version = published(client, contract)
    csv_text = (
        '"id","signer_id","event_type","contract","version","created_time","test_mode",'
        '"connection_data.page_title","custom_data.vip","custom_data.seats","custom_data.note"\r\n'
        f'"{0x1000:024x}","a@example.com","agreed",{contract},"{version}","2026-03-01T00:00:00.000000Z",FALSE,'
        '"\'=cmd",TRUE,12,"\'-x"\r\n'
    )
    response = client.post(
        "/v1.1/activity/import", content=csv_text.encode(), headers={"Content-Type": "text/csv"}
    )
    assert response.status_code == 200, response.text
    row = client.get(f"/v1.1/activity/{0x1000:024x}").json()
    assert row["connection_data"] == {"page_title": "=cmd"}
    assert row["custom_data"] == {"vip": True, "seats": 12, "note": "-x"}
    bad = '"id","nope"\r\n"x","y"\r\n'
    response = client.post(
        "/v1.1/activity/import", content=bad.encode(), headers={"Content-Type": "text/csv"}
    )
    assert response.status_code == 400 and response.json()["errors"][0]["line"] == 1


def test_idempotency_key_on_send_and_exports(client: TestClient) -> None:
    cid = contract_ids(client)[0]
    body = {"sid": SID, "sig": "idem", "et": "agreed", "cid": [cid]}
    first = client.post("/send", json=body, headers={"Idempotency-Key": "k-1"})
    second = client.post("/send", json=body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json() and second.headers["Idempotent-Replayed"] == "true"
    error(
        client.post("/send", json={**body, "sig": "other"}, headers={"Idempotency-Key": "k-1"}),
        422,
        "idempotency_key_reused",
        "Idempotency-Key",
    )
    error(
        client.post("/send", json=body, headers={"Idempotency-Key": "bad key"}),
        400,
        "invalid_idempotency_key",
        "Idempotency-Key",
    )
    export = {"start_date": "2026-01-01T00:00:00Z"}
    one = client.post("/v1.1/extract/evidence", json=export, headers={"Idempotency-Key": "e-1"})
    two = client.post("/v1.1/extract/evidence", json=export, headers={"Idempotency-Key": "e-1"})
    assert one.status_code == two.status_code == 201 and one.json()["id"] == two.json()["id"]
    error(
        client.post(
            "/v1.1/extract/evidence",
            json={"start_date": "2026-01-02T00:00:00Z"},
            headers={"Idempotency-Key": "e-1"},
        ),
        422,
        "idempotency_key_reused",
        "Idempotency-Key",
    )
    # A request that fails validation stores nothing: the key stays usable.
    error(
        client.post("/v1.1/extract/evidence", json={}, headers={"Idempotency-Key": "e-2"}),
        400,
        "missing_field",
        "start_date",
    )
    assert (
        client.post("/v1.1/extract/evidence", json=export, headers={"Idempotency-Key": "e-2"}).status_code
        == 201
    )


def test_erasure_keeps_the_chain_verifiable(client: TestClient, system: System, demo: DemoResult) -> None:
    signer = client.get("/v1.1/activity", params={"filter": json.dumps({"event_type": "agreed"})}).json()[
        "data"
    ][0]["signer_id"]
    before = client.get("/v1.1/activity", params={"filter": json.dumps({"signer_id": signer})}).json()[
        "total_count"
    ]
    response = client.post("/v1.1/erasures", json={"signer_id": signer, "reason": "GDPR art. 17 request #12"})
    assert response.status_code == 201, response.text
    erasure = response.json()
    assert erasure["activities"] == before > 0 and erasure["requested_by"].endswith("demo@example.com")
    assert (
        client.get("/v1.1/activity", params={"filter": json.dumps({"signer_id": signer})}).json()[
            "total_count"
        ]
        == 0
    )
    assert client.get("/v1.1/erasures").json()["data"][0]["reason"] == "GDPR art. 17 request #12"
    assert verify_site(system.engine, demo.site_id).ok
    error(client.post("/v1.1/erasures", json={"signer_id": signer}), 400, "missing_field", "reason")


def test_updated_event_updates_the_signer_only_when_sent(client: TestClient) -> None:
    cid = contract_ids(client)[0]
    client.get(
        "/send",
        params={
            "sid": SID,
            "sig": "u@example.com",
            "et": "agreed",
            "cid": cid,
            "cus": json.dumps({"first_name": "Old"}),
        },
    )
    client.get(
        "/send",
        params={
            "sid": SID,
            "sig": "u@example.com",
            "et": "agreed",
            "cid": cid,
            "cus": json.dumps({"first_name": "Ignored"}),
        },
    )
    assert client.get("/v1.1/signers/u@example.com").json()["properties"] == {"first_name": "Old"}
    updated = client.post(
        "/send",
        json={
            "sid": SID,
            "sig": "u@example.com",
            "et": "updated",
            "cus": {"first_name": "New", "title": "CTO", "vip": True},
        },
    )
    assert updated.status_code == 200
    (update_id,) = updated.json()["activities"]  # the change is an activity of its own
    recorded = client.get(f"/v1.1/activity/{update_id}").json()
    assert (recorded["event_type"], recorded["contract"], recorded["version"]) == ("updated", None, None)
    assert recorded["signer_properties"] == {"first_name": "New", "title": "CTO"}
    assert client.get("/v1.1/signers/u@example.com").json()["properties"] == {
        "first_name": "New",
        "title": "CTO",
    }
