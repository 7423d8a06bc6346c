"""The `clickwrap_sessions_as_pdfs` export type: one PDF per session of the selected activities,
byte for byte the session record route's document, listed and signed in the manifest."""

from __future__ import annotations

import zipfile
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from clickproof.domain.timestamps import utc_now
from clickproof.evidence.verify import verify_export
from clickproof.export.history_pdf import session_file_name
from clickproof.services.demo_data import DemoResult
from tests.api.test_history_records import send
from tests.api.test_published_keys import export_to

EVIDENCE = "/v1.1/extract/evidence"
START = (utc_now() - timedelta(days=100)).isoformat()


def test_each_selected_session_is_one_pdf_as_the_session_route_gives_it(
    client: TestClient, demo: DemoResult, tmp_path: Path
) -> None:
    for event in ("displayed", "agreed"):
        send(client, event, "checkout-1")
    send(client, "agreed", "checkout-1", signer="someone.else@example.com")
    send(client, "disagreed", "checkout-2")
    send(client, "agreed", "not-selected")
    body = {
        "start_date": START,
        "filter": {"session": {"$in": ["checkout-1", "checkout-2"]}},
        "export_types": ["clickwrap_activities", "clickwrap_sessions_as_pdfs"],
    }
    job = export_to(client, tmp_path / "export", body)
    assert "2 session PDFs in 1 zip file(s)" in str(job["message"])
    urls = client.get(f"{EVIDENCE}/{job['id']}/urls").json()
    assert len(urls["clickwrap_sessions_as_pdfs"]) == 1 and "clickwrap_activities_as_pdfs" not in urls
    (part,) = (tmp_path / "export").glob("clickwrap_sessions_as_pdfs-*-part0001.zip")
    with zipfile.ZipFile(part) as archive:
        names = archive.namelist()
        assert names == [session_file_name("checkout-1"), session_file_name("checkout-2"), "SHA256SUMS"]
        for session in ("checkout-1", "checkout-2"):
            route = client.get(f"/v1.1/activity/record/session:{session}")
            assert route.status_code == 200
            assert archive.read(session_file_name(session)) == route.content, session
    verdict = verify_export([tmp_path / "export"])
    assert verdict.ok and verdict.status == "unconfirmed", verdict.problems
    assert verdict.files_checked == 2


def test_the_export_type_is_checked_at_the_door(client: TestClient, demo: DemoResult) -> None:
    answer = client.post(EVIDENCE, json={"start_date": START, "export_types": ["clickwrap_sessions_as_pdf"]})
    assert answer.status_code == 400 and answer.json()["code"] == "invalid_export_type"
    assert answer.json()["field"] == "export_types[0]"
    assert "clickwrap_sessions_as_pdfs" in answer.json()["error"]
