"""Form bodies and CSRF tokens of the console.

Every state-changing form carries `csrf_token`: the session's token once signed in, and before
that (the sign-in form) a token that must match the `cp_csrf` cookie (double submit). Either
way a page of another origin cannot produce it.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import parse_qsl

from starlette.requests import Request

from clickproof.errors import ForbiddenError, RequestTooLargeError, ValidationError

MAX_FORM_BYTES = 256 * 1024
MAX_FORM_FIELDS = 2000
LOGIN_CSRF_COOKIE = "cp_csrf"


class Form:
    """A parsed `application/x-www-form-urlencoded` body: every value of every field."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs

    def get(self, name: str, default: str = "") -> str:
        for key, value in self.pairs:
            if key == name:
                return value
        return default

    def get_all(self, name: str) -> list[str]:
        return [value for key, value in self.pairs if key == name]

    def __contains__(self, name: object) -> bool:
        return any(key == name for key, _ in self.pairs)


def parse_form(body: bytes) -> Form:
    if len(body) > MAX_FORM_BYTES:
        raise RequestTooLargeError(f"a form has at most {MAX_FORM_BYTES} bytes", field="body")
    try:
        text = body.decode("ascii")  # urlencoded bodies are ASCII; their values are percent-encoded UTF-8
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            strict_parsing=False,
            errors="strict",
            max_num_fields=MAX_FORM_FIELDS,
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValidationError(
            f"the form could not be read: {exc}", field="body", code="invalid_form"
        ) from None
    for key, value in pairs:
        if any(0xD800 <= ord(c) <= 0xDFFF or c == "\x00" for c in key + value):
            raise ValidationError(
                "the form holds characters that are not text", field=key, code="invalid_form"
            )
    return Form(pairs)


def new_login_csrf() -> str:
    return secrets.token_urlsafe(32)


def csrf_value(request: Request) -> str:
    """The CSRF token forms on this page must carry."""
    session = getattr(request.state, "console_session", None)
    if session is not None:
        return str(session.csrf_token)
    return str(getattr(request.state, "login_csrf", "") or request.cookies.get(LOGIN_CSRF_COOKIE, ""))


def check_csrf(request: Request, form: Form) -> None:
    """Refuse a state-changing form without the right token (403 csrf_failed)."""
    expected = csrf_value(request)
    sent = form.get("csrf_token")
    if not expected or not sent or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise ForbiddenError(
            "this form is out of date or did not come from this console: reload the page and try again",
            field="csrf_token",
            code="csrf_failed",
        )
