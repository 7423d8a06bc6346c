"""Evidence PDFs as the console serves them: shown inline in the page, or downloaded."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response


def pdf_answer(request: Request, name: str, pdf: bytes) -> Response:
    """The PDF inline (for the page's viewer), or as a download with `?download=1`."""
    disposition = "attachment" if request.query_params.get("download") == "1" else "inline"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'{disposition}; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
            "Content-Security-Policy": "default-src 'none'; frame-ancestors 'self'",
        },
    )
