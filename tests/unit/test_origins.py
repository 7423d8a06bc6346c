"""Origins of a site's CORS allow-list."""

from __future__ import annotations

import pytest

from clickproof.domain.origins import origin_allowed, parse_origin


@pytest.mark.parametrize(
    ("text", "origin"),
    [
        ("https://shop.example", "https://shop.example"),
        ("https://Shop.Example:443/", "https://shop.example"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://a.example:80", "http://a.example"),
    ],
)
def test_origins_are_serialized(text: str, origin: str) -> None:
    assert parse_origin(text) == origin


@pytest.mark.parametrize(
    "text", ["shop.example", "ftp://a.example", "https://a.example/path", "https://u@a.example", "null"]
)
def test_non_origins_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="origin"):
        parse_origin(text)


def test_allow_list() -> None:
    assert origin_allowed("https://x.example", None)
    assert origin_allowed("https://a.example", ("https://a.example",))
    assert not origin_allowed("https://b.example", ("https://a.example",))
    assert not origin_allowed("null", ("https://a.example",))
