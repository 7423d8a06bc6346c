"""Property: every export request the API accepts (201) ends `success` — generated select names,
filters and sorts, through the real app and the real workers, on SQLite and PostgreSQL. A request
that cannot run must be refused at the door (4xx naming the field), never failed by the worker."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from clickproof.domain.fields import STANDARD_NAMES
from clickproof.domain.timestamps import utc_now
from tests.conftest import wait_for_job
from tests.integration.test_query_differential import filters

EVIDENCE = "/v1.1/extract/evidence"
START = (utc_now() - timedelta(days=100)).isoformat()

# Names as a tenant may write them: control characters, backslashes, quotes, dots, brackets,
# `$`, non-BMP characters, lone surrogates (sent escaped, as JSON allows).
names = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("\\\"'.[]$ \t\n\r\x00\x01\x1f\x7fé😀\u202e\ud800")),
        st.characters(codec="utf-8"),
    ),
    max_size=12,
) | st.sampled_from(["seats", "vip", "first_name", "note", "CompanyName", "plan", "k" * 256, "k" * 257])
numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([-(2**63), 2**63 - 1, 2**63, 1e19, 1e20, -1e300, 2.5, 0.6, 10**400]),
)
scalars = st.one_of(
    st.none(), st.booleans(), numbers, names, st.sampled_from(["2026-01-01", "2026-11-20t00:00z"])
)
fields = st.one_of(
    st.sampled_from([*STANDARD_NAMES, "contract._id", "contract.title", "version.published_time"]),
    st.builds(
        lambda family, key: f"{family}.{key}",
        st.sampled_from(["custom_data", "render_data", "connection_data"]),
        names,
    ),
)


@st.composite
def generated_filters(draw: st.DrawFn) -> Any:
    if draw(st.booleans()):
        return draw(filters)
    field = draw(fields)
    shape = draw(st.sampled_from(["eq", "op", "in", "exists"]))
    if shape == "eq":
        return {field: draw(scalars)}
    if shape == "in":
        return {field: {draw(st.sampled_from(["$in", "$nin"])): draw(st.lists(scalars, max_size=5))}}
    if shape == "exists":
        return {field: {"$exists": draw(scalars)}}
    return {field: {draw(st.sampled_from(["$gt", "$gte", "$lt", "$lte", "$ne"])): draw(scalars)}}


bodies = st.fixed_dictionaries(
    {"start_date": st.just(START)},
    optional={
        "select": st.fixed_dictionaries(
            {},
            optional={
                "standard": st.lists(st.sampled_from(STANDARD_NAMES), max_size=4),
                "custom": st.lists(names, max_size=3),
                "render": st.lists(names, max_size=3),
            },
        ),
        "filter": generated_filters(),
        "sort": st.lists(fields, min_size=1, max_size=2).map(",".join),
        "custom_all": st.booleans(),
    },
)


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=bodies)
def test_every_accepted_export_succeeds(client: TestClient, body: dict[str, Any]) -> None:
    response = client.post(EVIDENCE, content=json.dumps(body), headers={"Content-Type": "application/json"})
    assert response.status_code in (201, 400, 413), response.text
    event(f"status {response.status_code}")
    if response.status_code != 201:
        error = response.json()
        assert error["code"] and error["error"], error
        return
    job = wait_for_job(client, response.json()["id"], timeout=120)
    assert job["status"] == "success", (body, job["message"])
