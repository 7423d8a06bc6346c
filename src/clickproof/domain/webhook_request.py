"""The body of POST /v1.1/webhooks, validated: every problem names its field. No I/O (the URL's
addresses are checked by services/webhook_targets)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from clickproof.domain.webhook_events import EVENTS, PayloadFormat
from clickproof.errors import ValidationError

MAX_URL_LENGTH = 2048
MAX_DESCRIPTION = 500
MAX_LEGACY_TOKEN = 200
FIELDS = ("url", "events", "description", "payload_format", "legacy_token")


@dataclass(frozen=True)
class EndpointSpec:
    url: str
    events: tuple[str, ...]
    description: str
    payload_format: PayloadFormat
    legacy_token: str | None


def _fail(message: str, field: str, code: str = "invalid_webhook") -> ValidationError:
    return ValidationError(message, field=field, code=code)


def parse_webhook_url(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise _fail("url is required: the http(s) URL that receives the events", "url")
    if len(value) > MAX_URL_LENGTH:
        raise _fail(f"url is longer than {MAX_URL_LENGTH} characters", "url")
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in value):
        raise _fail("url must not contain spaces or control characters", "url")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise _fail("url is not a valid URL", "url") from None
    if parts.scheme not in ("http", "https"):
        raise _fail("url must start with https:// or http://", "url")
    if not parts.hostname:
        raise _fail("url has no host name", "url")
    if parts.username is not None or parts.password is not None:
        raise _fail("url must not carry credentials (user:password@); sign-in is the signature", "url")
    if parts.fragment:
        raise _fail("url must not have a #fragment", "url")
    if port == 0:
        raise _fail("url has port 0", "url")
    return value


def parse_events(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise _fail(f"events must be a non-empty list of: {', '.join(EVENTS)}", "events")
    events: list[str] = []
    for index, event in enumerate(value):
        if not isinstance(event, str) or event not in EVENTS:
            raise _fail(
                f"events[{index}] must be one of: {', '.join(EVENTS)}", f"events/{index}", "unknown_event"
            )
        if event not in events:
            events.append(event)
    return tuple(events)


def parse_endpoint(body: Any) -> EndpointSpec:
    if not isinstance(body, dict):
        raise ValidationError("the request body must be a JSON object", code="invalid_json")
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise _fail(f"unknown field {unknown[0]!r}; known: {', '.join(FIELDS)}", unknown[0], "unknown_field")
    description = body.get("description", "")
    if not isinstance(description, str) or len(description) > MAX_DESCRIPTION:
        raise _fail(f"description must be text of at most {MAX_DESCRIPTION} characters", "description")
    raw_format = body.get("payload_format", PayloadFormat.STANDARD.value)
    if raw_format not in tuple(f.value for f in PayloadFormat):
        raise _fail("payload_format must be 'standard' or 'ironclad'", "payload_format")
    token = body.get("legacy_token")
    if token is not None and (
        not isinstance(token, str)
        or not 1 <= len(token) <= MAX_LEGACY_TOKEN
        or not token.isascii()
        or not token.isprintable()
    ):
        raise _fail(
            f"legacy_token must be printable ASCII of 1 to {MAX_LEGACY_TOKEN} characters (sent as the "
            "Pactsafe-Webhook-Token header)",
            "legacy_token",
        )
    return EndpointSpec(
        url=parse_webhook_url(body.get("url")),
        events=parse_events(body.get("events")),
        description=description,
        payload_format=PayloadFormat(raw_format),
        legacy_token=token,
    )
