"""A signer's page leads exporters to a signed bundle of that signer's evidence: the New export
form filled in for them, whose export succeeds with exactly their activities; on SQLite and
PostgreSQL. Viewers are not offered it, and an unknown or unreadable signer is answered plainly."""

from __future__ import annotations

import html
import json
import re
from datetime import date
from urllib.parse import quote

from fastapi.testclient import TestClient

from clickproof.bootstrap import System
from clickproof.domain.console_roles import Role
from clickproof.domain.timestamps import utc_now
from clickproof.services.demo_data import DemoResult
from tests.conftest import wait_for_job
from tests.web.console_client import signed_in_as


def _a_signer(client: TestClient) -> tuple[str, int]:
    """A demo signer with activities, and how many they have."""
    first = client.get("/v1.1/activity", params={"per_page": 1}).json()["data"][0]["signer_id"]
    history = client.get("/v1.1/activity", params={"filter": json.dumps({"signer_id": first})})
    return str(first), int(history.json()["total_count"])


def _field(page: str, name: str) -> str:
    found = re.search(rf'<(?:input|textarea)[^>]*name="{name}"[^>]*?(?:value="([^"]*)"[^>]*)?>([^<]*)', page)
    assert found, name
    return html.unescape(found.group(1) if found.group(1) is not None else found.group(2))


def test_an_exporter_exports_a_signers_whole_history_from_their_page(
    system: System, demo: DemoResult, client: TestClient
) -> None:
    signer_id, events = _a_signer(client)
    exporter = signed_in_as(system, demo, "exporter@example.com", Role.EXPORTER)
    signer_page = exporter.http.get(
        f"/console/sites/{demo.site_id}/signers/show?id={quote(signer_id, safe='')}"
    )
    assert signer_page.status_code == 200
    link = re.search(r'id="signer-bundle" href="([^"]+)"', signer_page.text)
    assert link, "the signer's page offers the bundle"
    form = exporter.http.get(html.unescape(link.group(1)))
    assert form.status_code == 200, form.text
    assert json.loads(_field(form.text, "filter")) == {"signer_id": signer_id}
    assert re.search(r'value="custom" checked', form.text)
    assert re.search(r'value="clickwrap_activities_as_pdfs"[^>]*checked', form.text)
    assert f'<strong data-role="matching">{events}</strong>' in form.text  # the preview, at once
    created = exporter.post(
        f"/console/sites/{demo.site_id}/exports/new",
        {
            "window": "custom",
            "start_date": _field(form.text, "start_date"),
            "end_date": _field(form.text, "end_date"),
            "export_type": ["clickwrap_activities", "clickwrap_activities_as_pdfs"],
            "all": "standard",
            "filter": _field(form.text, "filter"),
            "action": "create",
        },
    )
    assert created.status_code == 303, created.text
    job_id = created.headers["location"].rsplit("/", 1)[-1]
    done = wait_for_job(client, job_id, timeout=120)
    assert done["status"] == "success", done
    files = {f["export_type"]: f["rows"] for f in done["data"]["files"]}
    assert files["clickwrap_activities"] == events and files["clickwrap_activities_as_pdfs"] == events


def test_viewers_are_not_offered_a_bundle_and_bad_signers_are_answered(
    system: System, demo: DemoResult, client: TestClient
) -> None:
    signer_id, _ = _a_signer(client)
    viewer = signed_in_as(system, demo, "viewer@example.com", Role.VIEWER)
    page = viewer.http.get(f"/console/sites/{demo.site_id}/signers/show?id={quote(signer_id, safe='')}")
    assert page.status_code == 200 and 'id="signer-bundle"' not in page.text
    assert (
        viewer.http.get(f"/console/sites/{demo.site_id}/exports/new?signer={quote(signer_id)}").status_code
        == 403
    )
    exporter = signed_in_as(system, demo, "exporter@example.com", Role.EXPORTER)
    base = f"/console/sites/{demo.site_id}/exports/new?signer="
    unknown = exporter.http.get(base + "nobody%40example.com")
    assert unknown.status_code == 404  # answered like any page that is not there
    assert "nothing here" in unknown.text
    for bad in ("%00", "x" * 1025):
        answer = exporter.http.get(base + bad)
        assert answer.status_code == 400 and "signer" in answer.text, (bad, answer.status_code)


def test_a_history_longer_than_the_sites_window_is_said_plainly(
    system: System, demo: DemoResult, client: TestClient
) -> None:
    signer_id, events = _a_signer(client)
    oldest = client.get(
        "/v1.1/activity", params={"filter": json.dumps({"signer_id": signer_id}), "sort": "created_time"}
    ).json()["data"][0]["created_time"][:10]
    days = (utc_now().date() - date.fromisoformat(oldest)).days  # the window ends after the oldest day
    system.tenants.set_max_export_days(demo.site_id, max(days, 1))
    exporter = signed_in_as(system, demo, "exporter@example.com", Role.EXPORTER)
    form = exporter.http.get(f"/console/sites/{demo.site_id}/exports/new?signer={quote(signer_id)}")
    assert form.status_code == 200, form.text
    notice = re.search(r'id="form-notice">([^<]*)<', form.text)
    assert notice and f"begins on {oldest}" in html.unescape(notice.group(1)), form.text[:2000]
    assert _field(form.text, "start_date") > oldest
    matching = re.search(r'<strong data-role="matching">(\d+)</strong>', form.text)
    assert matching and int(matching.group(1)) < events  # the preview says how many are in
