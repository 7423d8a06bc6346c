"""Ordered list labels as HTML gives them: `type` 1 (decimal), a/A (letters), i/I (roman)."""

from __future__ import annotations


def ordinal(number: int, style: str) -> str:
    """`number` as an HTML ordered list labels it for `type` 1, a, A, i, I."""
    if style in ("a", "A") and number > 0:
        letters = ""
        while number > 0:
            number, digit = divmod(number - 1, 26)
            letters = chr(ord("a") + digit) + letters
        return letters.upper() if style == "A" else letters
    if style in ("i", "I") and 0 < number < 4000:
        numerals = (
            (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
            (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
        )  # fmt: skip
        roman = ""
        for value, letters in numerals:
            count, number = divmod(number, value)
            roman += letters * count
        return roman.upper() if style == "I" else roman
    return str(number)
