"""Checking one zip part of an export: every entry by name, CRC-32 and SHA-256 against SHA256SUMS.

Every finding names the part and the entry. A damaged central directory does not end the
check: the entries are then read from their local headers (evidence/zip_salvage.py) and each one
that can still be read is checked.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from clickproof.evidence.zip_salvage import salvage_entries
from clickproof.export.zip_parts import CHECKSUMS_ENTRY, ENTRY_NAME


@dataclass(frozen=True)
class Finding:
    file: str
    message: str
    entry: str | None = None

    @property
    def where(self) -> str:
        return self.file if self.entry is None else f"{self.file}:{self.entry}"


@dataclass
class ZipContents:
    """What a part holds: entry name -> SHA-256 of its bytes, None where unreadable."""

    entries: dict[str, str | None] = field(default_factory=dict)
    problems: list[Finding] = field(default_factory=list)


def _entries(path: Path, contents: ZipContents) -> Iterator[tuple[str, bytes | None]]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        contents.problems.append(
            Finding(
                path.name, f"its zip directory is unreadable ({exc}); entries read from their local headers"
            )
        )
        for salvaged in salvage_entries(path.read_bytes()):
            if salvaged.problem is not None:
                contents.problems.append(Finding(path.name, salvaged.problem, salvaged.name))
            yield salvaged.name, salvaged.data
        return
    with archive:
        for info in archive.infolist():
            try:
                yield info.filename, archive.read(info)
            except zipfile.BadZipFile as exc:
                message = "CRC-32 mismatch: the entry's bytes changed" if "CRC" in str(exc) else str(exc)
                contents.problems.append(Finding(path.name, message, info.filename))
                yield info.filename, None
            except Exception as exc:
                contents.problems.append(
                    Finding(path.name, f"unreadable ({exc.__class__.__name__})", info.filename)
                )
                yield info.filename, None


def check_zip(path: Path) -> ZipContents:
    contents = ZipContents()
    checksums: bytes | None = None
    for name, data in _entries(path, contents):
        if name == CHECKSUMS_ENTRY:
            checksums = data
            continue
        if not ENTRY_NAME.match(name):
            contents.problems.append(Finding(path.name, "unexpected entry name", name[:100]))
        if name in contents.entries:
            contents.problems.append(Finding(path.name, "the entry occurs twice", name))
        contents.entries[name] = None if data is None else hashlib.sha256(data).hexdigest()
    if checksums is None:
        contents.problems.append(Finding(path.name, f"no readable {CHECKSUMS_ENTRY} entry"))
        return contents
    listed: dict[str, str] = {}
    for line in checksums.decode("utf-8", "replace").splitlines():
        listed_digest, _, listed_name = line.partition("  ")
        listed[listed_name] = listed_digest
    missing = sorted(set(listed) - set(contents.entries))
    extra = sorted(set(contents.entries) - set(listed))
    renamed = {
        new: old
        for new in extra
        for old in missing
        if contents.entries[new] is not None and contents.entries[new] == listed[old]
    }
    for old in missing:
        if old not in renamed.values():
            contents.problems.append(Finding(path.name, f"listed in {CHECKSUMS_ENTRY} but missing", old))
    for new in extra:
        if new in renamed:
            contents.problems.append(
                Finding(path.name, f"renamed: listed in {CHECKSUMS_ENTRY} as {renamed[new]}", new)
            )
        else:
            contents.problems.append(Finding(path.name, f"not listed in {CHECKSUMS_ENTRY}: added", new))
    for entry_name, found in contents.entries.items():
        if found is not None and entry_name in listed and found != listed[entry_name]:
            contents.problems.append(
                Finding(path.name, f"SHA-256 differs from {CHECKSUMS_ENTRY}", entry_name)
            )
    return contents
