"""Erasing a signer takes the keys only that signer brought out of the site's field catalogue:
a key flood is undone by erasing the flooder; keys other activities hold stay."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from clickproof.bootstrap import System
from clickproof.services.demo_data import DEMO_SITE_ACCESS_ID

FLOODER = "flood@example.com"


def send(
    client: TestClient, signer: str, cus: dict[str, object], cd: dict[str, object] | None = None
) -> None:
    body: dict[str, object] = {
        "sid": DEMO_SITE_ACCESS_ID,
        "sig": signer,
        "et": "agreed",
        "cid": [1],
        "cus": cus,
    }
    if cd is not None:
        body["rnd"] = cd
    answer = client.post("/send", content=json.dumps(body), headers={"Content-Type": "application/json"})
    assert answer.status_code == 200, answer.text


def catalogue(client: TestClient, family: str) -> set[str]:
    fields = client.get("/v1.1/sites/1/exportFields").json()["data"]
    return {f["name"] for f in fields if f["family"] == family}


def kinds(system: System, family: str, key: str) -> frozenset[str]:
    from clickproof.domain.fields import Family

    return system.activities.family_kinds(1).get((Family(family), key), frozenset())


def erase(client: TestClient, signer: str) -> None:
    answer = client.post("/v1.1/erasures", json={"signer_id": signer, "reason": "privacy request 12"})
    assert answer.status_code == 201, answer.text


def test_erasing_the_flooder_removes_only_its_keys(client: TestClient, system: System) -> None:
    before = catalogue(client, "custom")
    flood = {f"flood_{i}": i for i in range(40)}
    send(client, FLOODER, {**flood, "shared": "text"}, {"flood_plan": "x"})
    send(client, FLOODER, {"flood_more": True})
    send(client, "other@example.com", {"shared": 7})
    assert catalogue(client, "custom") == before | set(flood) | {"shared", "flood_more"}
    assert kinds(system, "custom", "shared") == {"string", "number"}
    assert "flood_plan" in catalogue(client, "render")

    erase(client, FLOODER)

    assert catalogue(client, "custom") == before | {"shared"}
    assert "flood_plan" not in catalogue(client, "render")
    assert kinds(system, "custom", "shared") == {"number"}  # the erased text value took its kind
    assert kinds(system, "custom", "flood_3") == frozenset()
    export = client.post(
        "/v1.1/extract/evidence", json={"start_date": "2026-01-01T00:00:00Z", "custom_all": True}
    )
    assert export.status_code == 201, export.text


def test_a_key_erased_from_the_catalogue_comes_back_with_the_next_activity_that_has_it(
    client: TestClient, system: System
) -> None:
    send(client, FLOODER, {"comeback": 1})
    send(client, FLOODER, {"comeback": 2})  # known to this process now: no catalogue write
    erase(client, FLOODER)
    assert "comeback" not in catalogue(client, "custom")
    send(client, "new@example.com", {"comeback": "again"})
    assert "comeback" in catalogue(client, "custom")
    assert kinds(system, "custom", "comeback") == {"string"}


def test_erasing_a_signer_who_brought_no_new_keys_keeps_the_catalogue(client: TestClient) -> None:
    before = catalogue(client, "custom")
    send(client, "quiet@example.com", {})
    erase(client, "quiet@example.com")
    assert catalogue(client, "custom") == before
