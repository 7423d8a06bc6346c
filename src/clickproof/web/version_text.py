"""A version's stored HTML as a document of its own, for the console's sandboxed frame.

The HTML is the site's, not the console's: it is never put into a console page. It is served
alone under a CSP `sandbox` with nothing allowed to load or run, and shown in an
`<iframe sandbox>`, so whatever it holds cannot reach the console's origin.
"""

from __future__ import annotations

from markupsafe import escape

STYLE = (
    "body{font:16px/1.5 system-ui,'DejaVu Sans',sans-serif;color:#1a1d21;background:#fff;"
    "margin:1rem;max-width:50rem}"
)


def version_document(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )
