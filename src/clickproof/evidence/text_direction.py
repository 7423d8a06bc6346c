"""A paragraph's base direction as the Unicode Bidirectional Algorithm finds it (UAX #9, P2/P3):
the first strong character decides, skipping text inside isolates (merged values are isolated,
so a Latin name merged at the start of a Hebrew clause does not turn the clause left to right)."""

from __future__ import annotations

import unicodedata
from typing import Literal

Direction = Literal["ltr", "rtl"]
FIRST_STRONG_ISOLATE = "\u2068"
POP_DIRECTIONAL_ISOLATE = "\u2069"
_ISOLATE_STARTS = frozenset({"\u2066", "\u2067", "\u2068"})


def first_strong_direction(text: str) -> Direction | None:
    """`rtl` or `ltr` from the first strong character outside isolates; None when there is none."""
    depth = 0
    for ch in text:
        if ch in _ISOLATE_STARTS:
            depth += 1
        elif ch == POP_DIRECTIONAL_ISOLATE:
            depth = max(0, depth - 1)
        elif depth == 0:
            kind = unicodedata.bidirectional(ch)
            if kind == "L":
                return "ltr"
            if kind in ("R", "AL"):
                return "rtl"
    return None


def isolated(text: str) -> str:
    """`text` inside a first-strong isolate (FSI … PDI): laid out in its own direction, it cannot
    reorder the text around it. `text` must hold no bidi controls (display_text shows them as markers)."""
    return f"{FIRST_STRONG_ISOLATE}{text}{POP_DIRECTIONAL_ISOLATE}"
