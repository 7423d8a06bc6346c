from __future__ import annotations

from clickproof.evidence.display_text import MAX_DISPLAY_CHARS, display_label, display_value, visible


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
