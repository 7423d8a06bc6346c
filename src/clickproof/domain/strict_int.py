"""Whole numbers from untrusted text: ASCII digits only, bounded length.

`str.isdigit()` accepts superscripts, circled digits, Arabic-Indic and fullwidth digits;
`int()` then raises or reads them as digits. Here only `0`-`9` count, so an Arabic-Indic one
is never taken as site 1 and nothing reaches `int()` that it cannot convert cheaply. Pure.
"""

from __future__ import annotations

import re

_ASCII_DIGITS = re.compile(r"[0-9]+")


def ascii_int(raw: str | None, *, max_digits: int) -> int | None:
    """The value of `raw` if it is 1 to `max_digits` ASCII digits, otherwise None."""
    if raw is None or not 0 < len(raw) <= max_digits or not _ASCII_DIGITS.fullmatch(raw):
        return None
    return int(raw)
