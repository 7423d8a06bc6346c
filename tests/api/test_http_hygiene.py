"""Protocol hygiene: Allow on 405, HEAD on GET routes, compressed bodies refused with 415."""

from __future__ import annotations

import asyncio
import gzip
import json
import logging

import pytest
from fastapi.testclient import TestClient
from starlette.types import Message

EVIDENCE = "/v1.1/extract/evidence"
START = "2026-11-20T00:00:00Z"


def test_405_names_the_allowed_methods(client: TestClient) -> None:
    response = client.delete(EVIDENCE)
    assert response.status_code == 405
    allowed = {m.strip() for m in response.headers["allow"].split(",")}
    assert {"GET", "POST"} <= allowed
    assert response.json()["code"] == "method_not_allowed"


@pytest.mark.parametrize("path", ["/health", EVIDENCE, "/v1.1/activity"])
def test_head_answers_as_get_without_a_body(client: TestClient, path: str) -> None:
    get = client.get(path)
    head = client.head(path)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]


@pytest.mark.parametrize("encoding", ["gzip", "br", "deflate, gzip"])
def test_compressed_request_bodies_are_refused(client: TestClient, encoding: str) -> None:
    raw = json.dumps({"start_date": START}).encode()
    content = gzip.compress(raw) if encoding == "gzip" else raw
    response = client.post(
        EVIDENCE,
        content=content,
        headers={"Content-Type": "application/json", "Content-Encoding": encoding},
    )
    assert response.status_code == 415, response.text
    assert (response.json()["code"], response.json()["field"]) == (
        "unsupported_content_encoding",
        "Content-Encoding",
    )


def test_identity_encoding_is_accepted(client: TestClient) -> None:
    response = client.post(
        EVIDENCE,
        content=json.dumps({"start_date": START}).encode(),
        headers={"Content-Type": "application/json", "Content-Encoding": "identity"},
    )
    assert response.status_code == 201, response.text


def test_a_client_disconnect_is_not_an_unexpected_error(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    headers = [
        (b"content-type", b"application/json"),
        (b"authorization", client.headers["authorization"].encode()),
    ]
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": EVIDENCE, "raw_path": EVIDENCE.encode(), "root_path": "",
        "query_string": b"", "headers": headers, "client": ("127.0.0.1", 1), "server": ("testserver", 80),
    }  # fmt: skip
    with caplog.at_level(logging.INFO, logger="clickproof.api"):
        asyncio.run(client.app(scope, receive, send))
    assert "api.unexpected_error" not in caplog.text
    assert "api.client_disconnected" in caplog.text


def test_allow_names_the_methods_of_the_path_itself(client: TestClient) -> None:
    """`/v1.1/activity/{id}` also matches `/v1.1/activity/import`, but is another resource: the
    import path allows POST alone (schemathesis found GET advertised)."""
    response = client.request("OPTIONS", "/v1.1/activity/import")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert client.request("PUT", "/v1.1/contracts/1").headers["allow"] == "GET, HEAD"


def test_a_post_without_any_body_is_a_missing_body_not_a_media_type(client: TestClient) -> None:
    response = client.post(EVIDENCE)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "invalid_json"
    assert client.post(EVIDENCE, content=b"{}", headers={"Content-Type": ""}).status_code == 415


@pytest.mark.parametrize("name", ["site_id", "page", "per_page"])
def test_an_integer_parameter_without_a_value_is_refused(client: TestClient, name: str) -> None:
    response = client.get(f"/v1.1/signers?{name}=")
    assert response.status_code == 400, response.text
    assert response.json()["field"] == name
