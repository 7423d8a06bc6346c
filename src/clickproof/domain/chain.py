"""The per-site hash chain over activities: canonical JSON and the three hashes. Pure, no I/O.

An activity is split in two parts. The *personal* part (signer_id, connection_data, custom_data,
render_data, plus a random per-row salt) is hashed on its own into `pii_hash`. The *record* is
every other stored field plus `pii_hash`; its canonical JSON is hashed into `content_hash`. The
link is `chain_hash = SHA-256(prev_hash ‖ content_hash)`, with 64 zeros before the first row.

Erasing a signer removes the personal part and its salt but keeps `pii_hash`, so the record,
and with it the whole chain, still verifies; without the salt the remaining hash cannot be used
to confirm a guessed e-mail address.

Record format 2 adds the signer record as of the activity (`signer_properties`) to the personal
part; format 1 (rows stored before it, `record_version` null) has none. The record states its
format in `v`, so a row cannot be passed off as the other format.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from clickproof.domain.timestamps import format_stored

GENESIS = "0" * 64
CHAIN_VERSION = 2  # the format written now: the signer record as of the activity is hashed
LEGACY_VERSION = 1  # rows stored before signer snapshots


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 text kept as is: one byte string per value."""
    return _CANONICAL.encode(value)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class PersonalPart:
    salt: str
    signer_id: str | None
    connection_data: dict[str, Any]
    custom_data: dict[str, Any]
    render_data: dict[str, Any]
    signer_properties: dict[str, Any] | None = None  # format 2 only
    version: int = CHAIN_VERSION


def pii_hash(part: PersonalPart) -> str:
    document: dict[str, Any] = {
        "salt": part.salt,
        "signer_id": part.signer_id,
        "connection_data": part.connection_data,
        "custom_data": part.custom_data,
        "render_data": part.render_data,
    }
    if part.version >= 2:
        document["signer_properties"] = part.signer_properties
    elif part.signer_properties is not None:
        raise ValueError("a format 1 record has no signer properties")
    return sha256_hex(canonical_json(document))


def record_version(row: dict[str, Any]) -> int:
    """The format of a stored row's record: its `record_version`, 1 where null."""
    return int(row.get("record_version") or LEGACY_VERSION)


def _time(value: datetime | None) -> str | None:
    return None if value is None else format_stored(value)


def record_json(row: dict[str, Any], pii: str) -> str:
    """The canonical record of a stored activity row (keys as in the activities table)."""
    return canonical_json(
        {
            "v": record_version(row),
            "id": row["id"],
            "uuid": row["uuid"],
            "account": row["account_id"],
            "site": row["site_id"],
            "seq": row["chain_seq"],
            "group": row["group_id"],
            "contract": row["contract_id"],
            "version": row["version_id"],
            "version_number": row["version_number"],
            "event_type": row["event_type"],
            "execution_method": row["execution_method"],
            "batch": row["batch"],
            "session": row["session"],
            "created_time": _time(row["created_time"]),
            "event_time": _time(row["event_time"]),
            "test_mode": bool(row["test_mode"]),
            "source": row.get("source"),
            "pii_hash": pii,
        }
    )


def link_hash(prev_hash: str, content_hash: str) -> str:
    return hashlib.sha256(f"{prev_hash}{content_hash}".encode("ascii")).hexdigest()
