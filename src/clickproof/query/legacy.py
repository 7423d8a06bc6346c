"""The filter string of the older `/tasks/export/activity` route, parsed into the same AST.

    created_time>=2020-10-10 and event_type==agreed
    contract._id==1 and version_number>1 and version_number<=3 or event_type==disagreed

Conditions are ``field op value`` with ``== != > >= < <=``, joined by ``and`` / ``or`` (``and``
binds tighter; no parentheses). A value runs to the next `` and ``/`` or `` or the end; a value in
double quotes is a JSON string (so it may contain `` and ``). Values take the field's type.
"""

from __future__ import annotations

import re

from clickproof.domain import strict_json
from clickproof.domain.fields import FieldType
from clickproof.domain.limits import MAX_FILTER_NODES, MAX_LEGACY_FILTER_LENGTH
from clickproof.errors import InvalidFilterError, ValidationError
from clickproof.query.ast import And, Compare, FieldRef, Node, Op, Or, Scalar
from clickproof.query.fields import resolve_field
from clickproof.query.parse import scalar_value

POINTER = "/filter"
_OPS = {"==": Op.EQ, "!=": Op.NE, ">=": Op.GTE, "<=": Op.LTE, ">": Op.GT, "<": Op.LT}
_CONDITION = re.compile(
    r"""\s*(?P<field>[^\s=!<>"]+)\s*(?P<op>==|!=|>=|<=|>|<)\s*"""
    r"""(?P<value>"(?:[^"\\]|\\.)*"|[^"]*?)\s*(?P<join>\s(?:and|or)(?:\s|$)|$)""",
    re.IGNORECASE | re.DOTALL,
)
_INTEGER = re.compile(r"^-?\d{1,19}$")
_NUMBER = re.compile(r"^-?\d{1,19}(\.\d{1,17})?([eE][-+]?\d{1,3})?$")


def parse_legacy_filter(text: str) -> Node | None:
    if len(text) > MAX_LEGACY_FILTER_LENGTH:
        raise InvalidFilterError(
            f"a filter string may have at most {MAX_LEGACY_FILTER_LENGTH} characters",
            field=POINTER,
            code="filter_too_large",
        )
    if not text.strip():
        return None
    groups: list[list[Node]] = [[]]
    position = 0
    count = 0
    join = ""
    while position < len(text):
        match = _CONDITION.match(text, position)
        if match is None or match.end() == position:
            raise InvalidFilterError(
                f"cannot read a condition 'field==value' at character {position + 1} of the filter "
                f"string: {text[position : position + 40]!r}",
                field=POINTER,
            )
        count += 1
        if count > MAX_FILTER_NODES:
            raise InvalidFilterError(
                f"filter has more than {MAX_FILTER_NODES} nodes", field=POINTER, code="filter_too_large"
            )
        groups[-1].append(_condition(match.group("field"), match.group("op"), match.group("value"), count))
        position = match.end()
        join = match.group("join").strip().lower()
        if join == "or":
            groups.append([])
    if join:
        raise InvalidFilterError("the filter string ends with 'and' or 'or'", field=POINTER)
    conjunctions: list[Node] = [g[0] if len(g) == 1 else And(tuple(g)) for g in groups]
    return conjunctions[0] if len(conjunctions) == 1 else Or(tuple(conjunctions))


def _condition(path: str, op: str, raw: str, index: int) -> Compare:
    ref = resolve_field(path, POINTER)
    where = f"condition {index} ({path[:40]}{op})"
    value = _value(ref, raw, where)
    return Compare(ref, _OPS[op], scalar_value(ref, value, POINTER))


def _value(ref: FieldRef, raw: str, where: str) -> object:
    if raw.startswith('"'):
        try:
            decoded: object = strict_json.loads(raw, field=POINTER)
        except ValidationError:
            raise InvalidFilterError(
                f"{where}: the quoted value is not a JSON string", field=POINTER
            ) from None
        return decoded
    if raw == "":
        raise InvalidFilterError(f"{where}: the value is missing", field=POINTER)
    if raw.lower() == "null":
        return None
    if ref.type is None:  # JSON families: JSON literals keep their type, anything else is text
        return _json_literal(raw)
    if ref.type is FieldType.INTEGER:
        if not _INTEGER.match(raw):
            raise InvalidFilterError(f"{where}: {raw[:40]!r} is not a whole number", field=POINTER)
        return int(raw)
    if ref.type is FieldType.BOOLEAN:
        if raw.lower() not in ("true", "false"):
            raise InvalidFilterError(f"{where}: {raw[:40]!r} is not true or false", field=POINTER)
        return raw.lower() == "true"
    return raw


def _json_literal(raw: str) -> Scalar:
    lowered = raw.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if _NUMBER.match(raw):
        number = float(raw)
        return int(raw) if _INTEGER.match(raw) else number
    return raw
