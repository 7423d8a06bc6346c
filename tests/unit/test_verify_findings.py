"""Exact tamper verdicts: every finding names the file and, inside a zip, the entry; all are listed."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

from clickproof.evidence.verify import verify_export
from clickproof.export.zip_parts import CHECKSUMS_ENTRY
from tests.unit.test_verify import KEY, make_export

FIRST, SECOND = "5e8c6ecc51289e1e22816d6c.pdf", "5e8c6ecc51289e1e22816d6d.pdf"


def _part(directory: Path) -> Path:
    return next(directory.glob("*.zip"))


def _findings(directory: Path) -> list[tuple[str, str | None, str]]:
    verdict = verify_export([directory], public_key=KEY.public_key)
    return [(p.file, p.entry, p.message) for p in verdict.problems]


def _rewrite_zip(part: Path, entries: dict[str, bytes], *, fix_checksums: bool) -> None:
    with zipfile.ZipFile(part) as archive:
        old_sums = archive.read(CHECKSUMS_ENTRY)
    sums = (
        "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in entries.items()).encode()
        if fix_checksums
        else old_sums
    )
    with zipfile.ZipFile(part, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        archive.writestr(CHECKSUMS_ENTRY, sums)


def _entries(part: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(part) as archive:
        return {n: archive.read(n) for n in archive.namelist() if n != CHECKSUMS_ENTRY}


def test_a_flipped_byte_inside_a_pdf_in_the_zip_names_the_pdf(tmp_path: Path) -> None:
    directory = make_export(tmp_path)
    part = _part(directory)
    data = bytearray(part.read_bytes())
    offset = data.index(b"%PDF-1.7 two") + 9
    data[offset] ^= 0x01
    part.write_bytes(bytes(data))
    findings = _findings(directory)
    assert (part.name, SECOND, "CRC-32 mismatch: the entry's bytes changed") in findings
    assert (part.name, None, "SHA-256 differs from the manifest's files[1].sha256") in findings
    assert not any(f[1] == FIRST for f in findings)  # the intact entry is not blamed


def test_a_pdf_removed_with_sha256sums_rewritten_is_named(tmp_path: Path) -> None:
    directory = make_export(tmp_path)
    part = _part(directory)
    entries = _entries(part)
    del entries[FIRST]
    _rewrite_zip(part, entries, fix_checksums=True)
    findings = _findings(directory)
    assert (part.name, FIRST, "missing: the CSV has this row, no zip part its PDF") in findings
    assert (part.name, None, "holds 1 entries; the manifest says 2") in findings


def test_added_removed_and_renamed_entries(tmp_path: Path) -> None:
    directory = make_export(tmp_path)
    part = _part(directory)
    entries = _entries(part)
    entries["5e8c6ecc51289e1e22816d6e.pdf"] = entries.pop(SECOND)  # renamed
    entries["5e8c6ecc51289e1e22816d6f.pdf"] = b"%PDF-1.7 planted"  # added
    del entries[FIRST]  # removed
    _rewrite_zip(part, entries, fix_checksums=False)
    findings = _findings(directory)
    assert (part.name, FIRST, f"listed in {CHECKSUMS_ENTRY} but missing") in findings
    assert (
        part.name,
        "5e8c6ecc51289e1e22816d6e.pdf",
        f"renamed: listed in {CHECKSUMS_ENTRY} as {SECOND}",
    ) in findings
    assert (part.name, "5e8c6ecc51289e1e22816d6f.pdf", f"not listed in {CHECKSUMS_ENTRY}: added") in findings


def test_a_corrupt_zip_directory_still_checks_every_readable_entry(tmp_path: Path) -> None:
    directory = make_export(tmp_path)
    part = _part(directory)
    data = bytearray(part.read_bytes())
    directory_start = data.rindex(b"PK\x01\x02", 0, data.index(b"PK\x05\x06"))
    data[data.index(b"PK\x01\x02") : directory_start + 4] = b"XX" * (
        (directory_start + 4 - data.index(b"PK\x01\x02")) // 2
    )
    first_pdf = data.index(b"%PDF-1.7 one") + 9
    data[first_pdf] ^= 0x02  # and one entry's bytes
    part.write_bytes(bytes(data))
    findings = _findings(directory)
    messages = {(f[1], f[2]) for f in findings if f[0] == part.name}
    assert any(
        entry is None and message.startswith("its zip directory is unreadable") for entry, message in messages
    )
    assert (FIRST, "CRC-32 mismatch: the entry's bytes changed") in messages
    assert not any(entry == SECOND for entry, _ in messages)  # still read, and intact


def test_a_renamed_file_and_a_changed_manifest_field_are_named(tmp_path: Path) -> None:
    directory = make_export(tmp_path)
    csv = next(directory.glob("*.csv"))
    csv.rename(directory / "activities.csv")
    manifest = directory / "manifest.json"
    document = json.loads(manifest.read_text())
    document["manifest"]["row_count"] = 1
    manifest.write_text(json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    findings = _findings(directory)
    assert ("activities.csv", None, f"renamed: the manifest lists this file as {csv.name}") in findings
    assert (
        "manifest.json",
        None,
        "the signature does not match the manifest's contents: a field was changed after signing",
    ) in findings
    assert len(findings) == 2  # every finding, not the first


def test_a_removed_file_is_named(tmp_path: Path) -> None:
    directory = make_export(tmp_path)
    part = _part(directory)
    part.unlink()
    assert _findings(directory) == [(part.name, None, "listed in the manifest but missing")]
