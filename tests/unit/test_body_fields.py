"""Blank text in a body is what a JSON Schema pattern calls blank, no more: the contract and the
code agree on which values are text."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clickproof.domain.body_fields import is_blank, text_field
from clickproof.errors import ValidationError

ECMA_NON_BLANK = re.compile(r"[^\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]")


@given(st.text(max_size=8))
def test_blank_agrees_with_the_schema_pattern(value: str) -> None:
    assert is_blank(value) == (ECMA_NON_BLANK.search(value) is None)


def test_control_characters_are_text_and_spaces_are_not() -> None:
    assert text_field({"signer_id": "\x1c"}, "signer_id", 10) == "\x1c"
    with pytest.raises(ValidationError):
        text_field({"signer_id": " \u3000\t"}, "signer_id", 10)
