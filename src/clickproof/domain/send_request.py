"""The Activity API's `send` parameters (Ironclad's short codes, domain.md §1.2): parse and
validate, pure. Values come as text from a query string or form, or typed from a JSON body (as
Ironclad's SDKs send them: booleans, numbers, arrays and objects).

Every parameter that Ironclad documents is accepted in the JSON types its clients send; a
parameter no document names is kept verbatim with the activity and named in a warning, so a
newer client library never loses an acceptance (docs/ingestion.md)."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from clickproof.domain import limits, strict_json
from clickproof.domain.object_id import is_object_id
from clickproof.errors import ValidationError

EVENT_TYPES = ("displayed", "updated", "agreed", "visited", "sent", "disagreed")
SIGNER_REQUIRED = ("agreed", "disagreed", "updated")
EXECUTION_METHODS = ("click_to_accept", "clickthrough", "manual_acceptance", "esignature")
MAX_CONTRACTS = 50
MAX_TEXT = 1024
MAX_CONNECTION_TEXT = 4096
MAX_UNRECOGNIZED = 20  # parameters no document names, kept verbatim per send
MAX_UNRECOGNIZED_BYTES = 4096  # each one's value as JSON
MAX_UNRECOGNIZED_NAME = 64

# Short code → connection_data key: how the signer was connected.
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
}
# Short code → connection_data key: how the activity reached clickproof (the client library, the
# rendering it refers to, the request and revision, the client's flags).
CLIENT_TEXT_CODES = {
    "_lib": "client_library",
    "_libv": "client_version",
    "rdid": "render_id",
    "srid": "request",
    "slo": "snapshot_location",
}
CLIENT_FLAG_CODES = {
    "dyn": "dynamic",
    "xt": "external",
    "cnf": "confirmation_email",
    "_ct": "certification_token",
    "_noerr": "silent_error",
}
CLIENT_LIST_CODES = {"rev": "revision", "xtu": "external_urls"}
SERVER_SIDE_CODES = ("_srv", "server_side")  # short code (SDKs) and full name (Ironclad's docs)
CACHE_BUSTERS = ("_", "cb")  # a browser's cache buster and a JSONP callback name: not data
CORE_CODES = ("sid", "sig", "et", "em", "uid", "cid", "vid", "gid", "gkey", "cus", "rnd", "tm", "session")
KNOWN_CODES = (
    *CORE_CODES,
    *CONNECTION_CODES,
    *CLIENT_TEXT_CODES,
    *CLIENT_FLAG_CODES,
    *CLIENT_LIST_CODES,
    *SERVER_SIDE_CODES,
    *CACHE_BUSTERS,
)
_NUMERIC_OFFSET = re.compile(r"-?[0-9]{1,4}(\.[0-9]{1,2})?")


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
    connection_data: dict[str, Any] = field(default_factory=dict)
    test_mode: bool = False
    session: str | None = None
    server_side: bool = False
    render_id: str | None = None
    render_data_given: bool = False
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class LookupRequest:
    """`/latest` and `/retrieve`: a signer and the contracts to check (given, a group's, or for
    `/retrieve` without either, every contract the signer accepted)."""

    site_access_id: str
    signer_id: str
    contract_ids: tuple[int, ...]
    group_id: int | None
    group_key: str | None


def fail(message: str, code_field: str, code: str = "invalid_parameter") -> ValidationError:
    return ValidationError(message, field=code_field, code=code)


def text_param(
    params: dict[str, Any], name: str, *, required: bool = False, limit: int = MAX_TEXT
) -> str | None:
    """Text, or a number given as JSON (a numeric signer id is stored as its decimal text)."""
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise fail(f"{name} is required", name, "missing_field")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise fail(f"{name} must be text or a number, not {_json_type(value)}", name)
    if isinstance(value, float) and not math.isfinite(value):
        raise fail(f"{name} must be a finite number", name)
    text = value if isinstance(value, str) else _decimal(value)
    if len(text) > limit:
        raise fail(f"{name} is longer than {limit} characters", name)
    if "\x00" in text:
        raise fail(f"{name} contains a NUL character", name)
    return text


def _decimal(value: int | float) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return str(value)


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "null" if value is None else type(value).__name__


def _list(params: dict[str, Any], name: str, *, limit: int = MAX_TEXT) -> list[str]:
    """An array (JSON), a repeated parameter, or comma-separated text; items are text or numbers."""
    value = params.get(name)
    if value is None or value == "":
        return []
    items = value if isinstance(value, list) else str(value).split(",") if isinstance(value, str) else [value]
    if len(items) > MAX_CONTRACTS:
        raise fail(f"{name} lists more than {MAX_CONTRACTS} items", name)
    result = []
    for index, item in enumerate(items):
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            raise fail(f"{name}[{index}] must be text or a number, not {_json_type(item)}", name)
        text = item.strip() if isinstance(item, str) else _decimal(item)
        if len(text) > limit or "\x00" in text:
            raise fail(f"{name}[{index}] must be at most {limit} characters without NUL", name)
        result.append(text)
    return result


def _int(value: object, name: str) -> int:
    text = value if isinstance(value, str) else _decimal(value) if isinstance(value, int | float) else ""
    if isinstance(value, bool) or not re.fullmatch(r"[0-9]{1,10}", text) or not 0 < int(text) < 2**31:
        raise fail(f"{name} must be a positive whole number, not {str(value)[:40]!r}", name)
    return int(text)


def object_param(params: dict[str, Any], name: str) -> dict[str, Any]:
    value = params.get(name)
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            value = strict_json.loads(value, field=name)
        except ValidationError as exc:
            raise fail(f"{name} must be a JSON object: {exc.message}", name) from None
    if not isinstance(value, dict):
        raise fail(f"{name} must be a JSON object, not {_json_type(value)}", name)
    if len(value) > limits.MAX_SEND_FAMILY_KEYS:
        raise fail(
            f"{name} has {len(value)} keys; at most {limits.MAX_SEND_FAMILY_KEYS} per send",
            name,
            "too_many_keys",
        )
    try:
        size = len(json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8"))
    except (ValueError, RecursionError):
        raise fail(
            f"{name} holds a value JSON cannot (NaN, Infinity) or is nested too deeply", name
        ) from None
    if size > limits.MAX_SEND_FAMILY_BYTES:
        raise fail(
            f"{name} is {size} bytes as JSON; at most {limits.MAX_SEND_FAMILY_BYTES} per send",
            name,
            "parameter_too_large",
        )
    return value


def bool_param(params: dict[str, Any], name: str) -> bool | None:
    """True or false (JSON booleans, `true`/`false`/`1`/`0` as text or number); None when absent."""
    value = params.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "1"):
        return True
    if str(value).lower() in ("false", "0"):
        return False
    raise fail(f"{name} must be true or false", name)


def group_param(params: dict[str, Any]) -> tuple[int | None, str | None]:
    gid = params.get("gid")
    group_id = None if gid is None or gid == "" else _int(gid, "gid")
    return group_id, text_param(params, "gkey", limit=200)


def _contracts(params: dict[str, Any]) -> tuple[int, ...]:
    contracts = tuple(_int(c, "cid") for c in _list(params, "cid"))
    if len(set(contracts)) != len(contracts):
        raise fail("cid names a contract twice", "cid")
    return contracts


def _timezone(value: object) -> Any:
    """browser_timezone: a number stays a number (JSON), numeric query text becomes one."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise fail("btz must be a finite number", "btz")
        return value
    if isinstance(value, str) and _NUMERIC_OFFSET.fullmatch(value):
        number = float(value)
        return int(number) if number.is_integer() else number
    return value


def connection_parameters(params: dict[str, Any]) -> dict[str, Any]:
    """The connection and client values of a send, under their connection_data keys."""
    connection: dict[str, Any] = {}
    for code, key in CONNECTION_CODES.items():
        value = text_param(params, code, limit=MAX_CONNECTION_TEXT)
        if value is not None:
            connection[key] = _timezone(params[code]) if code == "btz" else value
    for code, key in CLIENT_TEXT_CODES.items():
        value = text_param(params, code, limit=256)
        if value is not None:
            connection[key] = value
    for code, key in CLIENT_FLAG_CODES.items():
        flag = bool_param(params, code)
        if flag is not None:
            connection[key] = flag
    for code, key in CLIENT_LIST_CODES.items():
        items = _list(params, code, limit=2048)
        if items:
            connection[key] = items
    return connection


def unrecognized_parameters(params: dict[str, Any], known: tuple[str, ...]) -> dict[str, Any]:
    """Parameters no document names, verbatim, within the documented bounds."""
    extra = {k: v for k, v in params.items() if k not in known}
    if len(extra) > MAX_UNRECOGNIZED:
        raise fail(
            f"{len(extra)} unrecognized parameters; at most {MAX_UNRECOGNIZED} are kept per send",
            sorted(extra)[0][:40],
            "too_many_parameters",
        )
    for name, value in extra.items():
        if len(name) > MAX_UNRECOGNIZED_NAME or "\x00" in name:
            raise fail(
                f"an unrecognized parameter's name is longer than {MAX_UNRECOGNIZED_NAME} characters",
                name[:40],
                "unknown_field",
            )
        try:
            size = len(json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8"))
        except (ValueError, RecursionError):
            raise fail(f"{name[:40]} is not a JSON value", name[:40]) from None
        if size > MAX_UNRECOGNIZED_BYTES:
            raise fail(
                f"unrecognized parameter {name[:40]!r} is larger than {MAX_UNRECOGNIZED_BYTES} bytes",
                name[:40],
                "parameter_too_large",
            )
    return dict(sorted(extra.items()))


def is_server_side(params: dict[str, Any]) -> bool:
    """Sent by the customer's backend (`_srv` or `server_side` true), not the signer's browser."""
    return any(bool_param(params, code) for code in SERVER_SIDE_CODES)


def parse_send(params: dict[str, Any]) -> SendRequest:
    sid = text_param(params, "sid", required=True, limit=64)
    assert sid is not None
    event = text_param(params, "et", required=True, limit=32)
    if event not in EVENT_TYPES:
        raise fail(f"et must be one of {', '.join(EVENT_TYPES)}", "et", "invalid_event_type")
    signer = text_param(params, "sig")
    if signer is None and event in SIGNER_REQUIRED:
        raise fail(f"sig (the signer id) is required for {event} events", "sig", "missing_field")
    method = text_param(params, "em", limit=32)
    if method is not None and method not in EXECUTION_METHODS:
        raise fail(f"em must be one of {', '.join(EXECUTION_METHODS)}", "em")
    contracts = _contracts(params)
    versions = _list(params, "vid")
    for version in versions:
        if not is_object_id(version):
            raise fail(f"vid items must be 24-hex version ids, not {version[:40]!r}", "vid")
    if contracts and versions and len(versions) != len(contracts):
        raise fail(
            f"vid lists {len(versions)} versions for {len(contracts)} contracts; the lists are parallel",
            "vid",
            "mismatched_versions",
        )
    if not contracts and len(set(versions)) != len(versions):
        raise fail("vid names a version twice", "vid")
    gid, gkey = group_param(params)
    render_id = text_param(params, "rdid", limit=64)
    if render_id is not None and not is_object_id(render_id):
        raise fail(f"rdid must be a render id from /load, not {render_id[:40]!r}", "rdid")
    if event == "visited" and gid is None and gkey is None:
        raise fail("visited events need a group (gid or gkey)", "gid", "missing_field")
    if not (contracts or versions or gid is not None or gkey or render_id) and event != "updated":
        raise fail(
            "vid or cid (what was accepted), a group (gid/gkey) or rdid is required", "cid", "missing_field"
        )
    server_side = is_server_side(params)
    connection = connection_parameters(params)
    connection["server_side"] = server_side
    extra = unrecognized_parameters(params, KNOWN_CODES)
    if extra:
        connection["unrecognized_parameters"] = extra
    warnings = tuple(f"unrecognized parameter {name!r} was kept verbatim with the activity" for name in extra)
    return SendRequest(
        site_access_id=sid,
        event_type=event,
        signer_id=signer,
        execution_method=method,
        uuid=text_param(params, "uid", limit=64),
        contract_ids=contracts,
        version_ids=tuple(versions) if versions else tuple(None for _ in contracts),
        group_id=gid,
        group_key=gkey,
        custom_data=object_param(params, "cus"),
        render_data=object_param(params, "rnd"),
        connection_data=connection,
        test_mode=bool(bool_param(params, "tm")),
        session=text_param(params, "session", limit=256),
        server_side=server_side,
        render_id=render_id,
        render_data_given=params.get("rnd") not in (None, ""),
        warnings=warnings,
    )


def parse_lookup(params: dict[str, Any], *, contracts_required: bool = True) -> LookupRequest:
    """`/latest` and `/retrieve`. Every send parameter an SDK adds to its lookups (`et`, `tm`,
    `_srv`, `_lib`, …) is accepted and has no effect; lookups store nothing."""
    sid = text_param(params, "sid", required=True, limit=64)
    signer = text_param(params, "sig", required=True)
    assert sid is not None and signer is not None
    contracts = _contracts(params)
    gid, gkey = group_param(params)
    if contracts_required and not contracts and gid is None and gkey is None:
        raise fail("cid (contract ids) or a group (gid/gkey) is required", "cid", "missing_field")
    return LookupRequest(sid, signer, contracts, gid, gkey)
