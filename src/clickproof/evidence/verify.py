"""Offline verification of a downloaded export: a directory of its files, or the files themselves.

Checks the manifest's Ed25519 signature (and, when given, that it was made by the expected key),
that the manifest file is exactly as written, then every listed file's size and SHA-256; inside
each zip part, every entry's name, CRC and SHA-256 against the part's SHA256SUMS. Every problem
names the file it is about.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clickproof.evidence.canonical_json import canonical_json
from clickproof.evidence.manifest import MANIFEST_NAME, manifest_file_bytes
from clickproof.evidence.signing import key_id_of, signature_is_valid
from clickproof.export.zip_parts import CHECKSUMS_ENTRY, ENTRY_NAME

_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Finding:
    file: str
    message: str


@dataclass
class Verdict:
    problems: list[Finding] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)
    export_id: str | None = None
    key_id: str | None = None
    files_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def _files(paths: list[Path]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in paths:
        members = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
        for member in members:
            found.setdefault(member.name, member)
    return found


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _load_manifest(path: Path, verdict: Verdict, public_key: str | None) -> dict[str, Any] | None:
    raw = path.read_bytes()
    try:
        document = json.loads(raw.decode("utf-8"))
        body = document["manifest"]
        signature = document["signature"]
        key, value = str(signature["public_key"]), str(signature["value"])
        if not isinstance(body, dict) or not isinstance(body["files"], list):
            raise TypeError("manifest is not an object with a list of files")
        key_id = key_id_of(key)
    except (ValueError, KeyError, TypeError) as exc:
        verdict.problems.append(Finding(path.name, f"not a valid clickproof manifest ({type(exc).__name__})"))
        return None
    verdict.export_id = str(body.get("export_id"))
    verdict.key_id = key_id
    if not signature_is_valid(key, canonical_json(body), value):
        verdict.problems.append(Finding(path.name, "the signature does not match the manifest's contents"))
    if body.get("key_id") != key_id:
        verdict.problems.append(Finding(path.name, "the key id does not match the public key"))
    if public_key is not None and key != public_key:
        verdict.problems.append(Finding(path.name, "signed by another key than the expected one"))
    if manifest_file_bytes(body, key_id=key_id, public_key=key, signature=value) != raw:
        verdict.problems.append(
            Finding(path.name, "the file was modified (its bytes differ from the signed layout)")
        )
    return body


def _check_zip(path: Path, verdict: Verdict, expected_entries: int | None) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            unsafe = [n for n in names if n != CHECKSUMS_ENTRY and not ENTRY_NAME.match(n)]
            if unsafe:
                verdict.problems.append(Finding(path.name, f"unexpected entry name {unsafe[0][:60]!r}"))
            if CHECKSUMS_ENTRY not in names:
                verdict.problems.append(Finding(path.name, f"no {CHECKSUMS_ENTRY} entry"))
                return
            listed: dict[str, str] = {}
            for line in archive.read(CHECKSUMS_ENTRY).decode("utf-8").splitlines():
                digest, _, name = line.partition("  ")
                listed[name] = digest
            entries = [n for n in names if n != CHECKSUMS_ENTRY]
            if sorted(listed) != sorted(entries) or expected_entries not in (None, len(entries)):
                verdict.problems.append(
                    Finding(path.name, "its entries differ from its SHA256SUMS or the manifest")
                )
            for name in entries:
                if hashlib.sha256(archive.read(name)).hexdigest() != listed.get(name):
                    verdict.problems.append(Finding(f"{path.name}:{name}", "SHA-256 mismatch"))
    except Exception as exc:  # a damaged zip can fail in many ways; each is a finding
        verdict.problems.append(Finding(path.name, f"not a readable zip file ({exc.__class__.__name__})"))


def verify_export(paths: list[Path], *, public_key: str | None = None) -> Verdict:
    verdict = Verdict()
    files = _files(paths)
    manifest_path = files.get(MANIFEST_NAME)
    if manifest_path is None:
        verdict.problems.append(Finding(MANIFEST_NAME, "not found among the given files: nothing is signed"))
        for name, zip_path in sorted(files.items()):
            if name.endswith(".zip"):  # still check each zip against its own SHA256SUMS
                verdict.files_checked += 1
                _check_zip(zip_path, verdict, expected_entries=None)
        return verdict
    body = _load_manifest(manifest_path, verdict, public_key)
    if body is None:
        return verdict
    listed = {str(f.get("name")) for f in body["files"]}
    for entry in body["files"]:
        name = str(entry.get("name"))
        path = files.get(name)
        if path is None:
            verdict.problems.append(Finding(name, "listed in the manifest but missing"))
            continue
        verdict.files_checked += 1
        if path.stat().st_size != entry.get("size"):
            verdict.problems.append(Finding(name, "size differs from the manifest"))
        if _sha256(path) != entry.get("sha256"):
            verdict.problems.append(Finding(name, "SHA-256 differs from the manifest"))
        if name.endswith(".zip"):
            _check_zip(path, verdict, int(entry.get("rows", 0)))
    for name in sorted(set(files) - listed - {MANIFEST_NAME}):
        verdict.notes.append(Finding(name, "not listed in the manifest; not checked"))
    return verdict
