"""Every evidence PDF the service hands out is sealed by the site's evidence key, on both
databases: an export's PDFs, an activity's record, a session's and a signer's record. Each one
verifies on its own with pyHanko against the published certificate and with `clickproof
verify-pdf` against the published keys; a rotated key seals what follows; the setting turns it off."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from clickproof.api.app import create_app
from clickproof.bootstrap import System, build_system
from clickproof.cli.main import app
from clickproof.evidence.trust import keys_from_public_key_option
from clickproof.evidence.verify_seal import verify_sealed_pdf
from clickproof.services.demo_data import DemoResult, seed_demo
from tests.api.test_history_records import SIGNER, send
from tests.api.test_published_keys import START, export_to, published
from tests.conftest import make_settings
from tests.seal_checks import pyhanko_verdict

DOCS = Path(__file__).resolve().parents[2] / "docs" / "verification.md"


def published_certificate(client: TestClient) -> bytes:
    pem = str(published(client)["seal_certificate_pem"])
    return x509.load_pem_x509_certificate(pem.encode()).public_bytes(Encoding.DER)


def check_sealed(pdf: bytes, keys_file: Path, certificate: bytes) -> str:
    """The key id that sealed `pdf`, after pyHanko and clickproof both verified it."""
    checked = pyhanko_verdict(pdf, certificate)
    assert checked.bottom_line and checked.whole_file and checked.trusted, checked
    verdict = verify_sealed_pdf(pdf, trusted=keys_from_public_key_option(str(keys_file)), fingerprints=[])
    assert verdict.status == "verified", verdict.problems
    assert verdict.key_id is not None
    return verdict.key_id


def test_every_pdf_of_an_export_and_of_the_record_routes_is_sealed(
    client: TestClient, demo: DemoResult, tmp_path: Path
) -> None:
    body = {
        "start_date": START,
        "export_types": ["clickwrap_activities_as_pdfs"],
        "filter": {"event_type": "agreed"},
    }
    export_to(client, tmp_path / "export", body)
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(json.dumps(published(client)))
    certificate = published_certificate(client)
    (current,) = published(client)["keys"]  # type: ignore[misc]
    sealed_by: set[str] = set()
    for part in (tmp_path / "export").glob("*.zip"):
        with zipfile.ZipFile(part) as archive:
            pdfs = [archive.read(n) for n in archive.namelist() if n.endswith(".pdf")]
        assert pdfs
        sealed_by |= {check_sealed(pdf, keys_file, certificate) for pdf in pdfs}
    assert sealed_by == {current["key_id"]}

    send(client, "displayed", "checkout-7")
    send(client, "agreed", "checkout-7")
    activity = client.get("/v1.1/activity", params={"filter": json.dumps({"session": "checkout-7"})}).json()
    records = [
        client.get(f"/v1.1/activity/{activity['data'][0]['id']}/record"),
        client.get(f"/v1.1/activity/record/session:checkout-7?signer_id={quote(SIGNER)}"),
        client.get(f"/v1.1/signers/{quote(SIGNER)}/record"),
    ]
    for response in records:
        assert response.status_code == 200, response.text
        assert check_sealed(response.content, keys_file, certificate) == current["key_id"]


def test_a_rotated_key_seals_what_follows_and_the_cli_says_who_sealed(
    client: TestClient, system: System, demo: DemoResult, tmp_path: Path
) -> None:
    first = client.get("/v1.1/activity", params={"per_page": 1}).json()["data"][0]["id"]
    before = client.get(f"/v1.1/activity/{first}/record").content
    system.keys.rotate(demo.site_id)
    after = client.get(f"/v1.1/activity/{first}/record").content
    document = published(client)
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(json.dumps(document))
    old, new = document["keys"]  # type: ignore[misc]
    (tmp_path / "before.pdf").write_bytes(before)
    (tmp_path / "after.pdf").write_bytes(after)
    assert check_sealed(after, keys_file, published_certificate(client)) == new["key_id"]

    runner = CliRunner()
    result = runner.invoke(app, ["verify-pdf", str(tmp_path / "before.pdf"), "--public-key", str(keys_file)])
    assert result.exit_code == 0 and f"sealed by key {old['key_id']}" in result.output, result.output
    assert f"note: {tmp_path / 'before.pdf'}: the key was retired at {old['valid_until']}" in result.output
    unconfirmed = runner.invoke(app, ["verify-pdf", str(tmp_path / "after.pdf")])
    assert unconfirmed.exit_code == 3 and "KEY NOT CONFIRMED" in unconfirmed.output
    changed = after.replace(b"/Lang (en)", b"/Lang (de)")
    assert changed != after
    (tmp_path / "changed.pdf").write_bytes(changed)
    refused = runner.invoke(
        app,
        [
            "verify-pdf",
            str(tmp_path / "after.pdf"),
            str(tmp_path / "changed.pdf"),
            "--public-key",
            str(keys_file),
        ],
    )
    assert refused.exit_code == 1 and "changed after it was sealed" in refused.output, refused.output
    assert f"VERIFIED: {tmp_path / 'after.pdf'}" in refused.output


@pytest.fixture
def unsealed_client(tmp_path: Path) -> Iterator[tuple[TestClient, DemoResult]]:
    system = build_system(make_settings(tmp_path / "home", pdf_seal=False))
    demo = seed_demo(system.engine, system.tenants, system.activities, activities=20, seed=7)
    with TestClient(create_app(system), raise_server_exceptions=False) as client:
        client.headers["Authorization"] = f"Bearer {demo.token}"
        yield client, demo
    system.close()


def test_the_setting_turns_the_seal_off(unsealed_client: tuple[TestClient, DemoResult]) -> None:
    client, _demo = unsealed_client
    first = client.get("/v1.1/activity", params={"per_page": 1}).json()["data"][0]["id"]
    pdf = client.get(f"/v1.1/activity/{first}/record").content
    assert verify_sealed_pdf(pdf, trusted=[], fingerprints=[]).problems == [
        "the PDF holds no seal (no signed signature field)"
    ]
    assert b"/AcroForm" not in pdf and pdf.startswith(b"%PDF-1.7")


def test_the_documented_pyhanko_check_validates_a_real_record_and_refuses_a_changed_one(
    client: TestClient, demo: DemoResult, tmp_path: Path
) -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.S)
    (script,) = [b for b in blocks if "validate_pdf_signature" in b]
    (tmp_path / "check.py").write_text(script)
    (tmp_path / "seal.pem").write_text(str(published(client)["seal_certificate_pem"]))
    first = client.get("/v1.1/activity", params={"per_page": 1}).json()["data"][0]["id"]
    pdf = client.get(f"/v1.1/activity/{first}/record").content
    (tmp_path / "record.pdf").write_bytes(pdf)
    (tmp_path / "changed.pdf").write_bytes(pdf.replace(b"/Lang (en)", b"/Lang (fr)"))

    def check(name: str) -> subprocess.CompletedProcess[str]:
        command = [
            sys.executable,
            str(tmp_path / "check.py"),
            str(tmp_path / name),
            str(tmp_path / "seal.pem"),
        ]
        return subprocess.run(command, capture_output=True, text=True, check=False)

    valid = check("record.pdf")
    assert valid.returncode == 0 and "judged VALID" in valid.stdout, valid.stdout + valid.stderr
    changed = check("changed.pdf")
    assert changed.returncode == 1 and "judged VALID" not in changed.stdout
