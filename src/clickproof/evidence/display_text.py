"""Untrusted text made safe to print: invisible and reordering characters shown, length bounded.

Control characters, bidi embeddings/overrides/isolates and other format characters would hide
or reorder what a reader sees (CVE-2021-42574 "Trojan Source"). They are replaced by a visible
marker such as ⟨U+202E⟩. Very long certificate values are cut with a visible note (the exact value
is always in the JSON attached to the PDF); values merged into the accepted text never are. Long unbroken runs get break opportunities so lines wrap.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

MAX_DISPLAY_CHARS = 600
MAX_LABEL_CHARS = 48
BREAK_EVERY = 32
_ZERO_WIDTH_SPACE = "\u200b"
_LONG_RUN = re.compile(rf"\S{{{BREAK_EVERY + 1}}}")
# Categories shown as markers: control, format (bidi, zero-width, BOM), surrogate, private, unassigned.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def visible(text: str, drawable: frozenset[int] | None = None) -> str:
    """Replace every control/format/unassigned character, and with `drawable` every character the
    fonts cannot draw, by a visible ⟨U+XXXX⟩ marker."""
    # str.isprintable is false for every category shown as a marker (and for spaces other than
    # U+0020): most values need no character by character look.
    if text.isprintable() and (drawable is None or drawable.issuperset(map(ord, text))):
        return text
    out: list[str] = []
    for ch in text:
        shown = ch == " " or (ch.isprintable() and unicodedata.category(ch) not in _HIDDEN_CATEGORIES)
        if shown and (drawable is None or ord(ch) in drawable):
            out.append(ch)
        else:
            out.append(f"⟨U+{ord(ch):04X}⟩")
    return "".join(out)


def breakable(text: str) -> str:
    """Insert a zero-width space into runs of more than BREAK_EVERY characters without a space."""
    if _LONG_RUN.search(text) is None:
        return text
    out: list[str] = []
    run = 0
    for ch in text:
        if ch.isspace():
            run = 0
        else:
            run += 1
            if run > BREAK_EVERY:
                out.append(_ZERO_WIDTH_SPACE)
                run = 1
        out.append(ch)
    return "".join(out)


def display_value(
    value: Any, limit: int | None = MAX_DISPLAY_CHARS, drawable: frozenset[int] | None = None
) -> str | None:
    """A value as printed on the certificate; None stays None (printed as "absent"). With
    `limit` None the value is never cut (values merged into the accepted text)."""
    if value is None:
        return None
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    if limit is not None and len(text) > limit:
        text = (
            visible(text[:limit])
            + f" … [truncated: {len(text):,} characters in all; exact value in the attached JSON]"
        )
    else:
        text = visible(text, drawable)
    return breakable(text)


def display_label(name: str, drawable: frozenset[int] | None = None) -> str:
    text = visible(name, drawable)
    if len(text) > MAX_LABEL_CHARS:
        text = text[: MAX_LABEL_CHARS - 1] + "…"
    return breakable(text)
