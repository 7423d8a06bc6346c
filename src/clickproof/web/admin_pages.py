"""The administration pages' render: every page knows its site's administration path."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

from clickproof.web.console_route import site_access
from clickproof.web.templating import render


def render_admin(request: Request, template: str, **context: Any) -> HTMLResponse:
    admin_base = f"/console/sites/{site_access(request).site.id}/admin"
    return render(request, template, admin_base=admin_base, **context)
