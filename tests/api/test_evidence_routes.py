"""Evidence over HTTP: downloads named as the manifest names them, the site key, single records."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta
from pathlib import Path

import pikepdf
from fastapi.testclient import TestClient
from sqlalchemy import select

from clickproof.bootstrap import System
from clickproof.domain.timestamps import utc_now
from clickproof.evidence.verify import verify_export
from clickproof.services.demo_data import DemoResult
from clickproof.store.tables import activities
from tests.conftest import wait_for_job

EVIDENCE = "/v1.1/extract/evidence"
START = (utc_now() - timedelta(days=100)).isoformat()


def some_ids(system: System, count: int) -> list[str]:
    with system.engine.connect() as conn:
        return [r.id for r in conn.execute(select(activities.c.id).order_by(activities.c.id).limit(count))]


def test_downloads_through_urls_verify_as_a_directory(
    client: TestClient, system: System, tmp_path: Path
) -> None:
    tmp_path = tmp_path / "downloads"
    tmp_path.mkdir()
    body = {
        "start_date": START,
        "filter": {"id": {"$in": some_ids(system, 6)}},
        "export_types": ["clickwrap_activities", "clickwrap_activities_as_pdfs"],
    }
    job = wait_for_job(client, client.post(EVIDENCE, json=body).json()["id"], timeout=120)
    assert job["status"] == "success", job["message"]
    answer = client.get(f"{EVIDENCE}/{job['id']}/urls")
    urls = answer.json()
    assert set(urls) == {"clickwrap_activities", "clickwrap_activities_as_pdfs", "manifest", "presignedUrls"}
    # A client that loops over the keys meets only lists of URLs; the links' lifetime is a header.
    assert all(isinstance(v, list) and all(isinstance(u, str) for u in v) for v in urls.values())
    assert int(answer.headers["Links-Expire-In"]) == 900
    assert len(urls["presignedUrls"]) == 3
    for url in urls["presignedUrls"]:
        response = client.get(url.removeprefix("http://testserver"), headers={"Authorization": ""})
        assert response.status_code == 200
        name = re.search(r'filename="([^"]+)"', response.headers["content-disposition"])
        assert name is not None
        (tmp_path / name.group(1)).write_bytes(response.content)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    listed = {f["name"] for f in manifest["manifest"]["files"]} | {"manifest.json"}
    assert {p.name for p in tmp_path.iterdir()} == listed
    key = client.get(f"/v1.1/sites/{job['site']}/evidence-key").json()
    verdict = verify_export([tmp_path], public_key=key["public_key"])
    assert verdict.ok, verdict.problems
    assert key["key_id"] == manifest["signature"]["key_id"] == verdict.key_id
    assert manifest["manifest"]["row_count"] == 6


def test_evidence_key_is_stable_and_guarded(client: TestClient, demo: DemoResult) -> None:
    first = client.get(f"/v1.1/sites/{demo.site_id}/evidence-key")
    assert first.status_code == 200
    assert first.json() == client.get(f"/v1.1/sites/{demo.site_id}/evidence-key").json()
    assert first.json()["algorithm"] == "Ed25519" and "private" not in json.dumps(first.json())
    assert client.get("/v1.1/sites/999/evidence-key").json()["code"] == "site_forbidden"
    assert client.get("/v1.1/sites/x1/evidence-key").json()["code"] == "invalid_parameter"
    assert (
        client.get(f"/v1.1/sites/{demo.site_id}/evidence-key", headers={"Authorization": ""}).status_code
        == 401
    )


def test_single_record_is_the_activitys_evidence_pdf(client: TestClient, system: System) -> None:
    (activity_id,) = some_ids(system, 1)
    response = client.get(f"/v1.1/activity/{activity_id}/record")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == f'attachment; filename="{activity_id}.pdf"'
    with pikepdf.open(io.BytesIO(response.content)) as pdf:
        attached = json.loads(pdf.attachments["activity.json"].get_file().read_bytes())
    assert attached["id"] == activity_id
    assert client.get(f"/v1.1/activity/{activity_id}/record").content == response.content
    missing = client.get("/v1.1/activity/ffffffffffffffffffffffff/record")
    assert missing.status_code == 404 and missing.json()["code"] == "activity_not_found"
    assert client.get("/v1.1/activity/../record").status_code == 404
