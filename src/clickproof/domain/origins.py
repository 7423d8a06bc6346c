"""Web origins (RFC 6454) as a site's CORS allow-list holds them: scheme://host[:port]."""

from __future__ import annotations

from urllib.parse import urlsplit


def parse_origin(text: str) -> str:
    """The serialized origin of `text`, or ValueError naming the problem."""
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{text!r} is not an origin like https://shop.example")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ValueError(f"{text!r} is not an origin: no path, query or credentials")
    default = {"http": 80, "https": 443}[parts.scheme]
    port = "" if parts.port in (None, default) else f":{parts.port}"
    return f"{parts.scheme}://{parts.hostname}{port}"


def origin_allowed(origin: str, allowed: tuple[str, ...] | None) -> bool:
    if allowed is None:
        return True
    try:
        return parse_origin(origin) in allowed
    except ValueError:
        return False
