"""Offline verification of a downloaded export: a directory of its files, or the files themselves.

Three outcomes, never confused: the files are intact and signed by a key the verifier trusts
(`verified`); intact and signed, but by a key nobody confirmed (`unconfirmed`: anyone can make
such a bundle); or not intact (`not_verified`). Every finding names its file and, inside a zip,
its entry; the verdict lists all of them, not the first.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clickproof.evidence.manifest import MANIFEST_NAME, manifest_file_bytes, signed_bytes
from clickproof.evidence.signing import fingerprint_of, key_id_of, signature_is_valid
from clickproof.evidence.timestamps import TIMESTAMP_SUFFIX, TimestampCheck, check_timestamp
from clickproof.evidence.trust import TrustedKey, trusted_key
from clickproof.evidence.verify_zip import Finding, check_zip
from clickproof.export.zip_parts import pdf_entry_name

_CHUNK = 1024 * 1024
ACTIVITY_PDFS = "clickwrap_activities_as_pdfs"

EXIT_VERIFIED = 0
EXIT_NOT_VERIFIED = 1
EXIT_UNCONFIRMED_KEY = 3

__all__ = [
    "EXIT_NOT_VERIFIED",
    "EXIT_UNCONFIRMED_KEY",
    "EXIT_VERIFIED",
    "Finding",
    "Verdict",
    "verify_export",
]


@dataclass
class Verdict:
    problems: list[Finding] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)
    export_id: str | None = None
    key_id: str | None = None
    fingerprint: str | None = None
    public_key: str | None = None
    site: int | None = None
    account: int | None = None
    trusted_by: TrustedKey | None = None
    timestamp: TimestampCheck | None = None  # the manifest's RFC 3161 timestamp, when one is beside it
    files_checked: int = 0

    @property
    def ok(self) -> bool:
        """Intact: every file matches a validly signed manifest (whoever signed it)."""
        return not self.problems

    @property
    def status(self) -> str:
        if self.problems:
            return "not_verified"
        return "verified" if self.trusted_by is not None else "unconfirmed"

    @property
    def exit_code(self) -> int:
        return {"verified": EXIT_VERIFIED, "unconfirmed": EXIT_UNCONFIRMED_KEY}.get(
            self.status, EXIT_NOT_VERIFIED
        )


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


def _load_manifest(path: Path, verdict: Verdict) -> dict[str, Any] | None:
    raw = path.read_bytes()
    try:
        document = json.loads(raw.decode("utf-8"))
        body = document["manifest"]
        signature = document["signature"]
        key, value = str(signature["public_key"]), str(signature["value"])
        if not isinstance(body, dict) or not isinstance(body["files"], list):
            raise TypeError("manifest is not an object with a list of files")
        key_id = key_id_of(key)
        fingerprint = fingerprint_of(key)
    except (ValueError, KeyError, TypeError) as exc:
        verdict.problems.append(Finding(path.name, f"not a valid clickproof manifest ({type(exc).__name__})"))
        return None
    verdict.export_id = str(body.get("export_id"))
    verdict.key_id, verdict.fingerprint, verdict.public_key = key_id, fingerprint, key
    verdict.site, verdict.account = body.get("site"), body.get("account")
    if not signature_is_valid(key, signed_bytes(body), value):
        verdict.problems.append(
            Finding(
                path.name,
                "the signature does not match the manifest's contents: a field was changed after signing",
            )
        )
    if body.get("key_id") != key_id:
        verdict.problems.append(Finding(path.name, "the manifest's key_id is not the id of its signing key"))
    if "key_fingerprint" in body and body["key_fingerprint"] != fingerprint:
        verdict.problems.append(Finding(path.name, "the manifest's key_fingerprint is not its signing key's"))
    if manifest_file_bytes(body, key_id=key_id, public_key=key, signature=value) != raw:
        verdict.problems.append(
            Finding(path.name, "the file was modified (its bytes differ from the signed layout)")
        )
    return body


def _check_trust(
    verdict: Verdict, body: dict[str, Any], anchors: Sequence[TrustedKey], fingerprints: set[str]
) -> None:
    key = verdict.public_key
    assert key is not None
    match = next((a for a in anchors if a.public_key == key), None)
    if match is None and fingerprints & {verdict.key_id, verdict.fingerprint}:
        match = trusted_key(key, "--key-fingerprint")
    if match is None:
        given = [a for a in anchors if not a.source.startswith("pinned")]
        pinned_here = [a for a in anchors if a.source.startswith("pinned") and a.site == verdict.site]
        if given or fingerprints:
            verdict.problems.append(
                Finding(MANIFEST_NAME, f"signed by key {verdict.key_id}, which is not a key you trust")
            )
        elif pinned_here and any(a.account == verdict.account for a in pinned_here):
            verdict.problems.append(
                Finding(
                    MANIFEST_NAME,
                    f"signed by key {verdict.key_id}, but the key pinned for site {verdict.site} is "
                    + ", ".join(a.key_id for a in pinned_here),
                )
            )
        return
    for label, expected, stated in (
        ("site", match.site, verdict.site),
        ("account", match.account, verdict.account),
    ):
        if expected is not None and stated != expected:
            verdict.problems.append(
                Finding(
                    MANIFEST_NAME,
                    f"the manifest names {label} {stated}, but the trusted key is {label} {expected}'s",
                )
            )
            return
    signed_at = str(body.get("generated_time", ""))
    if (match.valid_from and signed_at < match.valid_from) or (
        match.valid_until and signed_at >= match.valid_until
    ):
        verdict.problems.append(
            Finding(
                MANIFEST_NAME,
                f"signed at {signed_at}, outside the key's published validity "
                f"({match.valid_from} until {match.valid_until or 'now'})",
            )
        )
        return
    verdict.trusted_by = match


def _pdf_names_from_csv(path: Path) -> set[str] | None:
    """The PDF entry each row of an (authentic) export CSV implies, when the CSV has an id column."""
    with open(path, "rb") as handle:
        reader = csv.reader(io.TextIOWrapper(handle, encoding="utf-8-sig", newline=""))
        header = next(reader, None)
        if header is None or "id" not in header:
            return None
        position = header.index("id")
        return {pdf_entry_name(row[position]) for row in reader if len(row) > position}


def _check_files(verdict: Verdict, body: dict[str, Any], files: dict[str, Path]) -> None:
    listed = {str(f.get("name")) for f in body["files"]}
    unlisted = {name: files[name] for name in sorted(set(files) - listed - {MANIFEST_NAME})}
    unlisted_hashes = {_sha256(p): name for name, p in unlisted.items()}
    zip_entries: dict[str, str | None] = {}
    zips_readable, authentic_csvs, zip_names = True, [], []
    for position, entry in enumerate(body["files"]):
        name = str(entry.get("name"))
        path = files.get(name)
        if path is None:
            renamed = unlisted_hashes.get(str(entry.get("sha256")))
            if renamed is not None:
                verdict.problems.append(Finding(renamed, f"renamed: the manifest lists this file as {name}"))
                unlisted.pop(renamed)
            else:
                verdict.problems.append(Finding(name, "listed in the manifest but missing"))
                zips_readable = zips_readable and not name.endswith(".zip")
            continue
        verdict.files_checked += 1
        size, digest = path.stat().st_size, _sha256(path)
        if size != entry.get("size"):
            verdict.problems.append(
                Finding(name, f"size {size} differs from the manifest's files[{position}].size")
            )
        if digest != entry.get("sha256"):
            verdict.problems.append(
                Finding(name, f"SHA-256 differs from the manifest's files[{position}].sha256")
            )
        elif name.endswith(".csv"):
            authentic_csvs.append(path)
        if name.endswith(".zip"):
            contents = check_zip(path)
            verdict.problems.extend(contents.problems)
            if len(contents.entries) != entry.get("rows"):
                verdict.problems.append(
                    Finding(
                        name, f"holds {len(contents.entries)} entries; the manifest says {entry.get('rows')}"
                    )
                )
            if entry.get("export_type", ACTIVITY_PDFS) == ACTIVITY_PDFS:  # one PDF per CSV row
                zip_names.append(name)
                zip_entries.update(contents.entries)
    if zip_entries and zips_readable and len(authentic_csvs) == 1:
        expected = _pdf_names_from_csv(authentic_csvs[0])
        for missing in sorted((expected or set()) - set(zip_entries)):
            verdict.problems.append(
                Finding(", ".join(zip_names), "missing: the CSV has this row, no zip part its PDF", missing)
            )
    for name in unlisted:
        verdict.notes.append(Finding(name, "not listed in the manifest; not checked"))


def _check_timestamp(
    verdict: Verdict, files: dict[str, Path], manifest: Path, certificate: bytes | None
) -> None:
    path = files.pop(MANIFEST_NAME + TIMESTAMP_SUFFIX, None)
    if path is None:
        if certificate is not None:
            verdict.problems.append(
                Finding(MANIFEST_NAME + TIMESTAMP_SUFFIX, "no timestamp beside the manifest")
            )
        return
    verdict.files_checked += 1
    check = check_timestamp(path.read_bytes(), manifest.read_bytes(), certificate=certificate)
    verdict.timestamp = check
    if check.problem is not None:
        verdict.problems.append(Finding(path.name, check.problem))
    elif certificate is None:
        verdict.notes.append(
            Finding(
                path.name, f"timestamped by {check.authority}, a timestamp authority you have not confirmed"
            )
        )


def verify_export(
    paths: list[Path],
    *,
    public_key: str | None = None,
    trusted: Sequence[TrustedKey] = (),
    fingerprints: Sequence[str] = (),
    tsa_certificate: bytes | None = None,
) -> Verdict:
    verdict = Verdict()
    anchors = [*trusted, *([trusted_key(public_key, "--public-key")] if public_key else [])]
    files = _files(paths)
    manifest_path = files.get(MANIFEST_NAME)
    if manifest_path is None:
        verdict.problems.append(Finding(MANIFEST_NAME, "not found among the given files: nothing is signed"))
        for name, zip_path in sorted(files.items()):
            if name.endswith(".zip"):  # still check each zip against its own SHA256SUMS
                verdict.files_checked += 1
                verdict.problems.extend(check_zip(zip_path).problems)
        return verdict
    body = _load_manifest(manifest_path, verdict)
    if body is None:
        return verdict
    _check_trust(verdict, body, anchors, set(fingerprints))
    _check_timestamp(verdict, files, manifest_path, tsa_certificate)
    _check_files(verdict, body, files)
    return verdict


def verify_manifest(
    path: Path, *, trusted: Sequence[TrustedKey] = (), fingerprints: Sequence[str] = ()
) -> tuple[Verdict, dict[str, Any] | None]:
    """The manifest alone: its signature, its layout and who signed it (not the files it lists)."""
    verdict = Verdict()
    body = _load_manifest(path, verdict)
    if body is not None:
        _check_trust(verdict, body, trusted, set(fingerprints))
    return verdict, body
