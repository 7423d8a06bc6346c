"""The query language through the API: field catalogue, injection corpus, legacy strings, sort."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from clickproof.bootstrap import System
from clickproof.domain.fields import CONNECTION_KEYS, RELATED_FIELDS, STANDARD_NAMES
from clickproof.domain.timestamps import utc_now
from clickproof.services.demo_data import DemoResult
from tests.conftest import download, wait_for_job

EVIDENCE = "/v1.1/extract/evidence"
START = (utc_now() - timedelta(days=100)).isoformat()
FILTER_CODES = {"invalid_filter", "unknown_filter_field", "unknown_filter_operator", "invalid_json"}


def post_ascii(client: TestClient, body: dict[str, Any]) -> Any:
    """POST with \\u escapes, so that NUL and lone surrogates reach the server as JSON allows."""
    return client.post(EVIDENCE, content=json.dumps(body), headers={"Content-Type": "application/json"})


def export_rows(client: TestClient, body: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, str]]]:
    created = client.post(EVIDENCE, json=body)
    assert created.status_code == 201, created.text
    job = wait_for_job(client, created.json()["id"])
    assert job["status"] == "success", job["message"]
    urls = client.get(f"{EVIDENCE}/{job['id']}/urls").json()
    data = download(client, urls["presignedUrls"][0])
    return job, list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def test_field_catalogue_lists_every_family(client: TestClient, demo: DemoResult) -> None:
    response = client.get(f"/v1.1/sites/{demo.site_id}/exportFields")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["site"] == demo.site_id and body["count"] == len(body["data"])
    by_path = {f["path"]: f for f in body["data"]}
    for name in STANDARD_NAMES:
        assert by_path[name]["family"] == "standard" and by_path[name]["selectable"]
    for related in RELATED_FIELDS:
        entry = by_path[related.name]
        assert entry["family"] == "related" and entry["filterable"] and not entry["selectable"]
    for key in CONNECTION_KEYS:
        assert by_path[f"connection_data.{key}"]["selectable"]
    for key in ("first_name", "vip", "seats", "note"):
        assert by_path[f"custom_data.{key}"]["family"] == "custom"
    for key in ("CompanyName", "plan", "price"):
        assert by_path[f"render_data.{key}"]["type"] == "json"
    assert by_path["version_number"]["type"] == "integer"
    assert "$in" in by_path["created_time"]["operators"] and "$regex" not in body["operators"]
    assert body["limits"]["filter_depth"] == 8


def test_field_catalogue_checks_the_site(client: TestClient, demo: DemoResult) -> None:
    assert client.get(f"/v1.1/sites/{demo.site_id + 100}/exportFields").json()["code"] == "site_forbidden"
    assert client.get("/v1.1/sites/abc/exportFields").json()["code"] == "invalid_parameter"
    no_token = client.get(f"/v1.1/sites/{demo.site_id}/exportFields", headers={"Authorization": ""})
    assert no_token.status_code == 401


INJECTION_KEYS = [
    'contract._id"; DROP TABLE activities;--',
    "' OR 1=1--",
    "$where",
    "$expr",
    "$function",
    "__proto__",
    "signer_id\u0000",
    "ѕigner_id",  # Cyrillic dze: a homoglyph of s
    "a.$gt",
    "custom_data.$gt",
    "custom_data.a\u0000b",
    "custom_data." + "k" * 257,
    "contract.body",
    "version.merge_fields",
    "activities.id",
]
INJECTION_VALUES = [
    {"$where": "sleep(1)"},
    {"$regex": "^(a+)+$"},
    {"$expr": {"$eq": [1, 1]}},
    {"$function": {"body": "1"}},
    {"$ne": {"$gt": ""}},
    "\u0000",
    "a\ud800",
    ["' OR 1=1--"],
    {"nested": "object"},
    {"$in": "not an array"},
    {"$not": "' OR 1=1--"},
    "x" * 1025,
]


@pytest.mark.parametrize("key", INJECTION_KEYS)
def test_injection_in_keys_is_400_with_pointer(client: TestClient, key: str) -> None:
    response = post_ascii(client, {"start_date": START, "filter": {"and": [{key: 1}]}})
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] in FILTER_CODES | {"filter_too_large"}
    assert body["field"].startswith("/filter/and/0")
    if body["code"] == "unknown_filter_operator":
        assert "$gte" in body["error"] and "$nin" in body["error"]


@pytest.mark.parametrize("value", INJECTION_VALUES)
def test_injection_in_values_is_400_with_pointer(client: TestClient, value: Any) -> None:
    response = post_ascii(client, {"start_date": START, "filter": {"signer_id": value}})
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] in FILTER_CODES | {"filter_too_large", "invalid_json"}  # invalid_json: lone surrogate
    assert body["field"].startswith("/filter/signer_id")
    assert body["errors"][0]["field"] == body["field"]


@pytest.fixture
def statements(system: System) -> Iterator[list[tuple[str, Any]]]:
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        captured.append((statement, parameters))

    event.listen(system.engine, "before_cursor_execute", capture)
    yield captured
    event.remove(system.engine, "before_cursor_execute", capture)


def test_hostile_values_reach_sql_only_as_parameters(
    client: TestClient, statements: list[tuple[str, Any]]
) -> None:
    hostile = "x'); DROP TABLE activities; --"
    body = {
        "start_date": START,
        "filter": {
            "signer_id": hostile,
            f"custom_data.{hostile}": {"$ne": hostile},
            'custom_data.q"); DROP TABLE activities; --': {"$exists": True},
            "contract.title": {"$in": [hostile]},
            "or": [{"render_data.plan": hostile}, {"connection_data.page_title": {"$gt": hostile}}],
        },
        "sort": f"-custom_data.{hostile},contract.title",
    }
    job, rows = export_rows(client, body)
    assert rows == []
    counts = [(s, p) for s, p in statements if "count(" in s.lower() and "activities" in s]
    assert counts, "the count query ran through the engine"
    for statement, parameters in counts:
        assert "DROP" not in statement
        assert hostile in repr(parameters)
    assert "DROP TABLE" in job["data"]["filter_description"]  # quoted as a value, for people


def test_legacy_string_filter_equals_its_object_form(client: TestClient) -> None:
    legacy = "contract._id==1 and version_number>=2 and event_type==agreed"
    mongo = {"contract": {"_id": 1}, "version_number": {"$gte": 2}, "event_type": "agreed"}
    job_a, rows_a = export_rows(client, {"start_date": START, "filter": legacy})
    job_b, rows_b = export_rows(client, {"start_date": START, "filter": mongo})
    assert rows_a == rows_b and rows_a
    assert job_a["data"]["filter"] == legacy
    assert job_a["data"]["filter_description"] == job_b["data"]["filter_description"]
    assert job_a["data"]["filter_description"] == (
        'contract id is 1 and version number is at least 2 and event type is "agreed"'
    )


def test_related_attribute_filter_and_description(client: TestClient) -> None:
    job, rows = export_rows(
        client,
        {
            "start_date": START,
            "filter": {"contract": {"title": "Privacy Policy"}, "version.status": "published"},
        },
    )
    assert rows and {r["contract"] for r in rows} == {rows[0]["contract"]}
    assert job["data"]["filter_description"] == (
        'contract title is "Privacy Policy" and version status is "published"'
    )


def test_sort_on_a_custom_key_then_related_field(client: TestClient) -> None:
    job, rows = export_rows(
        client,
        {"start_date": START, "sort": "-custom_data.seats,contract.title", "select": {"custom": ["seats"]}},
    )
    assert job["data"]["sort"] == "-custom_data.seats,contract.title,id"
    seats = [int(r["custom_data.seats"]) for r in rows]
    assert seats == sorted(seats, reverse=True)


def test_legacy_filter_errors_are_400(client: TestClient) -> None:
    for bad in ("event_type", "version_number==abc", "nope==1", "event_type==agreed and", "x" * 8193):
        response = client.post(EVIDENCE, json={"start_date": START, "filter": bad})
        assert response.status_code == 400, bad
        assert response.json()["field"] == "/filter"
