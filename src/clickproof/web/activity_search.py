"""The activity search form of the console, read into a filter of the query language
(docs/query-language.md), so that the search finds exactly what an export with that filter would."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from starlette.requests import Request

from clickproof.domain.object_id import is_object_id
from clickproof.domain.send_request import EVENT_TYPES
from clickproof.domain.strict_int import ascii_int
from clickproof.errors import ValidationError

FIELDS = ("signer", "contract", "version", "event_type", "from", "to")
MAX_SIGNER = 1024


@dataclass
class ActivitySearch:
    """The form's values as typed (echoed back into the form) and the filter they make."""

    values: dict[str, str]
    conditions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def filter(self) -> dict[str, Any] | None:
        if not self.conditions:
            return None
        return self.conditions[0] if len(self.conditions) == 1 else {"$and": self.conditions}


def _invalid(name: str, label: str, message: str) -> ValidationError:
    return ValidationError(f"{label}: {message}", field=name, code="invalid_parameter")


def readable_text(value: str, name: str, label: str, limit: int) -> str:
    """`value` if it is text a database can store (no NUL, no lone surrogate) of at most `limit`
    characters; otherwise a ValidationError naming `name`."""
    if len(value) > limit:
        raise _invalid(name, label, f"at most {limit} characters")
    if any(c == "\x00" or 0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise _invalid(name, label, "holds characters that are not text")
    return value


def _day(raw: str, name: str, label: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise _invalid(name, label, f"{raw[:40]!r} is not a date (YYYY-MM-DD)") from None


def read_search(request: Request, signer_ids_by_email: Callable[[str], list[str]]) -> ActivitySearch:
    """The search of the request's query string. `signer_ids_by_email(email)` lists the signer
    ids whose e-mail address is `email`. A bad value is a ValidationError naming its field."""
    values = {name: request.query_params.get(name, "").strip() for name in FIELDS}
    search = ActivitySearch(values)
    signer = values["signer"]
    if signer:
        readable_text(signer, "signer", "Signer", MAX_SIGNER)
        by_email = signer_ids_by_email(signer) if "@" in signer else []
        ids = [signer, *[s for s in by_email if s != signer]]
        search.conditions.append({"signer_id": signer} if len(ids) == 1 else {"signer_id": {"$in": ids}})
    if values["contract"]:
        contract = ascii_int(values["contract"], max_digits=10)
        if contract is None or contract < 1:
            raise _invalid("contract", "Contract", "choose a contract from the list (a contract id)")
        search.conditions.append({"contract": contract})
    version = values["version"]
    if version:
        number = ascii_int(version, max_digits=9)
        if number is not None and number >= 1:
            search.conditions.append({"version_number": number})
        elif is_object_id(version.lower()):
            search.conditions.append({"version": version.lower()})
        else:
            raise _invalid("version", "Version", "a version number (1, 2, …) or a version id (24 hex digits)")
    if values["event_type"]:
        if values["event_type"] not in EVENT_TYPES:
            raise _invalid("event_type", "Event type", f"one of {', '.join(EVENT_TYPES)}")
        search.conditions.append({"event_type": values["event_type"]})
    start = _day(values["from"], "from", "From") if values["from"] else None
    end = _day(values["to"], "to", "To") if values["to"] else None
    if start and end and end < start:
        raise _invalid("to", "To", "the last day is before the first")
    if start:
        search.conditions.append({"created_time": {"$gte": start.isoformat()}})
    if end:
        search.conditions.append({"created_time": {"$lt": (end + timedelta(days=1)).isoformat()}})
    return search
