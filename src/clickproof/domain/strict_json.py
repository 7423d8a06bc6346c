"""Strict JSON for untrusted text: one parser for request bodies and JSON carried in query strings.

Refused, each as a `ValidationError` (code `invalid_json`) naming the field:
invalid JSON, the NaN/Infinity constants, numbers that overflow a double (`1e400`),
integers longer than `MAX_INT_DIGITS` digits, lone surrogates in any string or key,
nesting deeper than `max_depth` (measured before parsing, so no recursion can blow up),
and duplicate keys. Pure: no I/O, no HTTP.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any

from clickproof.errors import ValidationError

MAX_INT_DIGITS = 4300
DEFAULT_MAX_DEPTH = 64

# A JSON string token, or one bracket: the depth scan skips brackets inside strings.
_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]', re.DOTALL)
_OPENING = frozenset("[{")
_CLOSING = frozenset("]}")
_SURROGATE = re.compile("[\ud800-\udfff]")


class _Refused(ValueError):
    """A problem found while parsing; its text is the user-facing reason."""


def loads(text: str, *, field: str | None = None, max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """The JSON value of `text`, or a `ValidationError` naming `field` and the problem."""
    subject = field if field is not None else "the request body"
    try:
        depth = nesting_depth(text)
        if depth > max_depth:
            raise _Refused(f"nested {depth} levels deep; at most {max_depth} are allowed")
        value = json.loads(
            text,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
            parse_int=_bounded_int,
            object_pairs_hook=_unique_keys,
        )
        pointer = lone_surrogate_pointer(value)
        if pointer is not None:
            where = f"at {pointer}" if pointer else "at the top level"
            reason = f"a key or string {where} contains a lone surrogate (not a Unicode scalar value)"
            # In a body the pointer is the most precise field; a query parameter keeps its name.
            raise _invalid(subject, field if field is not None else pointer or None, reason)
    except _Refused as exc:
        raise _invalid(subject, field, str(exc)) from None
    except RecursionError:
        raise _invalid(subject, field, "nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise _invalid(subject, field, f"{exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except ValueError:
        raise _invalid(subject, field, "not parseable") from None
    return value


def nesting_depth(text: str) -> int:
    """The deepest bracket nesting of `text`, brackets inside strings ignored; no recursion."""
    depth = deepest = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in _OPENING:
            depth += 1
            deepest = max(deepest, depth)
        elif token in _CLOSING:
            depth -= 1
    return deepest


def lone_surrogate_pointer(value: Any) -> str | None:
    """The JSON pointer of the first string or key holding a lone surrogate, or None."""
    for pointer, text in _strings(value):
        if _SURROGATE.search(text):
            return pointer
    return None


def _strings(value: Any) -> Iterator[tuple[str, str]]:
    """Every string and key of a parsed value with its JSON pointer, iteratively."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        pointer, item = stack.pop()
        if isinstance(item, str):
            yield pointer, item
        elif isinstance(item, dict):
            for key, child in item.items():
                child_pointer = f"{pointer}/{_escape(key)}"
                yield child_pointer, key
                stack.append((child_pointer, child))
        elif isinstance(item, list):
            stack.extend((f"{pointer}/{index}", child) for index, child in enumerate(item))


def _escape(key: str) -> str:
    escaped = key.replace("~", "~0").replace("/", "~1")
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", escaped)[:80]


def _invalid(subject: str, field: str | None, reason: str) -> ValidationError:
    return ValidationError(f"{subject} is not valid JSON: {reason}", field=field, code="invalid_json")


def _reject_constant(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise _Refused(f"the number {text[:40]} is too large (it overflows a double)")
    return number


def _bounded_int(text: str) -> int:
    digits = len(text) - (text[0] == "-")
    if digits > MAX_INT_DIGITS:
        raise _Refused(f"an integer has {digits} digits; at most {MAX_INT_DIGITS} are allowed")
    return int(text)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Refused(f"duplicate key {_escape(key)[:40]!r}")
        result[key] = value
    return result
