"""A version's HTML body as `/load` presents it: every {{merge field}} replaced by its render
value, HTML-escaped, so a value is always shown as text and never acts as markup. A field without
a value stays as written. The SHA-256 of this HTML is what a send's `rdid` binds to."""

from __future__ import annotations

import hashlib
import html
import json
import re
from typing import Any

from clickproof.evidence.contract_document import MERGE_FIELD


def value_text(value: Any) -> str:
    """A render value as shown: text as is, other JSON values as their JSON text."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def presented_html(body: str, render_data: dict[str, Any]) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        return html.escape(value_text(render_data[name])) if name in render_data else match.group(0)

    return MERGE_FIELD.sub(replace, body)


def html_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
