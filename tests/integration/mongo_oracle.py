"""An independent oracle for filters: mongomock, fed the expanded activity documents and the raw
filter objects, translated only as far as the documented differences from MongoDB and mongomock's
own known deviations from the MongoDB server require.

Translations for clickproof's documented differences (docs/query-language.md, "Differences"):

- `and` / `or` are `$and` / `$or` (1); an object without operators under `contract`, `version`,
  `group` or a family addresses sub-fields (2); `contract._id` / `.id` is the `contract` field.
- Related attributes (`contract.title`) live in a sub-document beside the integer `contract`
  field (`contract_rel.title`), as MongoDB cannot hold both under one name.
- A standard field stored as SQL NULL is left out of the document: it is missing (4).
- ISO 8601 strings compared with a date field are read as dates (5).
- `custom_data.a.b` names the key `"a.b"` (6): family keys are renamed to dot-free names.
- A top-level `$not` (12) is `$nor` of its one filter, which means the same.

Corrections of mongomock where it differs from the MongoDB server:

- mongomock compares with Python's `==`, so `true == 1` and `false == 0` (the server keeps
  booleans in their own bracket): booleans are stored and queried as `uuid.UUID(int=0|1)`, a
  bracket of their own that keeps `false < true`.
- mongomock's `{"$gte": null}` / `{"$lte": null}` match only null, the server's also missing
  fields (the same as `{"$eq": null}`): they are asked as `$eq: null`.
- mongomock silently ignores a top-level `$not` (the server refuses it): see `$nor` above.
- BSON dates hold milliseconds and mongomock truncates to them, where clickproof compares
  microseconds: every instant is mapped by `t → T0 + (t - T0) * 1000`, which keeps order and
  equality and turns microseconds into milliseconds.
- `$exists` operands are only ever booleans, 0 and 1 here: mongomock reads `""` as false where the
  server reads any string as true.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import mongomock

from clickproof.domain.fields import FAMILY_COLUMN, RELATED_FIELDS, STANDARD_FIELDS, FieldType
from clickproof.domain.timestamps import parse_instant
from tests.integration.query_world import T0

FAMILIES = tuple(FAMILY_COLUMN.values())
STANDARD = {f.name: f.type for f in STANDARD_FIELDS}
RELATED = {f.name: f.type for f in RELATED_FIELDS}
ALIASES = {f"{r}.{s}": r for r in ("contract", "version", "group") for s in ("_id", "id")}
NESTED = {"contract", "version", "group", *FAMILIES}
LOGICAL = {"and": "$and", "$and": "$and", "or": "$or", "$or": "$or", "$nor": "$nor"}
BOOLEANS = {False: uuid.UUID(int=0), True: uuid.UUID(int=1)}


def instant(value: datetime) -> datetime:
    return T0 + (value - T0) * 1000


def value(v: Any) -> Any:
    if isinstance(v, bool):
        return BOOLEANS[v]
    if isinstance(v, datetime):
        return instant(v)
    if isinstance(v, list):
        return [value(x) for x in v]
    if isinstance(v, dict):
        return {k: value(x) for k, x in v.items()}
    return v


def safe_key(key: str) -> str:
    return "k" + key.encode("utf-8").hex()


def document(doc: dict[str, Any]) -> dict[str, Any]:
    """The MongoDB document of an expanded activity (query_world.expanded)."""
    out: dict[str, Any] = {"_id": doc["id"]}
    for name, item in doc.items():
        if item is None:
            continue  # a NULL column is a missing field
        if name in FAMILIES:
            out[name] = {safe_key(k): value(v) for k, v in item.items()}
        elif name in RELATED:
            head, attribute = name.split(".", 1)
            out.setdefault(f"{head}_rel", {})[attribute] = value(item)
        else:
            out[name] = value(item)
    return out


def _path(path: str) -> tuple[str, FieldType | None]:
    if path in ALIASES:
        return ALIASES[path], STANDARD[ALIASES[path]]
    if path in STANDARD:
        return path, STANDARD[path]
    if path in RELATED:
        head, attribute = path.split(".", 1)
        return f"{head}_rel.{attribute}", RELATED[path]
    family, _dot, key = path.partition(".")
    return f"{family}.{safe_key(key)}", None


def _operand(v: Any, ftype: FieldType | None) -> Any:
    if ftype is FieldType.DATETIME and isinstance(v, str):
        return instant(parse_instant(v, "filter"))
    return value(v)


def _operators(ops: dict[str, Any], ftype: FieldType | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for op, operand in ops.items():
        if op == "$not":
            out[op] = _operators(operand, ftype)
        elif op in ("$in", "$nin"):
            out[op] = [_operand(v, ftype) for v in operand]
        elif op == "$exists":
            out[op] = operand
        elif op in ("$gte", "$lte") and operand is None:
            out["$eq"] = None  # the server's meaning; mongomock misses missing fields
        else:
            out[op] = _operand(operand, ftype)
    return out


def _field(path: str, condition: Any) -> dict[str, Any]:
    mongo_path, ftype = _path(path)
    if isinstance(condition, dict) and any(k.startswith("$") for k in condition):
        # One condition per operator: on arrays MongoDB lets each be met by any element anyway.
        parts = [{mongo_path: _operators({op: v}, ftype)} for op, v in condition.items()]
        return parts[0] if len(parts) == 1 else {"$and": parts}
    return {mongo_path: _operand(condition, ftype)}


def translate(raw: dict[str, Any]) -> dict[str, Any]:
    """The MongoDB filter of a clickproof filter object."""
    parts: list[dict[str, Any]] = []
    for key, item in raw.items():
        if key in LOGICAL:
            parts.append({LOGICAL[key]: [translate(x) for x in item]})
        elif key == "$not":
            parts.append({"$nor": [translate(item)]})
        elif key in NESTED and isinstance(item, dict) and item and not any(k.startswith("$") for k in item):
            parts.extend(_field(f"{key}.{sub}", v) for sub, v in item.items())
        else:
            parts.append(_field(key, item))
    if not parts:
        return {}
    return parts[0] if len(parts) == 1 else {"$and": parts}


class MongoOracle:
    """A mongomock collection of documents, asked for the ids a filter matches."""

    def __init__(self, docs: list[dict[str, Any]]) -> None:
        self.collection = mongomock.MongoClient().db.activities
        if docs:
            self.collection.insert_many([document(d) for d in docs])

    def ids(self, raw: dict[str, Any]) -> set[str]:
        return {d["_id"] for d in self.collection.find(translate(raw), {"_id": 1})}
