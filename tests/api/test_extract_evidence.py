"""Every route and status code of the Extraction API, through the real app and job engine."""

from __future__ import annotations

import copy
import csv
import io
import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from clickproof.api.contract import EXPORT_REQUEST_EXAMPLE, SEED
from clickproof.bootstrap import System
from clickproof.domain.timestamps import utc_now
from clickproof.services.demo_data import DemoResult
from clickproof.services.tokens import issue_token
from tests.conftest import download, wait_for_job

EVIDENCE = "/v1.1/extract/evidence"
START = (utc_now() - timedelta(days=100)).isoformat()


def other_tenant(system: System) -> tuple[str, int]:
    """A second account with its own site and token."""
    now = utc_now()
    with system.engine.begin() as conn:
        account = system.tenants.create_account(conn, "Other", now)
        site = system.tenants.create_site(
            conn, account_id=account, name="Other site", access_id="other", max_export_days=30, now=now
        )
        user = system.tenants.create_user(conn, account_id=account, email="o@example.com", name="O", now=now)
        token = issue_token(
            system.tenants,
            conn,
            user_id=user,
            account_id=account,
            default_site_id=site,
            site_ids=[site],
            permissions=["exports:create", "exports:read"],
        )
    return token, site


def test_seed_example_verbatim_is_created(client: TestClient, demo: DemoResult) -> None:
    response = client.post(EVIDENCE, json=EXPORT_REQUEST_EXAMPLE)
    assert response.status_code == 201, response.text
    job = response.json()
    assert re.fullmatch(r"[0-9a-f]{24}", job["id"])
    assert job["job_name"] == "ExtractEvidenceCSV"
    assert (job["status"], job["source"], job["retry_count"], job["active"]) == ("pending", "api", 0, True)
    assert job["message"] == "Export job is currently pending."
    assert (job["account"], job["site"]) == (demo.account_id, demo.site_id)
    assert isinstance(job["created_by"], int)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", job["created_time"])
    assert job["updated_time"] == job["created_time"]
    assert job["data"]["filter"] == EXPORT_REQUEST_EXAMPLE["filter"]
    assert job["data"]["export_types"] == ["clickwrap_activities", "clickwrap_activities_as_pdfs"]
    done = wait_for_job(client, job["id"], timeout=120)
    assert done["status"] == "success" and done["updated_time"] >= done["created_time"]
    assert "0 evidence PDFs in 1 zip file" in done["message"]
    types = [f["export_type"] for f in done["data"]["files"]]
    assert types == ["clickwrap_activities", "clickwrap_activities_as_pdfs", "manifest"]


def test_export_lifecycle_and_download(client: TestClient) -> None:
    created = client.post(EVIDENCE, json={"start_date": START, "connection_all": True}).json()
    job = wait_for_job(client, created["id"])
    assert job["status"] == "success", job["message"]
    assert job["data"]["progress"] == {
        "processed": job["data"]["row_count"],
        "total": job["data"]["row_count"],
    }
    file_info, manifest_info = job["data"]["files"]
    assert file_info["rows"] == 400 and len(file_info["sha256"]) == 64
    assert manifest_info["name"] == "manifest.json" and manifest_info["export_type"] == "manifest"
    urls = client.get(f"{EVIDENCE}/{job['id']}/urls")
    assert urls.status_code == 200
    body = urls.json()
    assert len(body["clickwrap_activities"]) == 1 and len(body["manifest"]) == 1
    assert body["presignedUrls"] == body["clickwrap_activities"] + body["manifest"]
    path = body["presignedUrls"][0].removeprefix("http://testserver")
    response = client.get(path, headers={"Authorization": ""})
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith(f'attachment; filename="{file_info["name"]}"')
    assert response.headers["content-type"].startswith("text/csv")
    assert len(response.content) == file_info["size"]
    rows = list(csv.reader(io.StringIO(response.content.decode(), newline="")))
    assert len(rows) == 401 and rows[0][:3] == ["id", "uuid", "account"]
    again = client.get(f"{EVIDENCE}/{job['id']}/urls").json()["presignedUrls"][0]
    assert download(client, again) == response.content


def test_list_is_newest_first_and_paged(client: TestClient) -> None:
    ids = [client.post(EVIDENCE, json={"start_date": START}).json()["id"] for _ in range(3)]
    page = client.get(EVIDENCE, params={"per_page": 2}).json()
    assert set(page) == {"count", "has_more", "page", "per_page", "total_count", "data"}
    assert (page["count"], page["has_more"], page["page"], page["per_page"], page["total_count"]) == (
        2,
        True,
        1,
        2,
        3,
    )
    assert [j["id"] for j in page["data"]] == ids[::-1][:2]
    last = client.get(EVIDENCE, params={"per_page": 2, "page": 2}).json()
    assert [j["id"] for j in last["data"]] == ids[:1] and last["has_more"] is False


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({}, "missing_field", "start_date"),
        ({"start_date": "tomorrow-ish"}, "invalid_date", "start_date"),
        ({"start_date": "2026-01-02", "end_date": "2026-01-01"}, "invalid_date_range", "end_date"),
        ({"start_date": "2020-01-01", "end_date": "2026-01-01"}, "date_range_too_long", "end_date"),
        ({"start_date": START, "export_types": ["xlsx"]}, "invalid_export_type", "export_types[0]"),
        ({"start_date": START, "select": {"standard": ["ssn"]}}, "invalid_select", "select.standard"),
        ({"start_date": START, "sort": "created_time; DROP TABLE x"}, "invalid_sort", "sort"),
        (
            {"start_date": START, "filter": {"version_number": {"$where": "1"}}},
            "unknown_filter_operator",
            "/filter/version_number/$where",
        ),
        ({"start_date": START, "filter": 5}, "invalid_filter", "/filter"),
        ([], "invalid_body", None),
    ],
)
def test_bad_requests_are_400_with_code_and_field(
    client: TestClient, body: Any, code: str, field: str | None
) -> None:
    response = client.post(EVIDENCE, json=body)
    assert response.status_code == 400, response.text
    error = response.json()
    assert (error["code"], error["field"]) == (code, field)
    assert error["error"] and error["errors"][0]["message"] == error["error"]


@pytest.mark.parametrize(
    ("content", "content_type", "status", "code"),
    [
        (b"{not json", "application/json", 400, "invalid_json"),
        (b'{"start_date": NaN}', "application/json", 400, "invalid_json"),
        (
            b'{"start_date": "2026-01-01", "start_date": "2026-01-02"}',
            "application/json",
            400,
            "invalid_json",
        ),
        (b"\xff\xfe", "application/json", 400, "invalid_json"),
        (b"", "application/json", 400, "invalid_json"),
        (b"[" * 100_00 + b"]" * 100_00, "application/json", 400, "invalid_json"),
        (b'{"start_date": ' + b"9" * 5001 + b"}", "application/json", 400, "invalid_json"),
        (b"start_date=2026-01-01", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        (b'{"start_date": "2026-01-01"}', "text/plain", 415, "unsupported_media_type"),
        (b'{"a": "' + b"x" * (64 * 1024) + b'"}', "application/json", 413, "request_too_large"),
    ],
)
def test_malformed_bodies(
    client: TestClient, content: bytes, content_type: str, status: int, code: str
) -> None:
    response = client.post(EVIDENCE, content=content, headers={"Content-Type": content_type})
    assert response.status_code == status, response.text
    assert response.json()["code"] == code


def test_body_at_the_size_limit_is_read(client: TestClient) -> None:
    filler = 64 * 1024 - len(b'{"start_date": "2026-11-01", "sort": ""}') - 30
    body = b'{"start_date": "' + START.encode() + b'", "sort": "' + b" " * filler + b'"}'
    assert len(body) <= 64 * 1024
    response = client.post(EVIDENCE, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code in (201, 400) and response.json().get("code") != "request_too_large"


@pytest.mark.parametrize(
    "authorization", [None, "", "Bearer", "Basic dXNlcjpwYXNz", "Bearer cp_00_00", "Bearer " + "x" * 70]
)
def test_missing_or_malformed_token_is_401(client: TestClient, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    client.headers.pop("Authorization")
    for method, path in (
        ("post", EVIDENCE),
        ("get", EVIDENCE),
        ("get", f"{EVIDENCE}/{'0' * 24}"),
        ("get", f"{EVIDENCE}/{'0' * 24}/urls"),
    ):
        response = getattr(client, method)(
            path, headers=headers, **({"json": {"start_date": START}} if method == "post" else {})
        )
        assert response.status_code == 401
        assert response.json()["code"] == "unauthenticated"
        assert response.headers["www-authenticate"] == "Bearer"


def test_revoked_token_is_401_and_kills_its_links(
    client: TestClient, system: System, demo: DemoResult
) -> None:
    job = wait_for_job(client, client.post(EVIDENCE, json={"start_date": START}).json()["id"])
    url = client.get(f"{EVIDENCE}/{job['id']}/urls").json()["presignedUrls"][0]
    assert system.tenants.revoke_token(demo.token.split("_")[1], utc_now())
    assert client.get(EVIDENCE).status_code == 401
    denied = client.get(url.removeprefix("http://testserver"), headers={"Authorization": ""})
    assert denied.status_code == 403 and denied.json()["code"] == "invalid_link"


def test_site_and_permission_checks_are_403(client: TestClient, system: System, demo: DemoResult) -> None:
    _, foreign_site = other_tenant(system)
    response = client.get(EVIDENCE, params={"site_id": foreign_site})
    assert response.status_code == 403 and response.json()["code"] == "site_forbidden"
    assert client.get(EVIDENCE, params={"site_id": 999}).status_code == 403
    assert client.get(EVIDENCE, params={"site_id": "abc"}).status_code == 400
    with system.engine.begin() as conn:
        read_only = issue_token(
            system.tenants,
            conn,
            user_id=demo.user_id,
            account_id=demo.account_id,
            default_site_id=demo.site_id,
            site_ids=[demo.site_id],
            permissions=["exports:read"],
        )
    response = client.post(
        EVIDENCE, json={"start_date": START}, headers={"Authorization": f"Bearer {read_only}"}
    )
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert client.get(EVIDENCE, headers={"Authorization": f"Bearer {read_only}"}).status_code == 200
    explicit = client.get(EVIDENCE, params={"site_id": demo.site_id})
    assert explicit.status_code == 200


def test_other_tenants_jobs_are_404_like_missing_ones(client: TestClient, system: System) -> None:
    token, _ = other_tenant(system)
    recent = (utc_now() - timedelta(days=10)).isoformat()
    theirs = client.post(EVIDENCE, json={"start_date": recent}, headers={"Authorization": f"Bearer {token}"})
    assert theirs.status_code == 201
    their_id = theirs.json()["id"]
    for job_id in (their_id, "0" * 24, "../../etc/passwd", "x"):
        for suffix in ("", "/urls"):
            response = client.get(f"{EVIDENCE}/{job_id}{suffix}")
            assert response.status_code == 404, (job_id, suffix, response.text)
            assert response.json()["code"] in ("export_not_found", "not_found")
    mine = client.get(EVIDENCE).json()
    assert their_id not in [j["id"] for j in mine["data"]]


def test_urls_before_success_is_a_4xx_with_error(client: TestClient, system: System) -> None:
    system.stop_background()  # keep the job pending
    job = client.post(EVIDENCE, json={"start_date": START}).json()
    response = client.get(f"{EVIDENCE}/{job['id']}/urls")
    assert response.status_code == 409
    assert re.search(r"is (pending|scheduled)", response.json()["error"])


def test_download_link_tampering(client: TestClient, system: System) -> None:
    job = wait_for_job(client, client.post(EVIDENCE, json={"start_date": START}).json()["id"])
    url = (
        client.get(f"{EVIDENCE}/{job['id']}/urls")
        .json()["presignedUrls"][0]
        .removeprefix("http://testserver")
    )
    path, query = url.split("?")
    no_auth = {"Authorization": ""}
    flipped = re.sub(r"signature=(.)", lambda m: "signature=" + ("0" if m.group(1) != "0" else "1"), url)
    longer = re.sub(r"expires=(\d+)", lambda m: f"expires={int(m.group(1)) + 3600}", url)
    for bad in (flipped, longer, path, path.replace(job["id"], "0" * 24) + "?" + query):
        assert client.get(bad, headers=no_auth).status_code == 403
    for traversal in ("../../secret.key", "..%2F..%2Fsecret.key", "%252e%252e%252fsecret.key"):
        response = client.get(f"{EVIDENCE}/{job['id']}/files/{traversal}?{query}", headers=no_auth)
        # a path that normalizes onto another route needs a token there (401); none is ever served
        assert response.status_code in (401, 403, 404)
        assert (system.settings.resolved_home / "secret.key").read_bytes() not in response.content
    expired = re.sub(r"expires=(\d+)", "expires=1", url)
    assert client.get(expired, headers=no_auth).status_code in (403, 410)


def test_unknown_routes_and_methods_are_json(client: TestClient) -> None:
    response = client.get("/v1.1/nope")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    response = client.delete(EVIDENCE)
    assert response.status_code == 405 and "error" in response.json()


def test_openapi_matches_the_seed(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert SEED["openapi"] == "3.0.3" and spec["openapi"] == "3.1.0"  # the seed's schemas are 3.1-valid
    seed_post = SEED["paths"]["/extract/evidence"]["post"]
    ours = spec["paths"]["/v1.1/extract/evidence"]["post"]
    assert ours["requestBody"] == seed_post["requestBody"]
    assert (
        ours["responses"]["201"]["content"]["application/json"]["schema"]
        == (seed_post["responses"]["201"]["content"]["application/json"]["schema"])
    )
    item = spec["paths"]["/v1.1/extract/evidence/{id}"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]
    assert item["schema"] == seed_post["responses"]["201"]["content"]["application/json"]["schema"]
    listing = spec["paths"]["/v1.1/extract/evidence"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]
    assert set(listing["schema"]["properties"]) == {
        "count",
        "has_more",
        "page",
        "per_page",
        "total_count",
        "data",
    }
    assert (
        "presignedUrls"
        in spec["paths"]["/v1.1/extract/evidence/{id}/urls"]["get"]["responses"]["200"]["content"][
            "application/json"
        ]["schema"]["properties"]
    )
    assert spec["components"]["securitySchemes"]["Bearer"] == {"scheme": "bearer", "type": "http"}


def test_the_vendored_seed_is_the_shared_one() -> None:
    import json
    from pathlib import Path

    shared = Path(__file__).resolve().parents[3] / "shared" / "seed"
    files = sorted(shared.glob("*.txt")) if shared.is_dir() else []
    if not files:
        pytest.skip("the shared seed folder is not beside this checkout")
    text = files[0].read_text()
    vendored = json.loads(text[text.index("```json") + 7 : text.rindex("```")])
    assert vendored == SEED


def test_example_request_is_not_mutated(client: TestClient) -> None:
    before = copy.deepcopy(EXPORT_REQUEST_EXAMPLE)
    client.post(EVIDENCE, json=EXPORT_REQUEST_EXAMPLE)
    assert before == EXPORT_REQUEST_EXAMPLE


def test_interactive_docs_work_offline(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and "/static/swagger-ui/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text.lower()
    assert client.get("/static/swagger-ui/swagger-ui-bundle.js").status_code == 200
    spec = client.get("/openapi.json").json()
    assert spec["paths"]["/health"]["get"]["security"] == []
