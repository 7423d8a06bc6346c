"""Chain heads timestamped by a real RFC 3161 authority on loopback (OpenSSL's), once per interval,
only when they moved; chain proofs carry them and `clickproof verify-proof` checks them."""

from __future__ import annotations

import base64
import json
import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from clickproof.bootstrap import System
from clickproof.cli.main import app
from clickproof.config import Settings
from clickproof.domain.timestamps import utc_now
from clickproof.services.demo_data import DemoResult
from tests.api.test_chain_proofs import send
from tests.conftest import make_settings
from tests.support.timestamp_authority import TimestampAuthority, timestamp_authority

STAMPS = "/v1.1/chain-head-timestamps"


@pytest.fixture
def tsa() -> Iterator[TimestampAuthority]:
    with timestamp_authority() as authority:
        yield authority


@pytest.fixture
def settings(tmp_path: Path, database_url: str, tsa: TimestampAuthority) -> Settings:
    return make_settings(tmp_path / "home", database_url=database_url, tsa_url=tsa.url)


def stamps(client: TestClient) -> list[dict[str, Any]]:
    answer = client.get(STAMPS)
    assert answer.status_code == 200, answer.text
    data: list[dict[str, Any]] = answer.json()["data"]
    return data


def wait_for_stamps(client: TestClient, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 30
    while len(found := stamps(client)) < count:
        assert time.monotonic() < deadline, "the sweeper did not timestamp the chain head"
        time.sleep(0.2)
    return found


def test_the_sweeper_timestamps_each_moved_head_once_per_interval(
    client: TestClient, system: System, demo: DemoResult, tsa: TimestampAuthority, tmp_path: Path
) -> None:
    (first,) = wait_for_stamps(client, 1)  # the demo's head, right after start
    activity_id = client.get("/v1.1/activity", params={"per_page": 1}).json()["data"][0]["id"]
    head = client.get(f"/v1.1/activity/{activity_id}/chain-proof").json()["head"]
    assert (first["seq"], first["hash"]) == (head["seq"], head["hash"])
    statement = json.loads(first["statement"])
    assert statement == {
        "format": "clickproof-chain-head/1",
        "account": 1,
        "site": demo.site_id,
        "seq": head["seq"],
        "hash": head["hash"],
    }
    stamper = system.chain_stamper
    assert stamper.stamp_due(utc_now()) == 0  # not due: stamped less than a day ago
    send(client)
    assert stamper.stamp_due(utc_now()) == 0  # moved, but the day is not over
    assert stamper.stamp_due(utc_now() + timedelta(days=1, seconds=1)) == 1
    assert stamper.stamp_due(utc_now() + timedelta(days=2)) == 0  # a day later, but not moved since
    newest, oldest = stamps(client)
    assert newest["seq"] == first["seq"] + 1 and oldest == first
    requests = tsa.requests

    # A proof of an activity carries the earliest timestamp of a head it reaches, and it dates it.
    proof_path = tmp_path / "proof.json"
    proof = client.get(f"/v1.1/activity/{activity_id}/chain-proof", params={"head_seq": first["seq"]}).json()
    assert [s["seq"] for s in proof["timestamps"]] == [first["seq"]]
    proof_path.write_text(json.dumps(proof))
    certificate = tmp_path / "tsa.pem"
    certificate.write_bytes(tsa.certificate_pem)
    runner = CliRunner()
    checked = runner.invoke(app, ["verify-proof", str(proof_path), "--tsa-certificate", str(certificate)])
    assert (
        checked.exit_code == 0 and f"timestamp: link {first['seq']} of the chain existed at" in checked.output
    )
    unconfirmed = runner.invoke(app, ["verify-proof", str(proof_path)])
    assert unconfirmed.exit_code == 3 and "an authority you have not confirmed" in unconfirmed.output
    saved = tmp_path / "head.json"
    saved.write_text(json.dumps(newest))
    against_saved = runner.invoke(
        app,
        ["verify-proof", str(proof_path), "--chain-head", str(saved), "--tsa-certificate", str(certificate)],
    )
    assert against_saved.exit_code == 1 and "FAILED (proof_truncated)" in against_saved.output
    longer = tmp_path / "longer.json"
    longer.write_text(client.get(f"/v1.1/activity/{activity_id}/chain-proof").text)
    assert (
        runner.invoke(
            app,
            ["verify-proof", str(longer), "--chain-head", str(saved), "--tsa-certificate", str(certificate)],
        ).exit_code
        == 0
    )
    forged = json.loads(proof_path.read_text())
    forged["timestamps"][0]["statement"] = forged["timestamps"][0]["statement"].replace('"seq":', '"seq":1')
    proof_path.write_text(json.dumps(forged))
    rejected = runner.invoke(app, ["verify-proof", str(proof_path), "--tsa-certificate", str(certificate)])
    assert rejected.exit_code == 1 and "FAILED (timestamp_invalid)" in rejected.output

    # OpenSSL checks the same token over the statement.
    (tmp_path / "statement.json").write_text(first["statement"])
    (tmp_path / "token.tsr").write_bytes(base64.b64decode(first["token"]))
    openssl = subprocess.run(
        [
            "openssl",
            "ts",
            "-verify",
            "-in",
            str(tmp_path / "token.tsr"),
            "-data",
            str(tmp_path / "statement.json"),
            "-CAfile",
            str(certificate),
            "-partial_chain",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert openssl.returncode == 0 and "Verification: OK" in openssl.stdout, openssl.stderr
    assert tsa.requests == requests


def test_without_an_authority_nothing_is_timestamped(tmp_path: Path, database_url: str) -> None:
    from clickproof.bootstrap import build_system
    from clickproof.services.demo_data import seed_demo

    system = build_system(make_settings(tmp_path / "home", database_url=database_url))
    try:
        seed_demo(system.engine, system.tenants, system.activities, activities=20, seed=3)
        assert not system.chain_stamper.enabled
        assert system.chain_stamper.periodic(utc_now()) == 0
        assert system.chain_stamper.stamp_due(utc_now()) == 0
        assert system.chain_stamper.store.count(1) == 0
    finally:
        system.close()
