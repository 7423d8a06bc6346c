"""Hostile values in bodies, query strings and paths are a 400 naming the field, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import wait_for_job

EVIDENCE = "/v1.1/extract/evidence"
START = "2026-11-20T00:00:00Z"


def error(response: Any, status: int, code: str, field: str | None) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert (body["code"], body["field"]) == (code, field), body
    message: str = body["error"]
    return message


def post_text(client: TestClient, path: str, text: str) -> Any:
    return client.post(path, content=text.encode(), headers={"Content-Type": "application/json"})


@pytest.mark.parametrize(
    "text",
    [
        '{"start_date": "' + START + '", "standard_all": 1e400}',
        '{"start_date": "' + START + '", "filter": {"custom_data.n": NaN}}',
        '{"start_date": "' + START + '", "n": ' + "9" * 5000 + "}",
        "[" * 5000,
    ],
)
def test_hostile_export_bodies_are_invalid_json(client: TestClient, text: str) -> None:
    message = error(post_text(client, EVIDENCE, text), 400, "invalid_json", None)
    assert "set_int_max_str_digits" not in message
    assert client.get(EVIDENCE).status_code == 200


@pytest.mark.parametrize(
    ("text", "pointer"),
    [
        ('{"start_date": "' + START + '", "select": {"custom": ["\\udfff"]}}', "/select/custom/0"),
        ('{"start_date": "\\ud800"}', "/start_date"),
        ('{"start_date": "' + START + '", "filter": {"a\\ud800": 1}}', "/filter/a\\ud800"),
    ],
)
def test_lone_surrogates_in_bodies_name_their_place(client: TestClient, text: str, pointer: str) -> None:
    before = len(client.get(EVIDENCE).json()["data"])
    error(post_text(client, EVIDENCE, text), 400, "invalid_json", pointer)
    assert len(client.get(EVIDENCE).json()["data"]) == before  # never stored


@pytest.mark.parametrize("path", ["/v1.1/contracts", "/v1.1/signers", "/v1.1/groups"])
def test_lone_surrogates_in_catalog_bodies_are_refused(client: TestClient, path: str) -> None:
    response = post_text(client, path, '{"name": "\\ud800"}')
    error(response, 400, "invalid_json", "/name")


@pytest.mark.parametrize(
    "raw", ["[" * 5000, '{"custom_data.n": 1e400}', '{"custom_data.n": NaN}', '{"a": "\\ud800"}']
)
def test_activity_filter_in_the_query_string_is_strict(client: TestClient, raw: str) -> None:
    error(client.get("/v1.1/activity", params={"filter": raw}), 400, "invalid_filter", "filter")


@pytest.mark.parametrize("value", ["\u00b2", "\u2460", "\u0661", "\uff11", "1" * 13, "-1", "1.0"])
@pytest.mark.parametrize("name", ["page", "per_page"])
def test_page_parameters_take_ascii_digits_only(client: TestClient, name: str, value: str) -> None:
    for path in (EVIDENCE, "/v1.1/activity"):
        error(client.get(path, params={name: value}), 400, "invalid_parameter", name)


@pytest.mark.parametrize("value", ["\u00b2", "\u0661", "\uff11", "9" * 11])
def test_site_path_parameters_take_ascii_digits_only(client: TestClient, value: str) -> None:
    error(client.get(f"/v1.1/sites/{value}/exportFields"), 400, "invalid_parameter", "site_id")
    error(client.get(f"/v1.1/sites/{value}/evidence-key"), 400, "invalid_parameter", "site_id")


@pytest.mark.parametrize("value", ["\u00b2", "\u0661", "\uff11", "abc"])
def test_catalog_ids_take_ascii_digits_only(client: TestClient, value: str) -> None:
    error(client.get(f"/v1.1/contracts/{value}"), 400, "invalid_parameter", "id")


def test_download_link_with_hostile_numbers_is_refused(client: TestClient) -> None:
    job = client.post(EVIDENCE, json={"start_date": START}).json()
    base = f"{EVIDENCE}/{job['id']}/files/evidence.csv"
    for query in (
        {"tid": "\u00b2", "expires": "1", "sig": "x"},
        {"tid": "1", "expires": "9" * 5000, "sig": "x"},
    ):
        response = client.get(base, params=query, headers={"Authorization": ""})
        assert 400 <= response.status_code < 500, response.text
        assert json.loads(response.text)["code"] == "invalid_link"


@pytest.mark.parametrize("name", ["a\u0000", "\u0000"])
@pytest.mark.parametrize("family", ["custom", "render"])
def test_select_names_the_worker_cannot_use_are_refused_at_creation(
    client: TestClient, family: str, name: str
) -> None:
    before = len(client.get(EVIDENCE).json()["data"])
    body = {"start_date": START, "select": {family: [name]}}
    error(client.post(EVIDENCE, json=body), 400, "invalid_select", f"select.{family}[0]")
    assert len(client.get(EVIDENCE).json()["data"]) == before  # nothing stored


@pytest.mark.parametrize(
    "doc", [{"custom_data.n": 1e20}, {"custom_data.n": {"$lt": 1e19}}, {"version_number": -1e19}]
)
def test_numbers_beyond_64_bits_are_accepted_and_run(client: TestClient, doc: dict[str, Any]) -> None:
    response = client.post(EVIDENCE, json={"start_date": START, "filter": doc})
    assert response.status_code == 201, response.text
    assert wait_for_job(client, response.json()["id"])["status"] == "success"


@pytest.mark.parametrize(
    "doc",
    [
        {"version_number": {"$gt": -9223372036854775808}},
        {"custom_data.n": 9223372036854775807},
        {"custom_data.vip": {"$exists": 1}},
        {"custom_data.vip": {"$exists": 0}},
        {"custom_data.vip": {"$exists": None}},
        {"custom_data.vip": {"$exists": "yes"}},
    ],
)
def test_filters_mongodb_accepts_are_accepted(client: TestClient, doc: dict[str, Any]) -> None:
    assert client.get("/v1.1/activity", params={"filter": json.dumps(doc)}).status_code == 200
    assert client.post(EVIDENCE, json={"start_date": START, "filter": doc}).status_code == 201


def test_exists_with_a_number_means_what_a_boolean_means(client: TestClient) -> None:
    def count(value: object) -> int:
        doc = json.dumps({"custom_data.vip": {"$exists": value}})
        listing = client.get("/v1.1/activity", params={"filter": doc, "per_page": 100}).json()
        return int(listing["count"]) if "count" in listing else len(listing["data"])

    assert count(1) == count(True)
    assert count(0) == count(False) == count(None)
