"""The record as it was: what a certificate states about the signer is what was true at the
activity. A later `updated` send (unauthenticated, on the public access id) is an activity of its
own in the chain and the signer's history; it leaves every earlier certificate, text and embedded
record, byte for byte as it was. Through the real app, on each test database."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import zipfile
from datetime import timedelta
from typing import Any

import pikepdf
from fastapi.testclient import TestClient
from sqlalchemy import update

from clickproof.bootstrap import System
from clickproof.domain.timestamps import utc_now
from clickproof.services.demo_data import DEMO_SITE_ACCESS_ID, DemoResult
from clickproof.store.chain_verify import verify_site
from clickproof.store.tables import activities
from tests.conftest import download, wait_for_job

SID = DEMO_SITE_ACCESS_ID
ANN = "ann@example.com"
CHANGE = {"last_name": "Smith-Lee", "email": "other@example.net", "title": "Former employee"}


def pdf_text(pdf: bytes) -> str:
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return done.stdout.decode()


def attachments(pdf: bytes) -> dict[str, bytes]:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return {name: bytes(f.get_file().read_bytes()) for name, f in document.attachments.items()}


def record(client: TestClient, activity_id: str) -> bytes:
    response = client.get(f"/v1.1/activity/{activity_id}/record")
    assert response.status_code == 200, response.text
    return response.content


def accept_as_ann(client: TestClient) -> str:
    contract = client.get("/v1.1/contracts").json()["data"][0]["id"]
    sent = client.post(
        "/send",
        json={
            "sid": SID,
            "sig": ANN,
            "et": "agreed",
            "cid": [contract],
            "cus": {"first_name": "Ann", "last_name": "Lee", "email": ANN, "plan": "pro"},
        },
    )
    assert sent.status_code == 200, sent.text
    (activity_id,) = sent.json()["activities"]
    return str(activity_id)


def send_update(client: TestClient) -> str:
    # The public Activity API needs no token: whoever knows the access id can send this.
    sent = client.post(
        "/send",
        json={"et": "updated", "sig": ANN, "sid": SID, "cus": CHANGE},
        headers={"Authorization": ""},
    )
    assert sent.status_code == 200, sent.text
    (update_id,) = sent.json()["activities"]
    return str(update_id)


def history(client: TestClient, signer: str) -> list[dict[str, Any]]:
    response = client.get(f"/v1.1/signers/{signer}/activity", params={"per_page": 100})
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


def test_an_update_leaves_the_acceptance_certificate_byte_for_byte(
    client: TestClient, system: System, demo: DemoResult
) -> None:
    accepted = accept_as_ann(client)
    before = record(client, accepted)
    text_before, attached_before = pdf_text(before), attachments(before)
    assert "ann@example.com" in text_before and "Lee" in text_before
    assert json.loads(attached_before["activity.json"])["signer_properties"] == {
        "first_name": "Ann",
        "last_name": "Lee",
        "email": ANN,
    }

    update = send_update(client)

    assert client.get(f"/v1.1/signers/{ANN}").json()["properties"] == {
        "first_name": "Ann",
        "last_name": "Smith-Lee",
        "email": "other@example.net",
        "title": "Former employee",
    }
    after = record(client, accepted)
    assert pdf_text(after) == text_before
    assert attachments(after) == attached_before
    assert after == before  # the whole PDF, in fact
    for later in ("Smith-Lee", "other@example.net", "Former employee"):
        assert later not in text_before

    # The change is an activity: chained, in the signer's history, with its own evidence.
    stored = client.get(f"/v1.1/activity/{update}").json()
    assert stored["event_type"] == "updated" and stored["contract"] is None
    assert stored["custom_data"] == CHANGE and stored["source"] == "send"
    assert stored["connection_data"]["server_side"] is False and stored["connection_data"]["remote_address"]
    assert stored["signer_properties"]["last_name"] == "Smith-Lee"
    assert stored["chain"]["seq"] == client.get(f"/v1.1/activity/{accepted}").json()["chain"]["seq"] + 1
    assert [(a["id"], a["event_type"]) for a in history(client, ANN)] == [
        (update, "updated"),
        (accepted, "agreed"),
    ]
    listed = client.get("/v1.1/activity", params={"filter": json.dumps({"signer_id": ANN})}).json()
    assert {a["id"] for a in listed["data"]} == {accepted, update}
    update_text = pdf_text(record(client, update))
    assert "Record of a signer record change" in update_text
    assert "Smith-Lee" in update_text and "concerns no contract" in update_text
    assert "accepted text page" not in update_text
    assert verify_site(system.engine, demo.site_id).ok


def test_an_acceptance_records_the_signer_as_it_stood_then(client: TestClient) -> None:
    """A second acceptance after the update records the updated signer; the first keeps Lee. The
    custom data sent with an acceptance does not overwrite the record (only `updated` does)."""
    first = accept_as_ann(client)
    send_update(client)
    second = accept_as_ann(client)
    records = {
        i: json.loads(attachments(record(client, i))["activity.json"])["signer_properties"]
        for i in (first, second)
    }
    assert records[first]["last_name"] == "Lee"
    assert records[second]["last_name"] == "Smith-Lee" and records[second]["title"] == "Former employee"


def test_erasure_after_an_update_still_verifies(client: TestClient, system: System, demo: DemoResult) -> None:
    accepted = accept_as_ann(client)
    update = send_update(client)
    erased = client.post("/v1.1/erasures", json={"signer_id": ANN, "reason": "request #7"})
    assert erased.status_code == 201, erased.text
    assert erased.json()["activities"] == 2
    assert verify_site(system.engine, demo.site_id).ok
    for activity_id in (accepted, update):
        stored = client.get(f"/v1.1/activity/{activity_id}").json()
        assert stored["signer_id"] is None and stored["signer_properties"] is None
        assert stored["erased_time"] is not None
        text = pdf_text(record(client, activity_id))
        assert "Smith-Lee" not in text and "ann@example.com" not in text
    assert client.get(f"/v1.1/signers/{ANN}").status_code == 404
    assert client.get(f"/v1.1/signers/{ANN}/activity").status_code == 404


def test_rewriting_the_recorded_signer_breaks_the_chain(
    client: TestClient, system: System, demo: DemoResult
) -> None:
    accepted = accept_as_ann(client)
    assert verify_site(system.engine, demo.site_id).ok
    with system.engine.begin() as conn:
        conn.execute(
            update(activities)
            .where(activities.c.id == accepted)
            .values(signer_properties={"first_name": "Ann", "last_name": "Smith-Lee", "email": ANN})
        )
    report = verify_site(system.engine, demo.site_id)
    assert not report.ok and report.broken_id == accepted
    assert report.problem is not None and "signer record" in report.problem


def test_an_export_carries_the_update_with_its_own_evidence(client: TestClient) -> None:
    """The update is an activity of the export like any other: a CSV row without a contract and
    an evidence PDF of its own; the acceptance's PDF in the zip is the one /record gives."""
    accepted = accept_as_ann(client)
    update = send_update(client)
    created = client.post(
        "/v1.1/extract/evidence",
        json={
            "start_date": (utc_now() - timedelta(days=1)).isoformat(),
            "filter": {"signer_id": ANN},
            "custom_all": True,
            "export_types": ["clickwrap_activities", "clickwrap_activities_as_pdfs"],
        },
    )
    assert created.status_code == 201, created.text
    job = wait_for_job(client, created.json()["id"], timeout=120)
    assert job["status"] == "success", job["message"]
    urls = client.get(f"/v1.1/extract/evidence/{job['id']}/urls").json()
    (table,) = urls["clickwrap_activities"]
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(download(client, table).decode(), newline=""))}
    assert set(rows) == {accepted, update}
    assert (rows[update]["event_type"], rows[update]["contract"], rows[update]["version"]) == (
        "updated",
        "",
        "",
    )
    assert rows[update]["custom_data.last_name"] == "Smith-Lee" and rows[accepted]["contract"]
    pdfs: dict[str, bytes] = {}
    for part in urls["clickwrap_activities_as_pdfs"]:
        with zipfile.ZipFile(io.BytesIO(download(client, part))) as archive:
            pdfs.update({n: archive.read(n) for n in archive.namelist() if n.endswith(".pdf")})
    assert sorted(pdfs) == sorted(f"{i}.pdf" for i in (accepted, update))
    assert attachments(pdfs[f"{accepted}.pdf"]) == attachments(record(client, accepted))
    assert "Record of a signer record change" in pdf_text(pdfs[f"{update}.pdf"])
