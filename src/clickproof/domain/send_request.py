"""The Activity API's `send` parameters (Ironclad's short codes, domain.md §1.2): parse and
validate, pure. Values come as text from a query string or form, or typed from a JSON body."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from clickproof.domain.object_id import is_object_id
from clickproof.errors import ValidationError

EVENT_TYPES = ("displayed", "updated", "agreed", "visited", "sent", "disagreed")
SIGNER_REQUIRED = ("agreed", "disagreed", "updated")
EXECUTION_METHODS = ("click_to_accept", "clickthrough", "manual_acceptance", "esignature")
MAX_CONTRACTS = 50
MAX_TEXT = 1024

# Short code → connection_data key.
CONNECTION_CODES = {
    "pat": "page_title",
    "pau": "page_url",
    "pad": "page_domain",
    "pap": "page_path",
    "paq": "page_query",
    "hn": "hostname",
    "ref": "referrer",
    "addr": "remote_address",
    "bua": "user_agent",
    "btz": "browser_timezone",
    "bl": "browser_locale",
    "os": "operating_system",
    "env": "environment",
    "scd": "screen_color_depth",
    "res": "screen_resolution",
    "_lib": "client_library",
    "_libv": "client_version",
    "_srv": "server_side",
}
# Documented codes that are accepted and not stored (requests, revisions, e-mail confirmation…).
IGNORED_CODES = ("rev", "srid", "rdid", "dyn", "xt", "xtu", "cnf", "_ct", "_noerr", "_", "cb")
CORE_CODES = ("sid", "sig", "et", "em", "uid", "cid", "vid", "gid", "gkey", "cus", "rnd", "tm", "session")
KNOWN_CODES = (*CORE_CODES, *CONNECTION_CODES, *IGNORED_CODES)
LOOKUP_CODES = ("sid", "sig", "cid", "gid", "gkey", "_", "cb")


@dataclass(frozen=True)
class SendRequest:
    site_access_id: str
    event_type: str
    signer_id: str | None
    execution_method: str | None
    uuid: str | None
    contract_ids: tuple[int, ...]
    version_ids: tuple[str | None, ...]
    group_id: int | None
    group_key: str | None
    custom_data: dict[str, Any] = field(default_factory=dict)
    render_data: dict[str, Any] = field(default_factory=dict)
    connection_data: dict[str, str] = field(default_factory=dict)
    test_mode: bool = False
    session: str | None = None


@dataclass(frozen=True)
class LookupRequest:
    """`/latest` and `/retrieve`: a signer and the contracts to check (given or a group's)."""

    site_access_id: str
    signer_id: str
    contract_ids: tuple[int, ...]
    group_id: int | None
    group_key: str | None


def _fail(message: str, code_field: str, code: str = "invalid_parameter") -> ValidationError:
    return ValidationError(message, field=code_field, code=code)


def _reject_unknown(params: dict[str, Any], known: tuple[str, ...]) -> None:
    unknown = sorted(k for k in params if k not in known)
    if unknown:
        raise _fail(
            f"unknown parameter {unknown[0][:40]!r}; known: {', '.join(known)}",
            unknown[0][:40],
            "unknown_field",
        )


def _text(params: dict[str, Any], name: str, *, required: bool = False, limit: int = MAX_TEXT) -> str | None:
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise _fail(f"{name} is required", name, "missing_field")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _fail(f"{name} must be text", name)
    text = str(value)
    if len(text) > limit:
        raise _fail(f"{name} is longer than {limit} characters", name)
    if "\x00" in text:
        raise _fail(f"{name} contains a NUL character", name)
    return text


def _list(params: dict[str, Any], name: str) -> list[str]:
    value = params.get(name)
    if value is None or value == "":
        return []
    items = value if isinstance(value, list) else str(value).split(",")
    if len(items) > MAX_CONTRACTS:
        raise _fail(f"{name} lists more than {MAX_CONTRACTS} items", name)
    result = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, str | int):
            raise _fail(f"{name} items must be ids", name)
        result.append(str(item).strip())
    return result


def _int(text: str, name: str) -> int:
    if not re.fullmatch(r"[0-9]{1,10}", text) or not 0 < int(text) < 2**31:
        raise _fail(f"{name} must be a positive whole number, not {text[:40]!r}", name)
    return int(text)


def _object(params: dict[str, Any], name: str) -> dict[str, Any]:
    value = params.get(name)
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise _fail(f"{name} must be a JSON object", name) from None
    if not isinstance(value, dict):
        raise _fail(f"{name} must be a JSON object", name)
    return value


def _bool(params: dict[str, Any], name: str) -> bool:
    value = params.get(name)
    if value is None or value == "" or isinstance(value, bool):
        return bool(value)
    if str(value).lower() in ("true", "1"):
        return True
    if str(value).lower() in ("false", "0"):
        return False
    raise _fail(f"{name} must be true or false", name)


def _group(params: dict[str, Any]) -> tuple[int | None, str | None]:
    gid = _text(params, "gid")
    return (None if gid is None else _int(gid, "gid")), _text(params, "gkey", limit=200)


def parse_send(params: dict[str, Any]) -> SendRequest:
    _reject_unknown(params, KNOWN_CODES)
    sid = _text(params, "sid", required=True, limit=64)
    assert sid is not None
    event = _text(params, "et", required=True, limit=32)
    if event not in EVENT_TYPES:
        raise _fail(f"et must be one of {', '.join(EVENT_TYPES)}", "et", "invalid_event_type")
    signer = _text(params, "sig")
    if signer is None and event in SIGNER_REQUIRED:
        raise _fail(f"sig (the signer id) is required for {event} events", "sig", "missing_field")
    method = _text(params, "em", limit=32)
    if method is not None and method not in EXECUTION_METHODS:
        raise _fail(f"em must be one of {', '.join(EXECUTION_METHODS)}", "em")
    contracts = tuple(_int(c, "cid") for c in _list(params, "cid"))
    versions_raw = _list(params, "vid")
    if versions_raw and len(versions_raw) != len(contracts):
        raise _fail(
            f"vid lists {len(versions_raw)} versions for {len(contracts)} contracts; the lists are parallel",
            "vid",
            "mismatched_versions",
        )
    for version in versions_raw:
        if not is_object_id(version):
            raise _fail(f"vid items must be 24-hex version ids, not {version[:40]!r}", "vid")
    if len(set(contracts)) != len(contracts):
        raise _fail("cid names a contract twice", "cid")
    gid, gkey = _group(params)
    if event == "visited" and gid is None and gkey is None:
        raise _fail("visited events need a group (gid or gkey)", "gid", "missing_field")
    if not contracts and gid is None and gkey is None and event != "updated":
        raise _fail("cid (contract ids) or a group (gid/gkey) is required", "cid", "missing_field")
    connection: dict[str, str] = {}
    for code, key in CONNECTION_CODES.items():
        value = _text(params, code, limit=4096)
        if value is not None:
            connection[key] = value
    return SendRequest(
        site_access_id=sid,
        event_type=event,
        signer_id=signer,
        execution_method=method,
        uuid=_text(params, "uid", limit=64),
        contract_ids=contracts,
        version_ids=tuple(versions_raw) if versions_raw else tuple(None for _ in contracts),
        group_id=gid,
        group_key=gkey,
        custom_data=_object(params, "cus"),
        render_data=_object(params, "rnd"),
        connection_data=connection,
        test_mode=_bool(params, "tm"),
        session=_text(params, "session", limit=256),
    )


def parse_lookup(params: dict[str, Any]) -> LookupRequest:
    _reject_unknown(params, LOOKUP_CODES)
    sid = _text(params, "sid", required=True, limit=64)
    signer = _text(params, "sig", required=True)
    assert sid is not None and signer is not None
    contracts = tuple(_int(c, "cid") for c in _list(params, "cid"))
    gid, gkey = _group(params)
    if not contracts and gid is None and gkey is None:
        raise _fail("cid (contract ids) or a group (gid/gkey) is required", "cid", "missing_field")
    return LookupRequest(sid, signer, contracts, gid, gkey)
