"""What an operator's machine keeps stays private: the server's log holds no token, link signature
or personal value sent to it, and the database and export files are readable by their user only."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.e2e.test_processes import Server, api, home, server, token, wait_status

__all__ = ["home", "server", "token"]

pytestmark = pytest.mark.e2e
SID = "demo-site-access-id"
SIGNER = "private.person@example.com"
ADDRESS = "198.51.100.23"
CUSTOM = "123-45-6789"


def test_logs_carry_no_secret_and_files_are_private(
    home: Path, database_url: str, server: Server, token: str
) -> None:
    client = api(server, token)
    cus = json.dumps({"national_id": CUSTOM})
    sent = httpx.get(
        f"{server.url}/send",
        params={"sid": SID, "sig": SIGNER, "et": "agreed", "cid": "1", "addr": ADDRESS, "cus": cus},
    )
    assert sent.status_code == 200, sent.text
    assert (
        httpx.get(f"{server.url}/latest", params={"sid": SID, "sig": SIGNER, "cid": "1"}).status_code == 200
    )
    assert httpx.get(f"{server.url}/v1.1/extract/evidence", params={"access_token": token}).status_code == 401
    assert client.get(f"/v1.1/signers/{SIGNER}").status_code == 200
    job = client.post(
        "/v1.1/extract/evidence", json={"start_date": "2026-01-01T00:00:00Z", "custom_all": True}
    )
    assert job.status_code == 201, job.text
    done = wait_status(client, job.json()["id"], {"success", "failed"})
    assert done["status"] == "success", done["message"]
    links = client.get(f"/v1.1/extract/evidence/{done['id']}/urls").json()["presignedUrls"]
    signatures = [parse_qs(urlsplit(link).query)["signature"][0] for link in links]
    for link in links:
        assert httpx.get(link).status_code == 200
    server.stop()

    log = (home / f"serve-{server.port}.log").read_text()
    assert "GET /send HTTP/1.1" in log and "/v1.1/signers/[signer]" in log  # the requests were logged
    for secret in (token, SIGNER, ADDRESS, CUSTOM, *signatures):
        assert secret not in log, f"{secret[:12]}… is in the server log"

    if database_url.startswith("sqlite"):
        database = Path(database_url.removeprefix("sqlite:///"))
        assert stat.S_IMODE(database.stat().st_mode) == 0o600
        assert stat.S_IMODE((home / "queue.db").stat().st_mode) == 0o600
    exported = [p for p in (home / "exports").rglob("*") if p.is_file()]
    assert exported
    assert {stat.S_IMODE(p.stat().st_mode) for p in exported} == {0o600}
    folders = [p for p in (home / "exports").rglob("*") if p.is_dir()]
    assert all(stat.S_IMODE(p.stat().st_mode) & 0o077 == 0 for p in folders)
