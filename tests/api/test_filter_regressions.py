"""Filters that once meant something else than in MongoDB, through the query API and through an
export run by the real worker, on SQLite and PostgreSQL: both must find the same rows."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from clickproof.bootstrap import System
from clickproof.domain.activity import Activity
from clickproof.domain.object_id import new_object_id
from clickproof.domain.timestamps import utc_now
from clickproof.services.demo_data import DemoResult
from clickproof.store.tables import activities
from tests.conftest import download, wait_for_job

EVIDENCE = "/v1.1/extract/evidence"
START = (utc_now() - timedelta(days=100)).isoformat()


def add_activity(system: System, demo: DemoResult, **changes: Any) -> str:
    """A copy of one demo activity with a new id and the given fields, appended to the chain."""
    with system.engine.connect() as conn:
        row = (
            conn.execute(select(activities).where(activities.c.site_id == demo.site_id).limit(1))
            .one()
            ._asdict()
        )
    base = Activity(**{k: row[k] for k in Activity.__dataclass_fields__ if k in row})
    activity = replace(base, id=new_object_id(), created_time=utc_now() - timedelta(hours=1), **changes)
    with system.engine.begin() as conn:
        system.activities.insert_many(conn, [activity])
    return activity.id


def listed_ids(client: TestClient, filter_doc: Any) -> set[str]:
    """Every id GET /v1.1/activity answers for the filter, page by page."""
    ids: set[str] = set()
    page = 1
    while True:
        params: dict[str, Any] = {"per_page": 100, "page": page}
        if filter_doc is not None:
            params["filter"] = json.dumps(filter_doc)
        response = client.get("/v1.1/activity", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        ids |= {item["id"] for item in body["data"]}
        if not body["has_more"]:
            assert len(ids) == body["total_count"]
            return ids
        page += 1


def exported(client: TestClient, body: dict[str, Any]) -> tuple[bytes, list[dict[str, str]]]:
    created = client.post(EVIDENCE, json={"start_date": START, **body})
    assert created.status_code == 201, created.text
    job = wait_for_job(client, created.json()["id"])
    assert job["status"] == "success", job["message"]
    data = download(client, client.get(f"{EVIDENCE}/{job['id']}/urls").json()["presignedUrls"][0])
    return data, list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def both_ids(client: TestClient, filter_doc: Any) -> set[str]:
    """The ids the query API and an export find; they must agree."""
    body: dict[str, Any] = {"select": {"standard": ["id"]}}
    if filter_doc is not None:  # no filter: omitted, as null is refused on the seed's typed fields
        body["filter"] = filter_doc
    _data, rows = exported(client, body)
    from_export = {r["id"] for r in rows}
    assert listed_ids(client, filter_doc) == from_export, filter_doc
    return from_export


@pytest.mark.parametrize("key", ["back\\slash", "t\tab", "n\nl", "a.b[0]", "ünï", 'q"q', 'a."b'])
def test_keys_with_backslash_tab_or_newline_are_found_and_exported(
    client: TestClient, system: System, demo: DemoResult, key: str
) -> None:
    marked = add_activity(system, demo, custom_data={key: 1})
    everyone = both_ids(client, None)
    field = f"custom_data.{key}"
    assert both_ids(client, {field: 1}) == {marked}
    assert both_ids(client, {field: {"$exists": True}}) == {marked}
    assert both_ids(client, {field: {"$exists": False}}) == everyone - {marked}
    assert both_ids(client, {field: {"$ne": 1}}) == everyone - {marked}
    assert both_ids(client, {field: {"$nin": [1, 2]}}) == everyone - {marked}
    _data, rows = exported(client, {"select": {"custom": [key]}})
    assert {r["id"]: r[field] for r in rows if r[field]} == {marked: "1"}


def test_fractional_numbers_compare_with_integer_fields_unrounded(client: TestClient) -> None:
    _data, rows = exported(client, {"select": {"standard": ["id", "version_number", "account"]}})
    numbers = {r["id"]: int(r["version_number"]) for r in rows}
    assert {2, 3} <= set(numbers.values())
    cases: list[tuple[dict[str, Any], set[str]]] = [
        ({"version_number": {"$gt": 1.5}}, {i for i, n in numbers.items() if n > 1.5}),
        ({"version_number": {"$lt": 2.5}}, {i for i, n in numbers.items() if n < 2.5}),
        ({"version_number": {"$gte": 2.0}}, {i for i, n in numbers.items() if n >= 2}),
        ({"version_number": 2.5}, set()),
        ({"version_number": 2.0}, {i for i, n in numbers.items() if n == 2}),
        ({"version_number": {"$in": [2.5, 3.0]}}, {i for i, n in numbers.items() if n == 3}),
        ({"version_number": {"$nin": [2.5]}}, set(numbers)),
        ({"account": 0.6}, set()),
    ]
    for filter_doc, expected in cases:
        assert both_ids(client, filter_doc) == expected, filter_doc


def test_numbers_beyond_64_bits_compare_as_numbers(
    client: TestClient, system: System, demo: DemoResult
) -> None:
    huge = add_activity(system, demo, custom_data={"n": 1e20})
    small = add_activity(system, demo, custom_data={"n": 5})
    wider = add_activity(system, demo, custom_data={"n": 2**70})
    everyone = both_ids(client, None)
    assert both_ids(client, {"custom_data.n": 1e20}) == {huge}
    assert both_ids(client, {"custom_data.n": 100000000000000000000}) == {huge}
    assert both_ids(client, {"custom_data.n": {"$lt": 1e19}}) == {small}
    assert both_ids(client, {"custom_data.n": {"$gt": 1e21}}) == {wider}
    assert both_ids(client, {"custom_data.n": {"$in": [2**70, -1e300]}}) == {wider}
    assert both_ids(client, {"version_number": {"$lt": 1e19}}) == everyone
    assert both_ids(client, {"version_number": {"$gt": -(2**64)}}) == everyone
    assert both_ids(client, {"version_number": 2**64}) == set()
    assert both_ids(client, {"version_number": {"$in": [2**64, 1e300]}}) == set()
    too_big = client.post(EVIDENCE, json={"start_date": START, "filter": {"custom_data.n": 10**400}})
    assert too_big.status_code == 400 and too_big.json()["field"] == "/filter/custom_data.n"


@pytest.mark.parametrize("operator", ["$in", "$nin"])
def test_in_takes_the_documented_thousand_values_on_a_json_key(client: TestClient, operator: str) -> None:
    _data, rows = exported(client, {"select": {"custom": ["seats"]}})
    seats = {r["id"]: r["custom_data.seats"] for r in rows}
    values: list[Any] = [*range(0, 1000, 2)] + [str(n) for n in range(500)]
    assert len(values) == 1000
    inside = {i for i, s in seats.items() if s and int(s) % 2 == 0 and int(s) < 1000}
    expected = inside if operator == "$in" else set(seats) - inside
    assert both_ids(client, {"custom_data.seats": {operator: values}}) == expected


@pytest.mark.parametrize(
    "filter_doc",
    [
        {"version_number": {"$gt": -9223372036854775808}},
        {"custom_data.seats": {"$gte": -9223372036854775808}},
        {"custom_data.seats": {"$exists": 1}},
        {"created_time": {"$gte": "2020-01-01t00:00:00z"}},
    ],
)
def test_mongodb_spellings_are_accepted(client: TestClient, filter_doc: dict[str, Any]) -> None:
    everyone = both_ids(client, None)
    assert both_ids(client, filter_doc) == everyone


def test_json_numbers_export_unquoted_and_text_quoted(
    client: TestClient, system: System, demo: DemoResult
) -> None:
    number = add_activity(system, demo, custom_data={"mixed": 5, "only": -2.5})
    text = add_activity(system, demo, custom_data={"mixed": "5", "only": 7})
    data, _rows = exported(
        client,
        {"filter": {"id": {"$in": [number, text]}}, "sort": "id", "select": {"custom": ["mixed", "only"]}},
    )
    lines = dict(line.split(",", 1) for line in data.decode().split("\r\n")[1:] if line)
    assert lines[f'"{number}"'].endswith(",5,-2.5")
    assert lines[f'"{text}"'].endswith(',"5",7')


def test_a_quoted_key_holding_text_or_an_array_is_compared_as_mongodb_does(
    client: TestClient, system: System, demo: DemoResult
) -> None:
    """SQLite reads keys with a double quote through json_each; a text value there is SQL text,
    never handed to json_each as JSON (it was: "malformed JSON")."""
    text = add_activity(system, demo, render_data={'q"q': "a"})
    array = add_activity(system, demo, render_data={'q"q': ["a", None]})
    null = add_activity(system, demo, render_data={'q"q': None})
    everyone = both_ids(client, None)
    assert both_ids(client, {'render_data.q"q': {"$ne": None}}) == {text}
    assert both_ids(client, {'render_data.q"q': "a"}) == {text, array}
    assert both_ids(client, {'render_data.q"q': None}) == everyone - {text}
    assert both_ids(client, {'render_data.q"q': {"$exists": True}}) == {text, array, null}
