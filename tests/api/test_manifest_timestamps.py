"""RFC 3161 timestamps on manifests, from a real timestamp authority on loopback (OpenSSL's)."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from fastapi.testclient import TestClient

from clickproof.config import Settings
from clickproof.domain.timestamps import parse_stored, utc_now
from clickproof.evidence.verify import verify_export
from tests.conftest import make_settings, wait_for_job
from tests.support.timestamp_authority import TimestampAuthority, timestamp_authority

EVIDENCE = "/v1.1/extract/evidence"
BODY = {"start_date": (utc_now() - timedelta(days=100)).isoformat(), "export_types": ["clickwrap_activities"]}


@pytest.fixture
def tsa() -> Iterator[TimestampAuthority]:
    with timestamp_authority() as authority:
        yield authority


@pytest.fixture
def settings(tmp_path: Path, database_url: str, tsa: TimestampAuthority) -> Settings:
    certificate = tmp_path / "tsa.pem"
    certificate.write_bytes(tsa.certificate_pem)
    return make_settings(
        tmp_path / "home",
        database_url=database_url,
        tsa_url=tsa.url,
        tsa_certificate=certificate,
        max_attempts=2,
        chain_head_timestamp_seconds=0,  # manifests alone here: chain heads in test_chain_head_timestamps
    )


def _der(pem: bytes) -> bytes:
    return x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)


def download_all(client: TestClient, job_id: str, folder: Path) -> dict[str, list[str]]:
    folder.mkdir()
    urls: dict[str, list[str]] = client.get(f"{EVIDENCE}/{job_id}/urls").json()
    for url in urls["presignedUrls"]:
        response = client.get(url.removeprefix("http://testserver"), headers={"Authorization": ""})
        name = re.search(r'filename="([^"]+)"', response.headers["content-disposition"])
        assert response.status_code == 200 and name is not None
        (folder / name.group(1)).write_bytes(response.content)
    return urls


def test_each_manifest_is_timestamped_and_the_timestamp_verifies(
    client: TestClient, tsa: TimestampAuthority, tmp_path: Path
) -> None:
    before = utc_now().replace(microsecond=0)
    job = wait_for_job(client, client.post(EVIDENCE, json=BODY).json()["id"], timeout=120)
    assert job["status"] == "success", job["message"]
    urls = download_all(client, job["id"], tmp_path / "export")
    assert len(urls["manifest_timestamp"]) == 1 and tsa.requests == 1
    export, certificate = tmp_path / "export", tmp_path / "tsa.pem"
    verdict = verify_export([export], tsa_certificate=tsa.certificate_pem)
    assert verdict.ok, verdict.problems
    assert verdict.timestamp is not None and verdict.timestamp.time is not None
    assert before <= verdict.timestamp.time <= utc_now() + timedelta(seconds=2)
    assert verdict.timestamp.authority == "CN=clickproof test TSA"
    assert parse_stored(job["updated_time"]) >= verdict.timestamp.time - timedelta(seconds=2)
    # A third party's own tool agrees.
    openssl = subprocess.run(
        [
            "openssl",
            "ts",
            "-verify",
            "-in",
            str(export / "manifest.json.tsr"),
            "-data",
            str(export / "manifest.json"),
            "-CAfile",
            str(certificate),
            "-partial_chain",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert openssl.returncode == 0 and "Verification: OK" in openssl.stdout, openssl.stderr


def test_a_changed_swapped_or_foreign_timestamp_is_named(
    client: TestClient, tsa: TimestampAuthority, tmp_path: Path
) -> None:
    first = wait_for_job(client, client.post(EVIDENCE, json=BODY).json()["id"], timeout=120)
    second = wait_for_job(client, client.post(EVIDENCE, json=BODY).json()["id"], timeout=120)
    download_all(client, first["id"], tmp_path / "one")
    download_all(client, second["id"], tmp_path / "two")
    stamp = tmp_path / "one" / "manifest.json.tsr"
    original = stamp.read_bytes()
    stamp.write_bytes((tmp_path / "two" / "manifest.json.tsr").read_bytes())  # another export's timestamp
    problems = verify_export([tmp_path / "one"]).problems
    assert [(p.file, p.message) for p in problems] == [
        ("manifest.json.tsr", "the timestamp does not match: it vouches for other bytes")
    ]
    damaged = bytearray(original)
    damaged[original.index(str(utc_now().year).encode()) + 5] ^= 0x01  # the signed time (TSTInfo genTime)
    stamp.write_bytes(bytes(damaged))
    assert [p.file for p in verify_export([tmp_path / "one"]).problems] == ["manifest.json.tsr"]
    certificate_der = _der(tsa.certificate_pem)
    damaged = bytearray(original)
    damaged[original.index(certificate_der) + len(certificate_der) - 3] ^= 0x01  # the embedded certificate
    stamp.write_bytes(bytes(damaged))
    assert [
        p.message for p in verify_export([tmp_path / "one"], tsa_certificate=tsa.certificate_pem).problems
    ] == ["the timestamp carries another certificate than the TSA certificate you gave"]
    stamp.write_bytes(original)
    with timestamp_authority("another TSA") as other:
        foreign = verify_export([tmp_path / "one"], tsa_certificate=other.certificate_pem)
    assert [p.message for p in foreign.problems] == [
        "the timestamp carries another certificate than the TSA certificate you gave"
    ]
    stamp.unlink()
    missing = verify_export([tmp_path / "one"], tsa_certificate=tsa.certificate_pem)
    assert [(p.file, p.message) for p in missing.problems] == [
        ("manifest.json.tsr", "no timestamp beside the manifest")
    ]


def test_an_unreachable_authority_fails_the_job_in_plain_words(
    client: TestClient, tsa: TimestampAuthority
) -> None:
    tsa.refuse = True
    job = wait_for_job(client, client.post(EVIDENCE, json=BODY).json()["id"], timeout=120)
    assert job["status"] == "failed"
    assert f"the timestamp authority at {tsa.url} did not answer" in job["message"]
