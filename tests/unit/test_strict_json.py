"""The strict JSON parser: any text either parses to finite, valid-Unicode, bounded JSON or is
refused with a ValidationError (code invalid_json, the field named) — never another exception."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clickproof.domain.strict_json import MAX_INT_DIGITS, loads, lone_surrogate_pointer, nesting_depth
from clickproof.errors import ValidationError

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(st.characters(exclude_categories=["Cs"])),
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)


def _refused(text: str, field: str | None = "cus", max_depth: int = 64) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        loads(text, field=field, max_depth=max_depth)
    assert info.value.code == "invalid_json"
    assert info.value.field == field
    return info.value


@given(VALUES)
def test_any_valid_document_round_trips(value: Any) -> None:
    assert loads(json.dumps(value), field="x") == value


@settings(max_examples=300)
@given(st.text(max_size=80))
def test_any_text_parses_or_is_refused_cleanly(text: str) -> None:
    try:
        loads(text, field="filter")
    except ValidationError as exc:
        assert exc.code == "invalid_json" and exc.field == "filter"


@settings(max_examples=200)
@given(st.text(st.sampled_from('[]{}",:\\1a '), max_size=60))
def test_bracket_soup_never_escapes_as_another_exception(text: str) -> None:
    try:
        loads(text, max_depth=4)
    except ValidationError as exc:
        assert exc.code == "invalid_json"


@given(VALUES, st.sampled_from(["\ud800", "\udfff", "x\udc00y"]))
def test_a_lone_surrogate_anywhere_is_refused(value: Any, bad: str) -> None:
    for document in ([value, bad], {"k": [value, {"n": bad}]}, {bad: value}):
        text = json.dumps(document)  # ensure_ascii writes the surrogate as a \u escape
        assert "lone surrogate" in _refused(text).message


def test_surrogate_pointer_names_the_place() -> None:
    assert lone_surrogate_pointer({"a": [1, "ok", "\ud800"]}) == "/a/2"
    assert lone_surrogate_pointer({"a/b": "\udfff"}) == "/a~1b"
    assert lone_surrogate_pointer("\ud800") == ""
    assert lone_surrogate_pointer({"a": "\U0001f600"}) is None
    assert loads('"\\ud83d\\ude00"') == "\U0001f600"  # a valid surrogate pair is one scalar value


@pytest.mark.parametrize("text", ["NaN", "[Infinity]", '{"a": -Infinity}'])
def test_non_finite_constants_are_refused(text: str) -> None:
    assert "is not a JSON number" in _refused(text).message


@pytest.mark.parametrize("text", ["1e400", '{"a": -1e400}', "[1.7976931348623159e308]"])
def test_numbers_that_overflow_are_refused(text: str) -> None:
    assert "overflows" in _refused(text).message


def test_huge_integers_are_refused_without_mentioning_interpreter_limits() -> None:
    message = _refused("9" * 5000).message
    assert "5000 digits" in message and "set_int_max_str_digits" not in message
    assert "set_int_max_str_digits" not in _refused("-" + "1" * (MAX_INT_DIGITS + 1)).message
    assert loads("9" * MAX_INT_DIGITS) == int("9" * MAX_INT_DIGITS)
    assert loads("-9223372036854775808") == -(2**63)


def test_duplicate_keys_are_refused() -> None:
    assert "duplicate key 'a'" in _refused('{"a": 1, "b": {"a": 2}, "a": 3}').message


def test_depth_is_bounded_before_parsing() -> None:
    assert "5000 levels" in _refused("[" * 5000).message
    assert "levels" in _refused('{"a":' * 100_000).message
    assert loads("[" * 64 + "]" * 64) is not None
    _refused("[" * 65 + "]" * 65)
    assert loads("[[1]]", max_depth=2) == [[1]]
    _refused("[[[1]]]", max_depth=2)


def test_brackets_inside_strings_do_not_count() -> None:
    assert nesting_depth('["[[[[", "\\"{{{{", {"k]": "}"}]') == 2
    assert loads('{"a": "' + "[" * 1000 + '"}') == {"a": "[" * 1000}


def test_invalid_json_names_the_field_and_the_place() -> None:
    error = _refused('{"a": }', field="filter")
    assert error.message.startswith("filter is not valid JSON: ")
    assert "line 1 column 7" in error.message
    assert _refused("", field=None).message.startswith("the request body is not valid JSON")


def test_in_a_body_the_lone_surrogate_error_names_its_pointer() -> None:
    with pytest.raises(ValidationError) as info:
        loads('{"select": {"custom": ["\\udfff"]}}')
    assert info.value.field == "/select/custom/0"
