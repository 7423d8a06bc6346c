"""One PDF per session (Ironclad's route) and per signer: every event, in order, each complete."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path
from urllib.parse import quote

import pikepdf
import pytest
from fastapi.testclient import TestClient

from clickproof.services import history_records
from clickproof.services.demo_data import DEMO_SITE_ACCESS_ID, DemoResult

SIGNER = "session.tester@example.com"


def send(client: TestClient, event: str, session: str, signer: str = SIGNER) -> None:
    contract = client.get("/v1.1/contracts").json()["data"][0]["id"]
    response = client.get(
        "/send",
        params={"sid": DEMO_SITE_ACCESS_ID, "et": event, "sig": signer, "cid": contract, "session": session},
    )
    assert response.status_code == 200, response.text


def text_of(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "record.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def single(client: TestClient, activity_id: str) -> bytes:
    response = client.get(f"/v1.1/activity/{activity_id}/record")
    assert response.status_code == 200
    return response.content


def test_a_session_record_holds_every_event_in_order(
    client: TestClient, demo: DemoResult, tmp_path: Path
) -> None:
    for event in ("displayed", "disagreed", "agreed"):
        send(client, event, "checkout-42")
    send(client, "agreed", "checkout-42", signer="someone.else@example.com")
    send(client, "agreed", "another-session")
    response = client.get(f"/v1.1/activity/record/session:checkout-42?signer_id={quote(SIGNER)}")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    merged = pikepdf.Pdf.open(io.BytesIO(response.content))
    with merged.open_outline() as outline:
        labels = [item.title for item in outline.root]
    assert [label.split(" · ")[0] for label in labels] == ["1. displayed", "2. disagreed", "3. agreed"]
    events = client.get(
        "/v1.1/activity", params={"filter": '{"session": "checkout-42"}', "per_page": 50}
    ).json()
    mine = sorted((a for a in events["data"] if a["signer_id"] == SIGNER), key=lambda a: a["created_time"])
    parts = [pikepdf.Pdf.open(io.BytesIO(single(client, a["id"]))) for a in mine]
    assert len(merged.pages) == sum(len(p.pages) for p in parts)  # each event complete: certificate and text
    names = sorted(merged.attachments)
    assert len(names) == sum(len(p.attachments) for p in parts) and all(n.startswith("000") for n in names)
    assert f"0001-{mine[0]['id']}-activity.json" in names
    text = text_of(response.content, tmp_path)
    assert text.index("displayed") < text.index("disagreed") < text.rindex("agreed")
    assert "someone.else@example.com" not in text and SIGNER in text
    whole = client.get("/v1.1/activity/record/session:checkout-42")  # without signer_id: the whole session
    with pikepdf.Pdf.open(io.BytesIO(whole.content)).open_outline() as outline:
        assert len(list(outline.root)) == 4
    assert (
        response.content
        == client.get(f"/v1.1/activity/record/session:checkout-42?signer_id={quote(SIGNER)}").content
    )


def test_a_signer_record_holds_the_whole_history(
    client: TestClient, demo: DemoResult, tmp_path: Path
) -> None:
    send(client, "displayed", "s-1")
    send(client, "agreed", "s-1")
    send(client, "agreed", "s-2")
    response = client.get(f"/v1.1/signers/{quote(SIGNER)}/record")
    assert response.status_code == 200, response.text
    with pikepdf.Pdf.open(io.BytesIO(response.content)).open_outline() as outline:
        assert [i.title.split(" · ")[0] for i in outline.root] == ["1. displayed", "2. agreed", "3. agreed"]
    assert client.get(f"/v1.1/signers/{quote(SIGNER)}").status_code == 200  # the signer route still answers


def test_records_of_nothing_or_of_another_site_are_404(client: TestClient, demo: DemoResult) -> None:
    send(client, "agreed", "mine")
    missing = client.get("/v1.1/activity/record/session:nobody-s-session")
    assert missing.status_code == 404 and missing.json()["code"] == "activity_not_found"
    assert client.get("/v1.1/activity/record/session:mine?signer_id=other%40example.com").status_code == 404
    assert client.get("/v1.1/signers/nobody%40example.com/record").status_code == 404
    assert client.get("/v1.1/activity/record/session:mine", headers={"Authorization": ""}).status_code == 401


def test_a_record_past_the_event_limit_is_refused(
    client: TestClient, demo: DemoResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(history_records, "MAX_RECORD_EVENTS", 2)
    for event in ("displayed", "agreed", "agreed"):
        send(client, event, "long")
    response = client.get("/v1.1/activity/record/session:long")
    assert response.status_code == 400 and response.json()["code"] == "too_many_activities"
    monkeypatch.setattr(history_records, "MAX_RECORD_EVENTS", 3)
    assert client.get("/v1.1/activity/record/session:long").status_code == 200
