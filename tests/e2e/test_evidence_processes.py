"""End to end: evidence PDFs through a real server and the CLI, downloaded and verified offline."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_processes import START, Server, home, run_cli, server, token

__all__ = ["home", "server", "token"]  # fixtures shared with test_processes

pytestmark = pytest.mark.e2e


def test_pdf_export_downloads_and_verifies_offline(
    home: Path, database_url: str, token: str, server: Server, tmp_path: Path
) -> None:
    output = tmp_path / "downloads"
    created = run_cli(
        home,
        database_url,
        "export",
        "create",
        "--start",
        START,
        "--filter",
        json.dumps({"event_type": "disagreed"}),
        "--export-type",
        "clickwrap_activities",
        "--export-type",
        "clickwrap_activities_as_pdfs",
        "--output",
        str(output),
        env={"CLICKPROOF_URL": server.url, "CLICKPROOF_TOKEN": token},
    )
    assert created.returncode == 0, created.stderr
    assert "verified: manifest signed by the site's key" in created.stderr
    names = sorted(p.name for p in output.iterdir())
    assert names[-1] == "manifest.json" and any(n.endswith("-part0001.zip") for n in names)
    (part,) = [output / n for n in names if n.endswith(".zip")]
    with zipfile.ZipFile(part) as archive:
        pdfs = [n for n in archive.namelist() if n.endswith(".pdf")]
        assert pdfs and all(len(n) == 28 for n in pdfs)

    key = httpx.get(
        f"{server.url}/v1.1/sites/1/evidence-key", headers={"Authorization": f"Bearer {token}"}, timeout=10
    ).json()
    verified = run_cli(home, database_url, "verify", str(output), "--public-key", key["public_key"])
    assert verified.returncode == 0, verified.stdout
    assert verified.stdout.startswith("VERIFIED: export ")

    data = bytearray(part.read_bytes())
    data[len(data) // 2] ^= 0x20
    part.write_bytes(bytes(data))
    broken = run_cli(home, database_url, "verify", str(output))
    assert broken.returncode == 1
    assert f"FAILED: {part.name}" in broken.stdout

    record = httpx.get(
        f"{server.url}/v1.1/activity/{pdfs[0][:-4]}/record",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert record.status_code == 200 and record.content.startswith(b"%PDF-")
