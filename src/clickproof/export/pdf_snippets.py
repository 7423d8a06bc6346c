"""Text the certificate writer does not draw itself, typeset by typst once per distinct text.

CJK, right-to-left and combined characters need shaping, bidi reordering and fallback fonts:
typst does all three. Each such text (a name, a company, a custom value) is compiled alone into a
page as wide as its column and as tall as its lines (`snippet.typ`), cut out as a form XObject
(export/pdf_objects.py) and kept in a bounded cache: a name that recurs is typeset once.
"""

from __future__ import annotations

import json

import typst

from clickproof.export.bounded_cache import BoundedCache
from clickproof.export.certificate_layout import LEADING, TextStyle
from clickproof.export.pdf_objects import ObjectTemplate
from clickproof.export.typst_pdf import compile_pdf

DEFAULT_SNIPPET_CACHE = 1024


class TypstSnippets:
    """Not thread-safe: one per renderer. `cache_size=0` typesets every text every time."""

    def __init__(self, compiler: typst.Compiler, *, cache_size: int = DEFAULT_SNIPPET_CACHE) -> None:
        self.compiler = compiler
        self.compiles = 0
        self._cache: BoundedCache[tuple[str, TextStyle, float], ObjectTemplate] = BoundedCache(cache_size)

    def snippet(self, text: str, style: TextStyle, width: float) -> ObjectTemplate:
        key = (text, style, width)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        data = {
            "text": text,
            "width": round(width, 3),
            "size": style.size,
            "color": style.color,
            "weight": "bold" if style.font == "bold" else "regular",
            "leading": LEADING,
        }
        result = compile_pdf(self.compiler, {"data": json.dumps(data, ensure_ascii=False)})
        self.compiles += 1
        return self._cache.put(key, ObjectTemplate.form(result))
