"""The record as it was, end to end with real processes: an acceptance sent to `clickproof serve`,
then an unauthenticated `updated` send on the public access id; the acceptance's evidence PDF is
the same bytes, text and attachments; the update is in the chain and the signer's history; then
`clickproof erase-signer` and `clickproof verify-chain`."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import httpx
import pikepdf
import pytest

from tests.e2e.test_processes import Server, api, home, run_cli, server, token

__all__ = ["home", "server", "token"]

pytestmark = pytest.mark.e2e
SID = "demo-site-access-id"
ANN = "ann@example.com"


def pdf_text(pdf: bytes) -> bytes:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout


def attachments(pdf: bytes) -> dict[str, bytes]:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return {name: bytes(f.get_file().read_bytes()) for name, f in document.attachments.items()}


def test_an_update_sent_to_a_server_leaves_the_acceptance_as_it_was(
    home: Path, database_url: str, token: str, server: Server
) -> None:
    client = api(server, token)
    contract = client.get("/v1.1/contracts").json()["data"][0]["id"]
    accepted = httpx.post(
        f"{server.url}/send",
        json={
            "sid": SID,
            "sig": ANN,
            "et": "agreed",
            "cid": [contract],
            "cus": {"email": ANN, "last_name": "Lee"},
        },
    )
    assert accepted.status_code == 200, accepted.text
    (accepted_id,) = accepted.json()["activities"]
    before = client.get(f"/v1.1/activity/{accepted_id}/record")
    assert before.status_code == 200 and b"Lee" in pdf_text(before.content)

    update = httpx.post(
        f"{server.url}/send",
        json={
            "et": "updated",
            "sig": ANN,
            "sid": SID,
            "cus": {"last_name": "Smith-Lee", "email": "other@example.net", "title": "Former employee"},
        },
    )
    assert update.status_code == 200, update.text
    (update_id,) = update.json()["activities"]

    after = client.get(f"/v1.1/activity/{accepted_id}/record")
    assert pdf_text(after.content) == pdf_text(before.content)
    assert attachments(after.content) == attachments(before.content)
    assert b"Smith-Lee" not in pdf_text(after.content)
    assert client.get(f"/v1.1/signers/{ANN}").json()["properties"]["last_name"] == "Smith-Lee"
    history = client.get(f"/v1.1/signers/{ANN}/activity").json()["data"]
    assert [(a["id"], a["event_type"]) for a in history] == [(update_id, "updated"), (accepted_id, "agreed")]
    assert history[0]["chain"]["seq"] == history[1]["chain"]["seq"] + 1
    assert b"Smith-Lee" in pdf_text(client.get(f"/v1.1/activity/{update_id}/record").content)
    assert b"ingest.signer_updated" in (home / f"serve-{server.port}.log").read_bytes()

    assert run_cli(home, database_url, "verify-chain").returncode == 0
    erased = run_cli(
        home,
        database_url,
        "erase-signer",
        "--access-id",
        SID,
        "--signer-id",
        ANN,
        "--reason",
        "r",
        "--by",
        "dpo",
    )
    assert erased.returncode == 0 and "2 activities erased" in erased.stdout, erased.stderr
    verified = run_cli(home, database_url, "verify-chain")
    assert verified.returncode == 0, verified.stderr
    assert b"Smith-Lee" not in pdf_text(client.get(f"/v1.1/activity/{update_id}/record").content)
