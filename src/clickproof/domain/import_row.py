"""One row of a bulk import (a JSONL object or a CSV record): validated into the parts of an
activity, pure. CSV rows may be Ironclad's own exports: dotted headers (`connection_data.x`),
`TRUE`/`FALSE`, and text cells protected from spreadsheets by a leading `'`."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from clickproof.domain.object_id import is_object_id
from clickproof.domain.send_request import EVENT_TYPES, EXECUTION_METHODS, SIGNER_REQUIRED
from clickproof.domain.timestamps import parse_instant
from clickproof.errors import ClickproofError

FAMILIES = ("connection_data", "custom_data", "render_data")
STANDARD_COLUMNS = (
    "id",
    "uuid",
    "account",
    "site",
    "signer_id",
    "event_type",
    "execution_method",
    "contract",
    "version",
    "version_number",
    "group",
    "batch",
    "session",
    "created_time",
    "event_time",
    "test_mode",
)
IGNORED_COLUMNS = ("account", "site")  # the source system's tenant ids; the import's site applies
_NUMBER = re.compile(r"^-?(0|[1-9][0-9]{0,15})(\.[0-9]{1,15})?$")
_GUARDED = re.compile(r"^ *'[=+\-@\t\r]")


class RowError(Exception):
    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message

    def __reduce__(self) -> tuple[type[RowError], tuple[str | None, str]]:
        return RowError, (self.field, self.message)  # crosses to and from child processes


@dataclass(frozen=True)
class ImportRow:
    id: str
    uuid: str | None
    signer_id: str | None
    event_type: str
    execution_method: str | None
    contract_id: int
    version_id: str
    version_number: int | None
    group_id: int | None
    batch: str | None
    session: str | None
    created_time: datetime | None
    event_time: datetime | None
    test_mode: bool
    connection_data: dict[str, str] = field(default_factory=dict)
    custom_data: dict[str, Any] = field(default_factory=dict)
    render_data: dict[str, Any] = field(default_factory=dict)


def check_columns(columns: list[str]) -> None:
    """A CSV header: every column is a standard field or a dotted family key; `id` is required."""
    for name in columns:
        head, dot, rest = name.partition(".")
        if name not in STANDARD_COLUMNS and not (dot and head in FAMILIES and rest):
            raise RowError(name[:80], f"unknown column {name[:80]!r}")
    if "id" not in columns:
        raise RowError("id", "the header has no id column (activities are imported by id)")


def unguard(text: str) -> str:
    """Undo the spreadsheet formula guard of exports: one leading ' before = + - @ TAB CR."""
    if _GUARDED.match(text):
        index = text.index("'")
        return text[:index] + text[index + 1 :]
    return text


def csv_value(text: str) -> Any:
    """A custom/render cell of a CSV: TRUE/FALSE, numbers and JSON objects/arrays regain their type."""
    if text in ("TRUE", "FALSE"):
        return text == "TRUE"
    if _NUMBER.match(text):
        return float(text) if "." in text else int(text)
    if text[:1] in ("{", "[") and text[-1:] in ("}", "]"):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def from_csv(record: dict[str, str]) -> dict[str, Any]:
    """A CSV record as the nested document JSONL rows use; empty cells are absent values."""
    doc: dict[str, Any] = {}
    for name, raw in record.items():
        if raw is None or raw == "":
            continue
        text = unguard(raw)
        head, dot, rest = name.partition(".")
        if dot and head in FAMILIES:
            doc.setdefault(head, {})[rest] = text if head == "connection_data" else csv_value(text)
        else:
            doc[name] = text
    return doc


def _text(doc: dict[str, Any], name: str, limit: int) -> str | None:
    value = doc.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise RowError(name, f"{name} must be text")
    text = str(value)
    if len(text) > limit or "\x00" in text:
        raise RowError(name, f"{name} must be at most {limit} characters without NUL")
    return text


def _int(doc: dict[str, Any], name: str) -> int | None:
    value = doc.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.isdigit() and len(value) <= 10:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**31:
        raise RowError(name, f"{name} must be a positive whole number")
    return value


def _time(doc: dict[str, Any], name: str) -> datetime | None:
    value = doc.get(name)
    if value is None or value == "":
        return None
    try:
        return parse_instant(value, name)
    except ClickproofError as exc:
        raise RowError(name, exc.message) from None


def _bool(doc: dict[str, Any], name: str) -> bool:
    value = doc.get(name)
    if value is None or value == "" or isinstance(value, bool):
        return bool(value)
    text = str(value).lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise RowError(name, f"{name} must be TRUE or FALSE")


def _family(doc: dict[str, Any], name: str) -> dict[str, Any]:
    value = doc.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RowError(name, f"{name} must be an object")
    return value


def parse_row(doc: object) -> ImportRow:
    """Validate one row (a decoded JSONL object or `from_csv` of a record)."""
    if not isinstance(doc, dict):
        raise RowError(None, "each line must be a JSON object")
    unknown = [k for k in doc if k not in STANDARD_COLUMNS and k not in FAMILIES]
    if unknown:
        raise RowError(str(unknown[0])[:80], f"unknown field {str(unknown[0])[:80]!r}")
    activity_id = _text(doc, "id", 24)
    if activity_id is None or not is_object_id(activity_id):
        raise RowError("id", "id must be a 24-hex activity id")
    event = _text(doc, "event_type", 32)
    if event not in EVENT_TYPES:
        raise RowError("event_type", f"event_type must be one of {', '.join(EVENT_TYPES)}")
    signer = _text(doc, "signer_id", 1024)
    if signer is None and event in SIGNER_REQUIRED:
        raise RowError("signer_id", f"signer_id is required for {event} events")
    method = _text(doc, "execution_method", 32)
    if method is not None and method not in EXECUTION_METHODS:
        raise RowError("execution_method", f"execution_method must be one of {', '.join(EXECUTION_METHODS)}")
    contract = _int(doc, "contract")
    if contract is None:
        raise RowError("contract", "contract is required")
    version = _text(doc, "version", 24)
    if version is None or not is_object_id(version):
        raise RowError("version", "version must be a 24-hex version id")
    connection = _family(doc, "connection_data")
    return ImportRow(
        id=activity_id,
        uuid=_text(doc, "uuid", 64),
        signer_id=signer,
        event_type=event,
        execution_method=method,
        contract_id=contract,
        version_id=version,
        version_number=_int(doc, "version_number"),
        group_id=_int(doc, "group"),
        batch=_text(doc, "batch", 64),
        session=_text(doc, "session", 256),
        created_time=_time(doc, "created_time"),
        event_time=_time(doc, "event_time"),
        test_mode=_bool(doc, "test_mode"),
        connection_data={
            str(k): v if isinstance(v, str) else json.dumps(v) for k, v in connection.items() if v is not None
        },
        custom_data=_family(doc, "custom_data"),
        render_data=_family(doc, "render_data"),
    )
