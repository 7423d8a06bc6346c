"""One activity proven against an exported chain head, offline: through the CLI and through the
documented SHA-256-only checker. A changed activity, a wrong head and a truncated proof each fail
with their named reason; the route refuses heads it cannot reach."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import update
from typer.testing import CliRunner

from clickproof.bootstrap import System
from clickproof.cli.main import app
from clickproof.domain.timestamps import utc_now
from clickproof.services.demo_data import DEMO_SITE_ACCESS_ID, DemoResult
from clickproof.store.tables import activities
from tests.api.test_published_keys import export_to, published

DOCS = Path(__file__).resolve().parents[2] / "docs" / "verification.md"
START = (utc_now() - timedelta(days=100)).isoformat()


def docs_checker() -> str:
    blocks = re.findall(r"```python\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.S)
    (checker,) = [b for b in blocks if '"links"' in b]
    return str(checker)


def send(client: TestClient) -> None:
    contract = client.get("/v1.1/contracts").json()["data"][0]["id"]
    response = client.get(
        "/send",
        params={"sid": DEMO_SITE_ACCESS_ID, "et": "agreed", "sig": "later@example.com", "cid": contract},
    )
    assert response.status_code == 200, response.text


def save(client: TestClient, path: Path, activity_id: str, **params: object) -> dict[str, object]:
    response = client.get(f"/v1.1/activity/{activity_id}/chain-proof", params=params)
    assert response.status_code == 200, response.text
    path.write_text(response.text)
    proof: dict[str, object] = response.json()
    return proof


def test_an_activity_is_proven_against_an_exported_chain_head(
    client: TestClient, system: System, demo: DemoResult, tmp_path: Path
) -> None:
    export_to(client, tmp_path / "export", {"start_date": START, "export_types": ["clickwrap_activities"]})
    manifest_path = tmp_path / "export" / "manifest.json"
    head = json.loads(manifest_path.read_text())["manifest"]["chain_head"]
    send(client)
    send(client)  # the chain moves on after the export
    activity_id = (
        next((tmp_path / "export").glob("*.csv")).read_text().splitlines()[1].split(",")[0].strip('"')
    )
    proof = save(client, tmp_path / "proof.json", activity_id)
    assert proof["format"] == "clickproof-chain-proof/1" and proof["head"]["seq"] == head["seq"] + 2  # type: ignore[index]
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps(published(client)))
    runner = CliRunner()
    arguments = ["verify-proof", str(tmp_path / "proof.json"), "--chain-head", str(manifest_path)]
    verified = runner.invoke(app, [*arguments, "--public-key", str(keys)])
    assert verified.exit_code == 0 and verified.output.startswith("VERIFIED: activity "), verified.output
    unconfirmed = runner.invoke(app, arguments)
    assert unconfirmed.exit_code == 3 and "HEAD NOT CONFIRMED" in unconfirmed.output
    # `verify-chain` given a proof checks it the same way (without one it checks the database).
    for answer, trusted in ((verified, ["--public-key", str(keys)]), (unconfirmed, [])):
        again = runner.invoke(app, ["verify-chain", *arguments[1:], *trusted])
        assert (again.exit_code, again.output) == (answer.exit_code, answer.output)
    both = runner.invoke(app, ["verify-chain", str(tmp_path / "proof.json"), "--site-id", "1"])
    assert both.exit_code == 2 and "--site-id" in both.output
    head_alone = runner.invoke(app, ["verify-chain", "--chain-head", str(manifest_path)])
    assert head_alone.exit_code == 2 and "need a chain proof" in head_alone.output
    script = tmp_path / "check_proof.py"
    script.write_text(docs_checker())

    def third_party(proof_file: Path, seq: int, link: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(script), str(proof_file), str(seq), link],
            check=False,
            capture_output=True,
            text=True,
        )

    ok = third_party(tmp_path / "proof.json", head["seq"], head["hash"])
    assert ok.returncode == 0 and ok.stdout.startswith(f"in the chain: {activity_id}"), ok.stderr

    wrong = runner.invoke(
        app, ["verify-proof", str(tmp_path / "proof.json"), "--chain-head", f"{head['seq']}:{'0' * 64}"]
    )
    assert wrong.exit_code == 1 and "FAILED (head_mismatch)" in wrong.output
    assert "head_mismatch" in third_party(tmp_path / "proof.json", head["seq"], "0" * 64).stderr

    seq = proof["activity"]["seq"]  # type: ignore[index]
    save(client, tmp_path / "short.json", activity_id, head_seq=seq)
    assert seq < head["seq"]  # the export's first row is not its newest link
    truncated = runner.invoke(
        app, ["verify-proof", str(tmp_path / "short.json"), "--chain-head", str(manifest_path)]
    )
    assert truncated.exit_code == 1 and "FAILED (proof_truncated)" in truncated.output
    assert "proof_truncated" in third_party(tmp_path / "short.json", head["seq"], head["hash"]).stderr

    with system.engine.begin() as conn:  # someone with the database changes the activity
        conn.execute(update(activities).where(activities.c.id == activity_id).values(event_type="disagreed"))
    save(client, tmp_path / "changed.json", activity_id)
    changed = runner.invoke(
        app, ["verify-proof", str(tmp_path / "changed.json"), "--chain-head", str(manifest_path)]
    )
    assert changed.exit_code == 1 and "FAILED (record_changed)" in changed.output
    assert "record_changed" in third_party(tmp_path / "changed.json", head["seq"], head["hash"]).stderr


def test_the_route_names_heads_it_cannot_reach(client: TestClient, system: System, demo: DemoResult) -> None:
    listed = client.get("/v1.1/activity", params={"per_page": 2}).json()["data"]
    later = max(listed, key=lambda a: a["created_time"])["id"]
    proof = client.get(f"/v1.1/activity/{later}/chain-proof").json()
    seq, head = proof["activity"]["seq"], proof["head"]["seq"]
    for params, code in (
        ({"head_seq": head + 1}, "head_not_reached"),
        ({"head_seq": 0}, "invalid_parameter"),
        ({"head_seq": "x"}, "invalid_parameter"),
    ):
        answer = client.get(f"/v1.1/activity/{later}/chain-proof", params=params)
        assert (
            answer.status_code == 400
            and answer.json()["code"] == code
            and answer.json()["field"] == "head_seq"
        )
    assert seq > 1
    before = client.get(f"/v1.1/activity/{later}/chain-proof", params={"head_seq": seq - 1})
    assert before.status_code == 400 and before.json()["code"] == "head_before_activity"
    missing = client.get(f"/v1.1/activity/{'0' * 24}/chain-proof")
    assert missing.status_code == 404 and missing.json()["field"] == "id"
    assert client.get(f"/v1.1/activity/{later}/chain-proof", headers={"Authorization": ""}).status_code == 401


def test_the_record_route_prints_the_link_of_the_chained_record(
    client: TestClient, system: System, demo: DemoResult, tmp_path: Path
) -> None:
    activity_id = client.get("/v1.1/activity", params={"per_page": 1}).json()["data"][0]["id"]
    link = client.get(f"/v1.1/activity/{activity_id}/chain-proof").json()["activity"]
    pdf = client.get(f"/v1.1/activity/{activity_id}/record")
    assert pdf.status_code == 200
    (tmp_path / "record.pdf").write_bytes(pdf.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "record.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    key = system.keys.for_site(demo.site_id)
    flat = text.replace(" ", "").replace("\n", "")
    assert f"link {link['seq']} of site {demo.site_id}" in text
    assert link["chain_hash"] in flat and key.key_id in flat and "the site's export manifests" in text
