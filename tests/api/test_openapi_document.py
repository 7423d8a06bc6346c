"""The published /openapi.json is a valid, complete OpenAPI 3.1 document for whatever routes exist:
validated with openapi-spec-validator, then each operation checked against what the route does
(its path parameters, its body, its security, its bounds, its Idempotency-Key)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openapi_spec_validator import OpenAPIV31SpecValidator

METHODS = ("get", "put", "post", "delete", "patch")
DUMMY = {"integer": "1", "string": "000000000000000000000000"}


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, item[method])
        for path, item in spec["paths"].items()
        for method in METHODS
        if method in item
    ]


def concrete(path: str, operation: dict[str, Any]) -> str:
    """The path with each template parameter filled with a value of its declared type."""
    for p in operation.get("parameters", []):
        if p["in"] == "path":
            path = path.replace("{" + p["name"] + "}", DUMMY[p["schema"]["type"]])
    return path


@pytest.fixture
def spec(client: TestClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def test_the_document_is_valid_openapi_3_1(spec: dict[str, Any]) -> None:
    assert spec["openapi"] == "3.1.0"
    errors = [f"{list(e.path)}: {e.message[:200]}" for e in OpenAPIV31SpecValidator(spec).iter_errors()]
    assert errors == []


def test_the_validator_rejects_an_undeclared_path_parameter(spec: dict[str, Any]) -> None:
    broken = {**spec, "paths": {"/x/{id}": {"get": {"responses": {"200": {"description": "OK"}}}}}}
    assert list(OpenAPIV31SpecValidator(broken).iter_errors())


def test_every_operation_declares_its_path_parameters_and_bounds(spec: dict[str, Any]) -> None:
    for path, method, operation in operations(spec):
        declared = {p["name"]: p for p in operation.get("parameters", [])}
        for name in re.findall(r"\{([^}]+)\}", path):
            assert name in declared, f"{method} {path} does not declare {name}"
            assert declared[name]["in"] == "path" and declared[name]["required"] is True
        for p in declared.values():
            schema = p["schema"]
            if schema.get("type") == "integer":
                assert "minimum" in schema and "maximum" in schema, f"{method} {path}: {p['name']} unbounded"


def test_every_error_answer_has_the_error_schema(spec: dict[str, Any]) -> None:
    for path, method, operation in operations(spec):
        for code, answer in operation["responses"].items():
            if code.startswith(("4", "5")):
                schema = answer["content"]["application/json"]["schema"]
                assert {"error", "code", "field"} <= set(schema["properties"]), f"{method} {path} {code}"
        if "503" in operation["responses"]:
            assert "Retry-After" in operation["responses"]["503"]["headers"]


def test_security_is_what_the_route_enforces(client: TestClient, spec: dict[str, Any]) -> None:
    """A route with the Bearer requirement answers 401 without a token; a public one does not."""
    public = []
    for path, method, operation in operations(spec):
        response = client.request(method.upper(), concrete(path, operation), headers={"Authorization": ""})
        if operation.get("security") == []:
            public.append(path)
            assert response.status_code != 401, (
                f"{method} {path} is public in the document but asked for a token"
            )
        else:
            assert response.status_code == 401, f"{method} {path}: {response.status_code} without a token"
            assert "401" in operation["responses"]
    assert {"/send", "/load", "/load/json", "/latest", "/retrieve", "/health"} <= set(public)
    assert "/v1.1/extract/evidence/{id}/files/{name}" in public


def test_a_post_without_a_declared_body_needs_none(client: TestClient, spec: dict[str, Any]) -> None:
    for path, method, operation in operations(spec):
        if method in ("post", "put", "patch") and "requestBody" not in operation:
            response = client.request(method.upper(), concrete(path, operation))
            assert response.status_code != 415, f"{method} {path} reads a body it does not declare"
            assert response.json().get("code") not in ("invalid_json", "invalid_body"), f"{method} {path}"


def test_idempotency_key_is_declared_where_it_is_honoured(client: TestClient, spec: dict[str, Any]) -> None:
    """A route that checks the header's shape honours it: then its operation declares it."""
    honoured = []
    for path, method, operation in operations(spec):
        if method != "post":
            continue
        media = next(iter(operation.get("requestBody", {}).get("content", {"application/json": {}})))
        response = client.post(
            concrete(path, operation),
            content=b'{"sid": "x", "et": "displayed", "gkey": "g"}',
            headers={"Idempotency-Key": "not a valid key", "Content-Type": media},
        )
        headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        if response.json().get("field") == "Idempotency-Key":
            honoured.append(path)
            assert "Idempotency-Key" in headers, (
                f"POST {path} honours Idempotency-Key but does not declare it"
            )
    assert {"/send", "/v1.1/extract/evidence", "/v1.1/activity/import"} <= set(honoured)


def test_the_download_route_declares_its_link_and_binary_answer(spec: dict[str, Any]) -> None:
    operation = spec["paths"]["/v1.1/extract/evidence/{id}/files/{name}"]["get"]
    query = {p["name"] for p in operation["parameters"] if p["in"] == "query"}
    assert query == {"tid", "expires", "signature"}
    assert operation["responses"]["200"]["content"]["text/csv"]["schema"]["format"] == "binary"
    urls = spec["paths"]["/v1.1/extract/evidence/{id}/urls"]["get"]["responses"]["200"]
    assert "Links-Expire-In" in urls["headers"]
