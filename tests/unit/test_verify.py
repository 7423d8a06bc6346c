"""Tamper tests: any flipped byte in any file of an export is reported with that file's name."""

from __future__ import annotations

import hashlib
import json
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clickproof.blobstore.local import LocalBlobStore
from clickproof.cli.main import app
from clickproof.evidence.manifest import ManifestFile, manifest_body, signed_manifest
from clickproof.evidence.signing import fingerprint_of, generate_key
from clickproof.evidence.verify import verify_export
from clickproof.export.zip_parts import ZipPartWriter

KEY = generate_key()


def make_export(root: Path) -> Path:
    directory = root / "export"
    directory.mkdir(parents=True)
    csv = directory / "clickwrap_activities-0123456789abcdef01234567.csv"
    csv.write_bytes(
        b'"id","signer_id"\r\n"5e8c6ecc51289e1e22816d6c","a"\r\n"5e8c6ecc51289e1e22816d6d","b"\r\n'
    )
    w = ZipPartWriter(
        LocalBlobStore(root / "store"),
        part_name=lambda n: f"clickwrap_activities_as_pdfs-0123456789abcdef01234567-part{n:04d}.zip",
        storage_key=lambda name: name,
        part_bytes=10**9,
        date_time=datetime(2026, 9, 1, tzinfo=UTC),
    )
    w.add("5e8c6ecc51289e1e22816d6c.pdf", b"%PDF-1.7 one")
    w.add("5e8c6ecc51289e1e22816d6d.pdf", b"%PDF-1.7 two")
    (part,) = w.close()
    (directory / part.name).write_bytes((root / "store" / part.name).read_bytes())
    files = [
        ManifestFile(csv.name, "clickwrap_activities", "text/csv", csv.stat().st_size, _sha(csv), 2),
        ManifestFile(part.name, "clickwrap_activities_as_pdfs", "application/zip", part.size, part.sha256, 2),
    ]
    body = manifest_body(
        export_id="0123456789abcdef01234567",
        account_id=1,
        site_id=1,
        created_time="2026-09-01T00:00:00.000000Z",
        data={
            "start_date": "2026-08-01T00:00:00.000000Z",
            "end_date": "2026-09-01T00:00:00.000000Z",
            "filter_description": "all",
        },
        row_count=2,
        files=files,
        version="0.1.0",
        generated_time="2026-09-01T00:00:01.000000Z",
        key=KEY,
    )
    (directory / "manifest.json").write_bytes(signed_manifest(body, KEY))
    return directory


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_an_untouched_export_verifies(tmp_path: Path) -> None:
    directory = make_export(tmp_path)
    verdict = verify_export([directory], public_key=KEY.public_key)
    assert verdict.ok, verdict.problems
    assert verdict.files_checked == 2 and verdict.key_id == KEY.key_id
    assert verify_export(sorted(directory.iterdir())).ok


def flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01 << (offset % 8)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("name_part", ["manifest.json", ".csv", ".zip"])
def test_every_flipped_byte_is_reported_with_the_file_name(tmp_path: Path, name_part: str) -> None:
    directory = make_export(tmp_path)
    (target,) = [p for p in directory.iterdir() if p.name.endswith(name_part)]
    size = target.stat().st_size
    offsets = range(size) if size < 4000 else random.Random(1).sample(range(size), 300)
    original = target.read_bytes()
    for offset in offsets:
        flip(target, offset)
        verdict = verify_export([directory])
        assert not verdict.ok, f"flip at {offset} of {target.name} went unnoticed"
        assert any(p.file.startswith(target.name) for p in verdict.problems), (offset, verdict.problems)
        target.write_bytes(original)


def test_missing_extra_and_foreign_key(tmp_path: Path) -> None:
    directory = make_export(tmp_path)
    (directory / "notes.txt").write_text("mine")
    verdict = verify_export([directory])
    assert verdict.ok and [n.file for n in verdict.notes] == ["notes.txt"]
    assert not verify_export([directory], public_key=generate_key().public_key).ok
    zip_path = next(directory.glob("*.zip"))
    zip_path.unlink()
    verdict = verify_export([directory])
    assert [(p.file, p.message) for p in verdict.problems] == [
        (zip_path.name, "listed in the manifest but missing")
    ]


def test_a_resigned_manifest_with_another_key_is_never_verified(tmp_path: Path) -> None:
    directory = make_export(tmp_path)
    document = json.loads((directory / "manifest.json").read_text())
    other = generate_key()
    body = {**document["manifest"], "key_id": other.key_id, "row_count": 3}
    body["key_fingerprint"] = fingerprint_of(other.public_key)
    (directory / "manifest.json").write_bytes(signed_manifest(body, other))
    alone = verify_export([directory])
    assert alone.ok and alone.status == "unconfirmed"  # self-consistent, but nobody vouches for the key
    pinned = verify_export([directory], public_key=KEY.public_key)
    assert pinned.status == "not_verified"
    assert [p.message for p in pinned.problems] == [
        f"signed by key {other.key_id}, which is not a key you trust"
    ]


def test_verify_command_prints_a_verdict(tmp_path: Path) -> None:
    directory = make_export(tmp_path)
    runner = CliRunner()
    good = runner.invoke(app, ["verify", str(directory), "--public-key", KEY.public_key])
    assert good.exit_code == 0 and "VERIFIED: export 0123456789abcdef01234567" in good.output
    unconfirmed = runner.invoke(app, ["verify", str(directory)])
    assert unconfirmed.exit_code == 3 and "KEY NOT CONFIRMED" in unconfirmed.output
    flip(next(directory.glob("*.csv")), 3)
    bad = runner.invoke(app, ["verify", str(directory)])
    assert bad.exit_code == 1
    assert "FAILED: clickwrap_activities-0123456789abcdef01234567.csv: SHA-256 differs" in bad.output
    assert "NOT VERIFIED" in bad.output


def test_zips_without_the_manifest_are_checked_but_not_verified(tmp_path: Path) -> None:
    directory = make_export(tmp_path)
    (directory / "manifest.json").unlink()
    part = next(directory.glob("*.zip"))
    verdict = verify_export([part])
    assert not verdict.ok and [p.file for p in verdict.problems] == ["manifest.json"]
    data = bytearray(part.read_bytes())
    data[40] ^= 0x01  # inside the first entry's data
    part.write_bytes(bytes(data))
    assert any(p.file.startswith(part.name) for p in verify_export([part]).problems)
