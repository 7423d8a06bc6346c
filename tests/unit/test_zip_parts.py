from __future__ import annotations

import hashlib
import shutil
import subprocess
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from clickproof.blobstore.local import LocalBlobStore
from clickproof.export.zip_parts import ENTRY_NAME, ZipPartWriter, pdf_entry_name

WHEN = datetime(2026, 9, 1, tzinfo=UTC)


def writer(root: Path, part_bytes: int = 10**9) -> ZipPartWriter:
    return ZipPartWriter(
        LocalBlobStore(root),
        part_name=lambda n: f"pdfs-part{n:04d}.zip",
        storage_key=lambda name: f"job/{name}",
        part_bytes=part_bytes,
        date_time=WHEN,
    )


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd.pdf",
        "C:\\x.pdf",
        "a\x00.pdf",
        "/abs.pdf",
        "a/b.pdf",
        "..pdf",
        "SHA256SUMS",
        "x" * 300 + ".pdf",
    ],
)
def test_hostile_entry_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="refusing"):
        writer(tmp_path).add(name, b"x")


@pytest.mark.parametrize(
    "activity_id", ["../../etc/passwd", "C:\\evil", "a\x00b", "王芳", "5e8c6ecc51289e1e22816d6c"]
)
def test_entry_names_come_from_ids_only(activity_id: str) -> None:
    assert ENTRY_NAME.match(pdf_entry_name(activity_id))
    assert pdf_entry_name("5e8c6ecc51289e1e22816d6c") == "5e8c6ecc51289e1e22816d6c.pdf"


def test_parts_are_bounded_and_list_their_entries(tmp_path: Path) -> None:
    w = writer(tmp_path, part_bytes=3000)
    payloads = {f"{i:024x}.pdf": bytes([i]) * 1000 for i in range(7)}
    for name, data in payloads.items():
        w.add(name, data)
    parts = w.close()
    assert len(parts) >= 3 and sum(p.entries for p in parts) == 7
    seen: dict[str, bytes] = {}
    for part in parts:
        path = tmp_path / part.storage_key
        assert path.stat().st_size == part.size <= 3000
        assert hashlib.sha256(path.read_bytes()).hexdigest() == part.sha256
        with zipfile.ZipFile(path) as archive:
            assert archive.testzip() is None
            sums = archive.read("SHA256SUMS").decode().splitlines()
            for line in sums:
                digest, name = line.split("  ")
                seen[name] = archive.read(name)
                assert hashlib.sha256(seen[name]).hexdigest() == digest
    assert seen == payloads


def test_same_entries_give_the_same_bytes(tmp_path: Path) -> None:
    for run in ("a", "b"):
        w = writer(tmp_path / run)
        w.add("000000000000000000000001.pdf", b"%PDF-1.7 same")
        w.close()
    assert (tmp_path / "a/job/pdfs-part0001.zip").read_bytes() == (
        tmp_path / "b/job/pdfs-part0001.zip"
    ).read_bytes()


@pytest.mark.slow
def test_a_zip_with_more_than_65535_entries_opens(tmp_path: Path) -> None:
    w = writer(tmp_path)
    count = 70_000
    for i in range(count):
        w.add(f"{i:024x}.pdf", b"%PDF")
    (part,) = w.close()
    path = tmp_path / part.storage_key
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        assert len(names) == count + 1
        assert archive.read(names[-2]) == b"%PDF"
    if shutil.which("unzip"):
        listing = subprocess.run(
            ["unzip", "-t", "-q", str(path)], capture_output=True, text=True, check=False
        )
        assert listing.returncode == 0, listing.stdout + listing.stderr
