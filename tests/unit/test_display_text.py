from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from clickproof.evidence.display_text import (
    BREAK_EVERY,
    MAX_DISPLAY_CHARS,
    display_label,
    display_value,
    visible,
)


def test_invisible_and_reordering_characters_are_shown() -> None:
    assert visible("a\u202eb\u0000c\u200bd\ufeff") == "a⟨U+202E⟩b⟨U+0000⟩c⟨U+200B⟩d⟨U+FEFF⟩"
    assert visible("line\nbreak\ttab") == "line⟨U+000A⟩break⟨U+0009⟩tab"
    assert visible("王芳 محمد Ёлка Nguyễn") == "王芳 محمد Ёлка Nguyễn"


def test_values_print_as_text() -> None:
    assert display_value(None) is None
    assert display_value(True) == "true"
    assert display_value(42) == "42"
    assert display_value({"b": 1, "a": [1, "x"]}) == '{"a": [1, "x"], "b": 1}'


def test_long_values_are_visibly_truncated_and_break() -> None:
    shown = display_value("x" * 5000)
    assert shown is not None
    assert "truncated: 5,000 characters" in shown
    assert shown.replace("\u200b", "").startswith("x" * MAX_DISPLAY_CHARS + " …")
    assert "\u200b" in shown  # a break opportunity inside the unbroken run
    assert display_label("k" * 300).replace("\u200b", "").endswith("…")


def slow_visible(text: str, drawable: frozenset[int] | None) -> str:
    """The rule itself, character by character: what the fast path must agree with."""
    out = []
    for ch in text:
        shown = ch == " " or (
            ch.isprintable() and unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
        )
        out.append(ch if shown and (drawable is None or ord(ch) in drawable) else f"⟨U+{ord(ch):04X}⟩")
    return "".join(out)


DRAWABLE = frozenset(range(0x20, 0x250)) - {0x7F}


@settings(max_examples=300)
@given(text=st.text(st.characters(exclude_categories=("Cs",)), max_size=80))
def test_visible_agrees_with_the_rule_for_any_text(text: str) -> None:
    assert visible(text) == slow_visible(text, None)
    assert visible(text, DRAWABLE) == slow_visible(text, DRAWABLE)


@settings(max_examples=300)
@given(text=st.text(alphabet=st.sampled_from("ab \t\u3000\u200bx"), max_size=120))
def test_breaks_go_into_every_long_run_and_nowhere_else(text: str) -> None:
    shown = display_value(text)
    assert shown is not None
    assert shown.replace("\u200b", "") == visible(text).replace("\u200b", "")
    runs = re.split(r"\s", shown.replace("\u200b", " "))
    assert all(len(run) <= BREAK_EVERY for run in runs)
