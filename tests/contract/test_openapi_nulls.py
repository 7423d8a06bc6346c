"""The published document is OpenAPI 3.1: a value that may be null says so with JSON Schema's
`"null"` type (or anyOf), never OpenAPI 3.0's `nullable`, except inside a schema that comes from
the seed unchanged (api/seed_openapi.json, kept byte-compatible)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from clickproof.api.app import create_app
from clickproof.api.contract import SEED
from clickproof.api.openapi_params import or_null
from clickproof.bootstrap import build_system
from tests.conftest import make_settings


def canonical(node: Any) -> str:
    return json.dumps(node, sort_keys=True, separators=(",", ":"))


def seed_schemas(seed: dict[str, Any]) -> set[str]:
    """Every schema object of the seed (under a `schema` key or in components), canonical."""
    found: set[str] = set()

    def walk(node: Any, key: str | None) -> None:
        if isinstance(node, dict):
            if key == "schema":
                found.add(canonical(node))
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, None)

    walk(seed, None)
    for schema in seed.get("components", {}).get("schemas", {}).values():
        found.add(canonical(schema))
    return found


def nullable_places(document: dict[str, Any], exempt: set[str]) -> Iterator[str]:
    """Paths in `document` of every `nullable` key outside the exempt (seed) schemas."""

    def walk(node: Any, path: str) -> Iterator[str]:
        if isinstance(node, dict):
            if canonical(node) in exempt:
                return
            for k, v in node.items():
                if k == "nullable":
                    yield f"{path}/nullable"
                yield from walk(v, f"{path}/{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                yield from walk(v, f"{path}/{i}")

    yield from walk(document, "#")


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    home: Path = tmp_path_factory.mktemp("nulls") / "home"
    system = build_system(make_settings(home))
    try:
        with TestClient(create_app(system, background=False)) as client:
            answer = client.get("/openapi.json")
            assert answer.status_code == 200
            yield answer.json()
    finally:
        system.close()


def test_no_nullable_outside_the_seeds_schemas(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1")
    assert list(nullable_places(document, seed_schemas(SEED))) == []


def test_the_walk_finds_a_nullable_and_spares_the_seeds_schemas(document: dict[str, Any]) -> None:
    planted = json.loads(json.dumps(document))
    operation = planted["paths"]["/v1.1/webhooks"]["get"]
    operation["responses"]["200"]["content"]["application/json"]["schema"]["nullable"] = True
    seed_schema = {"type": "string", "nullable": True}
    planted["components"]["schemas"]["FromTheSeed"] = seed_schema
    places = list(nullable_places(planted, {canonical(seed_schema)}))
    assert places == ["#/paths//v1.1/webhooks/get/responses/200/content/application/json/schema/nullable"]


def test_nullable_values_name_null_in_their_type(document: dict[str, Any]) -> None:
    endpoint = document["paths"]["/v1.1/webhooks/{id}"]["get"]["responses"]["200"]
    properties = endpoint["content"]["application/json"]["schema"]["properties"]
    assert properties["disabled_reason"]["type"] == ["string", "null"]


def test_or_null_widens_one_type_and_keeps_other_schemas_whole() -> None:
    assert or_null({"type": "string", "format": "date-time"}) == {
        "type": ["string", "null"],
        "format": "date-time",
    }
    assert or_null({"type": "string", "enum": ["a"]}) == {"type": ["string", "null"], "enum": ["a", None]}
    seed_like = {"$ref": "#/components/schemas/Job"}
    assert or_null(seed_like) == {"anyOf": [seed_like, {"type": "null"}]}
