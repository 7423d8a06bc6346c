"""The Activity API as Ironclad's clients speak it, replayed byte for byte from the wire (the
official Node SDK's requests, Ironclad's documentation examples, a browser's CORS preflight), so
the behaviour holds where the SDK itself is not installed (tests/e2e/test_official_sdk.py runs it)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from clickproof.bootstrap import System
from clickproof.services.demo_data import DEMO_SITE_ACCESS_ID

SID = DEMO_SITE_ACCESS_ID
JSON = {"Content-Type": "application/json", "User-Agent": "node-superagent/5.3.1"}
V1, V2 = "000000010000000100000003", "000000010000000200000003"
SDK_SEND = (
    b'{"sid":"demo-site-access-id","tm":true,"rdid":"%s","cid":[1,2],'
    b'"vid":["000000010000000100000003","000000010000000200000003"],"cus":{"first_name":"Ann","vip":true,"seats":5},'
    b'"rnd":{"CompanyName":"ACME Ltd"},"pat":"Order Checkout","addr":"203.0.113.7","btz":-300,"bl":"en-us",'
    b'"sig":"ann@example.com","et":"agreed","_srv":true,"_lib":"pactsafe-activity-node","_libv":"2.0.0"}'
)
SDK_LOAD = (
    b'{"sid":"demo-site-access-id","tm":true,"et":"load","gkey":"signup","rdid":null,'
    b'"rnd":{"CompanyName":"ACME Ltd"},"_srv":true,"_lib":"pactsafe-activity-node","_libv":"2.0.0"}'
)
SDK_SUFFIX = "tm=true&_srv=true&_lib=pactsafe-activity-node&_libv=2.0.0"


def load(client: TestClient) -> dict[str, Any]:
    response = client.post("/load/json", content=SDK_LOAD, headers=JSON)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def rows(client: TestClient, sent: Any) -> list[dict[str, Any]]:
    assert sent.status_code == 200, sent.text
    return [client.get(f"/v1.1/activity/{i}").json() for i in sent.json()["activities"]]


def test_sdk_load_then_send_is_bound_to_the_rendering(client: TestClient) -> None:
    group = load(client)
    assert (group["key"], group["contracts"], group["versions"]) == ("signup", [1, 2], [V1, V2])
    assert group["group"] == group["id"] and group["render_data"] == {"CompanyName": "ACME Ltd"}
    assert "between ACME Ltd and the user" in group["contract_data"]["1"]["html"]
    stored = rows(client, client.post("/send", content=SDK_SEND % group["render_id"].encode(), headers=JSON))
    assert [r["contract"] for r in stored] == [1, 2]
    for row in stored:
        connection = row["connection_data"]
        assert connection == {
            "page_title": "Order Checkout",
            "remote_address": "203.0.113.7",
            "browser_timezone": -300,
            "browser_locale": "en-us",
            "client_library": "pactsafe-activity-node",
            "client_version": "2.0.0",
            "render_id": group["render_id"],
            "rendered_text_sha256": group["contract_data"][str(row["contract"])]["sha256"],
            "server_side": True,
        }
        assert row["custom_data"] == {"first_name": "Ann", "vip": True, "seats": 5}
    # Another load gives another render id; a send cannot claim another rendering's text.
    assert load(client)["render_id"] != group["render_id"]
    changed = SDK_SEND.replace(b"ACME Ltd", b"Other Inc") % group["render_id"].encode()
    refused = client.post("/send", content=changed, headers=JSON)
    assert (refused.status_code, refused.json()["code"], refused.json()["field"]) == (
        400,
        "render_mismatch",
        "rnd",
    )
    unknown = client.post("/send", content=SDK_SEND % b"0123456789abcdef01234567", headers=JSON)
    assert (unknown.status_code, unknown.json()["code"]) == (400, "unknown_render")


@pytest.mark.parametrize(
    ("change", "check"),
    [
        (b'"sig":12345', lambda r: r["signer_id"] == "12345"),
        (b'"sig":"ann@example.com","gid":1', lambda r: r["group"] == 1),
        (b'"sig":"ann@example.com","rev":["rev-1"]', lambda r: r["connection_data"]["revision"] == ["rev-1"]),
    ],
)
def test_sdk_send_variants(client: TestClient, change: bytes, check: Any) -> None:
    body = SDK_SEND.replace(b',"rdid":"%s"', b"").replace(b'"sig":"ann@example.com"', change)
    assert all(check(r) for r in rows(client, client.post("/send", content=body, headers=JSON)))


def test_sdk_updated_and_ironclads_documented_minimum(client: TestClient) -> None:
    updated = (
        b'{"sid":"demo-site-access-id","tm":true,"sig":"ann@example.com","cus":{"title":"CTO"},'
        b'"et":"updated","_srv":true,"_lib":"pactsafe-activity-node","_libv":"2.0.0"}'
    )
    assert client.post("/send", content=updated, headers=JSON).status_code == 200
    # Ironclad's documented minimum: sid, sig, vid, et (no cid); its example carries server_side.
    minimum = json.dumps(
        {"sid": SID, "sig": "min@example.com", "vid": V2, "et": "agreed", "server_side": True}
    )
    stored = rows(client, client.post("/send", content=minimum, headers=JSON))
    assert [(r["contract"], r["version"]) for r in stored] == [(2, V2)]
    assert stored[0]["connection_data"] == {"server_side": True}


def test_client_side_send_records_the_connection(client: TestClient) -> None:
    stored = rows(
        client,
        client.get(f"/send?sid={SID}&sig=b%40example.com&et=agreed&vid={V1},{V2}&btz=-300", headers=JSON),
    )
    connection = stored[0]["connection_data"]
    assert connection["server_side"] is False and connection["remote_address"] == "testclient"
    assert connection["user_agent"] == "node-superagent/5.3.1" and connection["browser_timezone"] == -300


def test_unrecognized_parameters_are_kept_and_named(client: TestClient) -> None:
    body = json.dumps(
        {"sid": SID, "sig": "n@example.com", "et": "agreed", "cid": [1], "_newflag": {"a": [1]}}
    )
    sent = client.post("/send", content=body, headers=JSON)
    assert sent.json()["warnings"] == [
        "unrecognized parameter '_newflag' was kept verbatim with the activity"
    ]
    assert rows(client, sent)[0]["connection_data"]["unrecognized_parameters"] == {"_newflag": {"a": [1]}}


def test_sdk_latest_and_retrieve(client: TestClient) -> None:
    rows(client, client.post("/send", content=SDK_SEND.replace(b',"rdid":"%s"', b""), headers=JSON))
    latest = client.get(f"/latest?sid={SID}&sig=ann%40example.com&cid=1,2,3&et=latest&{SDK_SUFFIX}")
    assert latest.json() == {"1": True, "2": True, "3": False}
    repeated = client.get(
        f"/retrieve?sid={SID}&sig=ann%40example.com&cid=1&cid=2&cid=3&et=retrieve&{SDK_SUFFIX}"
    )
    assert repeated.json() == {"1": V1, "2": V2, "3": False}
    # The SDK's own sample server asks without contracts: every contract the signer accepted.
    assert client.get(f"/retrieve?sid={SID}&sig=ann%40example.com").json() == {"1": V1, "2": V2}
    assert client.get(f"/retrieve?sid={SID}&sig=nobody").json() == {}


def test_get_load_with_query_parameters(client: TestClient) -> None:
    rnd = quote(json.dumps({"CompanyName": "Q&A Ltd"}))
    group = client.get(f"/load?sid={SID}&gkey=checkout&rnd={rnd}&tm=true").json()
    assert group["key"] == "checkout" and group["render_data"] == {"CompanyName": "Q&A Ltd"}
    missing = client.get(f"/load?sid={SID}")
    assert (missing.status_code, missing.json()["field"]) == (400, "gkey")
    assert client.get(f"/load?sid={SID}&gkey=nope").json()["code"] == "unknown_group"


def test_merged_values_are_escaped_in_the_presented_html(client: TestClient) -> None:
    rnd = quote(json.dumps({"CompanyName": "<script>x</script>"}))
    group = client.get(f"/load?sid={SID}&gkey=signup&rnd={rnd}").json()
    assert "&lt;script&gt;x&lt;/script&gt;" in group["contract_data"]["1"]["html"]


def test_browsers_may_call_from_any_origin_without_credentials(client: TestClient) -> None:
    origin = {"Origin": "https://shop.example", "Access-Control-Request-Method": "POST"}
    for path in ("/send", "/load/json", "/latest", "/retrieve", "/load"):
        preflight = client.options(path, headers={**origin, "Access-Control-Request-Headers": "content-type"})
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == "*"
        assert "POST" in preflight.headers["access-control-allow-methods"]
        assert "access-control-allow-credentials" not in preflight.headers
    answer = client.get(f"/latest?sid={SID}&sig=a&cid=1", headers={"Origin": "https://shop.example"})
    assert answer.headers["access-control-allow-origin"] == "*"
    # The REST API (bearer tokens) answers no CORS.
    rest = client.get("/v1.1/contracts", headers={"Origin": "https://shop.example"})
    assert "access-control-allow-origin" not in rest.headers


def test_a_fault_on_the_activity_api_is_503_with_retry_after(client: TestClient, system: System) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("simulated fault")

    system.ingest.latest = broken  # type: ignore[method-assign]
    safe = TestClient(client.app, raise_server_exceptions=False)
    answer = safe.get(f"/latest?sid={SID}&sig=a&cid=1")
    assert answer.status_code == 503 and answer.headers["retry-after"] == "5"
    assert answer.json()["code"] == "temporarily_unavailable"


def test_a_site_with_allowed_origins_answers_them_and_refuses_others(
    client: TestClient, system: System
) -> None:
    system.tenants.set_allowed_origins(1, ("https://shop.example",))
    system.ingest.cache.clear()
    allowed = client.get(f"/latest?sid={SID}&sig=a&cid=1", headers={"Origin": "https://shop.example:443"})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://shop.example:443"
    assert allowed.headers["vary"] == "Origin"
    body = json.dumps({"sid": SID, "sig": "x@example.com", "et": "agreed", "cid": [1]})
    refused = client.post("/send", content=body, headers={**JSON, "Origin": "https://evil.example"})
    assert (refused.status_code, refused.json()["code"], refused.json()["field"]) == (
        403,
        "origin_not_allowed",
        "Origin",
    )
    # Nothing was recorded for the refused page; a server-side caller sends no Origin and is served.
    assert client.get(f"/retrieve?sid={SID}&sig=x%40example.com").json() == {}
    assert client.post("/send", content=body, headers=JSON).status_code == 200


def test_hostile_json_in_query_strings_is_a_clear_400(client: TestClient) -> None:
    for cus in ('{"a":1e400}', '{"a":NaN}', '{"a":"\\ud800"}', "[" * 5000, '{"a":1,"a":2}'):
        answer = client.get(
            "/send", params={"sid": SID, "sig": "h@example.com", "et": "agreed", "cid": "1", "cus": cus}
        )
        assert answer.status_code == 400, (cus[:20], answer.text)
        assert answer.json()["field"] == "cus"
    body = b'{"sid":"demo-site-access-id","sig":"h@example.com","et":"agreed","cid":[1],"cus":{"a":1e400}}'
    answer = client.post("/send", content=body, headers=JSON)
    assert answer.status_code == 400 and answer.json()["code"] == "invalid_json"
    assert client.get(f"/retrieve?sid={SID}&sig=h%40example.com").json() == {}
