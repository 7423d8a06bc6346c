"""Jinja2 templates of the console, from the package (no CDN, no build step), autoescaped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from clickproof.domain.timestamps import format_instant
from clickproof.web.forms import csrf_value

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"

environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.filters["instant"] = lambda value: "" if value is None else format_instant(value)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """The page `template` with `context`, the signed-in session (if any) and its CSRF token."""
    session = getattr(request.state, "console_session", None)
    values = {
        "request": request,
        "session": session,
        "csrf_token": csrf_value(request),
        "site": getattr(request.state, "console_site", None),
        "sites": getattr(request.state, "console_sites", []),
        "role": getattr(request.state, "console_role", None),
        **context,
    }
    html = environment.get_template(template).render(values)
    headers = {
        "Cache-Control": "no-store",
        "Content-Security-Policy": (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-src 'self'; object-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }
    return HTMLResponse(html, status_code=status_code, headers=headers)
