"""A site's keys, published without authentication; rotation keeps older exports verifiable; the
docs' third-party verifier checks a real export."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from clickproof.bootstrap import System
from clickproof.cli.main import app
from clickproof.domain.timestamps import utc_now
from clickproof.evidence.verify import verify_export
from clickproof.services.demo_data import DEMO_SITE_ACCESS_ID, DemoResult
from tests.conftest import wait_for_job

EVIDENCE = "/v1.1/extract/evidence"
START = (utc_now() - timedelta(days=100)).isoformat()
DOCS = Path(__file__).resolve().parents[2] / "docs" / "verification.md"


def export_to(client: TestClient, folder: Path, body: dict[str, object]) -> dict[str, object]:
    created = client.post(EVIDENCE, json=body)
    assert created.status_code == 201, created.text
    job = wait_for_job(client, created.json()["id"], timeout=120)
    assert job["status"] == "success", job["message"]
    folder.mkdir()
    for url in client.get(f"{EVIDENCE}/{job['id']}/urls").json()["presignedUrls"]:
        response = client.get(url.removeprefix("http://testserver"), headers={"Authorization": ""})
        assert response.status_code == 200
        expected = base64.b64encode(hashlib.sha256(response.content).digest()).decode()
        assert response.headers["repr-digest"] == f"sha-256=:{expected}:"  # RFC 9530
        name = re.search(r'filename="([^"]+)"', response.headers["content-disposition"])
        assert name is not None
        (folder / name.group(1)).write_bytes(response.content)
    return job


def published(client: TestClient) -> dict[str, object]:
    answer = client.get(f"/v1.1/evidence-keys/{DEMO_SITE_ACCESS_ID}", headers={"Authorization": ""})
    assert answer.status_code == 200 and answer.headers["cache-control"].startswith("public")
    document: dict[str, object] = answer.json()
    return document


def test_keys_are_published_without_a_token(client: TestClient, demo: DemoResult) -> None:
    document = published(client)
    assert document["format"] == "clickproof-evidence-keys/1" and document["site"] == demo.site_id
    (key,) = document["keys"]  # type: ignore[misc]
    authenticated = client.get(f"/v1.1/sites/{demo.site_id}/evidence-key").json()
    assert key["key_id"] == authenticated["key_id"] and key["status"] == "current"
    assert key["fingerprint"] == authenticated["fingerprint"] and key["valid_until"] is None
    assert "private" not in json.dumps(document)
    missing = client.get("/v1.1/evidence-keys/no-such-site", headers={"Authorization": ""})
    assert missing.status_code == 404 and missing.json()["field"] == "access_id"


def test_rotation_keeps_older_exports_verifiable(
    client: TestClient, system: System, demo: DemoResult, tmp_path: Path
) -> None:
    body = {
        "start_date": START,
        "filter": {"custom_data.名前": {"$ne": 1.5}},
        "export_types": ["clickwrap_activities"],
    }
    export_to(client, tmp_path / "before", body)
    old_key = system.keys.for_site(demo.site_id)
    new_key = system.keys.rotate(demo.site_id)
    export_to(client, tmp_path / "after", body)
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps(published(client)))
    statuses = [(k["key_id"], k["status"]) for k in json.loads(keys.read_text())["keys"]]
    assert statuses == [(old_key.key_id, "retired"), (new_key.key_id, "current")]
    runner = CliRunner()
    for folder, key in (("before", old_key), ("after", new_key)):
        result = runner.invoke(app, ["verify", str(tmp_path / folder), "--public-key", str(keys)])
        assert result.exit_code == 0, result.output
        assert f"signed by key {key.key_id}" in result.output
    # An export signed by the old key after its retirement would be refused: move its validity back.
    document = json.loads(keys.read_text())
    document["keys"][0]["valid_until"] = document["keys"][0]["valid_from"]
    keys.write_text(json.dumps(document))
    result = runner.invoke(app, ["verify", str(tmp_path / "before"), "--public-key", str(keys)])
    assert result.exit_code == 1 and "outside the key's published validity" in result.output


def _docs_verifier() -> str:
    blocks = re.findall(r"```python\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.S)
    (verifier,) = [b for b in blocks if "manifest.json" in b]  # the other checks a chain proof
    assert len(verifier.strip().splitlines()) <= 15
    return str(verifier)


def test_the_documented_third_party_verifier_checks_a_real_export(
    client: TestClient, demo: DemoResult, tmp_path: Path
) -> None:
    body = {
        "start_date": START,
        "filter": {
            "$or": [{"custom_data.😀": {"$gt": 2.5e-7}}, {"event_type": "agreed"}, {"custom_data.メモ": "ü"}]
        },
        "export_types": ["clickwrap_activities", "clickwrap_activities_as_pdfs"],
    }
    export_to(client, tmp_path / "export", body)
    script = tmp_path / "verify.py"
    script.write_text(_docs_verifier())
    key = published(client)["keys"][0]["public_key"]  # type: ignore[index]
    ok = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "export"), key],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0 and ok.stdout.startswith("verified "), ok.stderr
    assert verify_export([tmp_path / "export"]).status == "unconfirmed"
    csv = next((tmp_path / "export").glob("*.csv"))
    csv.write_bytes(csv.read_bytes() + b"\r\n")
    tampered = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "export"), key],
        capture_output=True,
        text=True,
        check=False,
    )
    assert tampered.returncode != 0 and csv.name in tampered.stderr
    forged = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "export"), base64.b64encode(b"\x01" * 32).decode()],
        capture_output=True,
        text=True,
        check=False,
    )
    assert forged.returncode != 0 and "InvalidSignature" in forged.stderr
