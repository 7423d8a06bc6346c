"""Ironclad's official Activity API SDK (pactsafe-activity-node 2.0.0), unmodified, against a real
`clickproof serve`: every method of Activity, Group and Signer, test mode on and off; then what it
recorded, read back through the REST API, an evidence PDF and an export's CSV.

The SDK comes from ../shared/clients (read-only): it is copied to a temporary folder and its
dependencies installed there from the npm registry, as its README says. Where that folder is
absent the test is skipped; tests/api/test_activity_api_wire.py replays the same requests."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.test_processes import Server, api, home, server, token, wait_status

__all__ = ["home", "server", "token"]

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
SDK_SOURCE = ROOT.parent / "shared" / "clients" / "pactsafe-node-sdk"
DRIVER = Path(__file__).parent / "sdk" / "drive_sdk.js"
SID = "demo-site-access-id"
# The SDK's own Signer.latest reads an undefined variable (`signer_id`) and throws before any
# request is made: nothing a server can change.
SDK_OWN_BUGS = {"signer.latest": "sdk: ReferenceError: signer_id is not defined"}


@pytest.fixture(scope="module")
def sdk_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not SDK_SOURCE.is_dir():
        pytest.skip(f"the official SDK is not at {SDK_SOURCE}")
    for tool in ("node", "npm"):
        assert shutil.which(tool), f"{tool} is not installed (.ci/run installs it)"
    target = tmp_path_factory.mktemp("sdk") / "pactsafe-node-sdk"
    shutil.copytree(SDK_SOURCE, target)
    for path in [target, *target.rglob("*")]:
        path.chmod(path.stat().st_mode | 0o200)  # shared/ is read-only
    installed = subprocess.run(
        ["npm", "ci", "--omit=dev", "--no-audit", "--no-fund"],
        cwd=target,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr
    return target


def drive(sdk: Path, server: Server, contracts: list[int]) -> dict[str, dict[str, Any]]:
    env = {
        **os.environ,
        "SDK_DIR": str(sdk),
        "HOST": server.url,
        "SID": SID,
        "CONTRACTS": ",".join(str(c) for c in contracts),
    }
    ran = subprocess.run(
        ["node", str(DRIVER)], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert ran.returncode == 0, ran.stderr
    return {r["call"]: r for r in json.loads(ran.stdout)}


def activities_of(client: httpx.Client, batch_ids: list[str]) -> list[dict[str, Any]]:
    return [client.get(f"/v1.1/activity/{i}").json() for i in batch_ids]


def test_every_sdk_method_records_and_reads(sdk_dir: Path, server: Server, token: str) -> None:
    client = api(server, token)
    contracts = [c["id"] for c in client.get("/v1.1/contracts").json()["data"]]
    calls = drive(sdk_dir, server, contracts)

    failed = {
        name: c["error"] for name, c in calls.items() if c["error"] and SDK_OWN_BUGS.get(name) != c["error"]
    }
    assert failed == {}
    assert set(SDK_OWN_BUGS) <= set(calls)

    # load → a Group with the contracts, their published versions and a fresh render id.
    loaded = calls["activity.load"]["body"]
    published = {c["id"]: c["published_version"] for c in client.get("/v1.1/contracts").json()["data"]}
    assert loaded["key"] == "signup" and loaded["versions"] == [published[c] for c in loaded["contracts"]]
    reloaded = calls["group.reload"]["body"]
    assert reloaded["render_id"] != calls["group.reload"]["first_render_id"]
    assert reloaded["render_data"] == {"CompanyName": "Beta GmbH"}
    for contract in loaded["contract_data"].values():
        assert "ACME Ltd" in contract["html"]
        assert hashlib.sha256(contract["html"].encode()).hexdigest() == contract["sha256"]

    # The group's agreed: bound to what load presented; a server-side send keeps only what was sent.
    agreed = activities_of(client, calls["group.agreed"]["body"]["activities"])
    assert [a["contract"] for a in agreed] == loaded["contracts"]
    for row in agreed:
        connection = row["connection_data"]
        assert row["event_type"] == "agreed" and row["test_mode"] is True and row["group"] == loaded["id"]
        assert connection["render_id"] == loaded["render_id"]
        assert connection["rendered_text_sha256"] == loaded["contract_data"][str(row["contract"])]["sha256"]
        assert connection["server_side"] is True
        assert (
            connection["client_library"] == "pactsafe-activity-node"
            and connection["client_version"] == "2.0.0"
        )
        assert connection["remote_address"] == "203.0.113.7" and connection["browser_timezone"] == -300
        assert "user_agent" not in connection  # the SDK's own agent is the backend's, not the signer's
        assert row["custom_data"] == {"first_name": "Ann", "vip": True, "seats": 5}
        assert row["render_data"] == {"CompanyName": "ACME Ltd"}
    for row in activities_of(client, calls["activity.disagreed"]["body"]["activities"]):
        assert row["event_type"] == "disagreed" and "remote_address" not in row["connection_data"]
    after_reload = activities_of(client, calls["group.agreed.after_reload"]["body"]["activities"])
    assert {a["render_data"]["CompanyName"] for a in after_reload} == {"Beta GmbH"}
    revised = activities_of(client, calls["activity.agreed"]["body"]["activities"])
    assert all(a["connection_data"]["revision"] == ["rev-1"] for a in revised)
    numeric = activities_of(client, calls["activity.send.agreed.numeric_signer"]["body"]["activities"])
    assert {a["signer_id"] for a in numeric} == {"12345"}
    displayed = activities_of(client, calls["activity.send.displayed"]["body"]["activities"])
    assert [a["contract"] for a in displayed] == loaded["contracts"]  # vid alone names the contracts
    assert {
        a["event_type"] for a in activities_of(client, calls["group.send.visited"]["body"]["activities"])
    } == {"visited"}

    # latest / retrieve, through Activity, Group and Signer.
    assert calls["group.latest"]["body"] == {str(c): True for c in loaded["contracts"]}
    assert calls["activity.latest"]["body"] == {str(c): c in loaded["contracts"] for c in contracts}
    never = {str(c): False for c in contracts if c not in loaded["contracts"]}
    accepted = {str(c): published[c] for c in loaded["contracts"]}
    assert calls["activity.retrieve"]["body"] == {**accepted, **never}
    assert calls["signer.retrieve"]["body"] == {**accepted, **never}
    assert calls["activity.retrieve.without_contracts"]["body"] == accepted

    # Test mode off.
    live = activities_of(client, calls["live.group.agreed"]["body"]["activities"])
    assert {a["test_mode"] for a in live} == {False}
    assert calls["live.latest"]["body"] == {str(c): True for c in calls["live.load"]["body"]["contracts"]}

    # The evidence PDF shows the text as presented; the CSV keeps numbers as numbers.
    pdf = client.get(f"/v1.1/activity/{agreed[0]['id']}/record")
    assert pdf.status_code == 200
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True).stdout
    assert b"between ACME Ltd and the user" in text and b"server-side caller" in text
    check_csv(client, agreed[0]["id"])


def check_csv(client: httpx.Client, activity_id: str) -> None:
    created = client.post(
        "/v1.1/extract/evidence",
        json={"start_date": "2026-01-01T00:00:00Z", "connection_all": True, "custom_all": True},
    )
    assert created.status_code == 201, created.text
    job = wait_status(client, created.json()["id"], {"success", "failed"})
    assert job["status"] == "success", job["message"]
    url = client.get(f"/v1.1/extract/evidence/{job['id']}/urls").json()["clickwrap_activities"][0]
    body = httpx.get(url).text
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(body))}
    row = rows[activity_id]
    assert row["connection_data.browser_timezone"] == "-300"
    assert row["connection_data.server_side"] == "TRUE"
    assert row["connection_data.client_library"] == "pactsafe-activity-node"
    assert row["custom_data.seats"] == "5" and row["custom_data.vip"] == "TRUE"
    assert "'-300" not in body  # a number is never formula-guarded
