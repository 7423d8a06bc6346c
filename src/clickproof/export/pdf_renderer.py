"""Evidence PDFs with typst: a certificate page per activity, the contract text pages once per
distinct (version, render values), appended to each certificate (export/pdf_splice.py).

Typst reads nothing but its assets directory (templates, fonts shipped in the package); system
fonts are ignored and the templates import no packages, so rendering touches no network and no
other file. Record data enters as JSON strings through `sys.inputs`, never as markup.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from pathlib import Path
from typing import Final, Literal

import typst

from clickproof.evidence.record import EvidenceRecord
from clickproof.export.font_coverage import drawable_codes
from clickproof.export.pdf_splice import PageTemplate, append_pages

ASSETS = Path(__file__).resolve().parent / "pdf_assets"
FONTS = ASSETS / "fonts"
PDF_STANDARD: Final[Literal["a-3b"]] = "a-3b"
DEFAULT_TEXT_CACHE = 256


class EvidencePdfRenderer:
    """Not thread-safe: one per worker thread. `text_cache_size=0` renders everything every time."""

    def __init__(self, *, text_cache_size: int = DEFAULT_TEXT_CACHE) -> None:
        self.certificates = self._compiler("certificate.typ")
        self.texts = self._compiler("contract_text.typ")
        self.text_cache_size = text_cache_size
        self._cache: OrderedDict[str, PageTemplate] = OrderedDict()
        self.text_renders = 0
        # Pass to build_record: characters outside it are printed as ⟨U+XXXX⟩ markers.
        self.drawable = drawable_codes(FONTS)

    @staticmethod
    def _compiler(template: str) -> typst.Compiler:
        return typst.Compiler(
            str(ASSETS / template), root=str(ASSETS), font_paths=[str(FONTS)], ignore_system_fonts=True
        )

    def render(self, record: EvidenceRecord, *, timestamp: int) -> bytes:
        """The evidence PDF: certificate page(s), then the accepted text. Same inputs, same bytes."""
        pages = self._text_pages(record, timestamp)
        inputs = {
            "data": json.dumps(record.certificate, ensure_ascii=False),
            "activity": record.activity_json.decode("utf-8", "surrogateescape"),
            "context": record.context_json.decode("utf-8", "surrogateescape"),
        }
        return append_pages(_compile(self.certificates, inputs, timestamp), pages)

    def _text_pages(self, record: EvidenceRecord, timestamp: int) -> PageTemplate:
        key = f"{record.text_key}:{timestamp}"
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        rendered = _compile(
            self.texts, {"data": json.dumps(record.contract_text, ensure_ascii=False)}, timestamp
        )
        self.text_renders += 1
        template = PageTemplate.from_pdf(rendered)
        if self.text_cache_size > 0:
            self._cache[key] = template
            while len(self._cache) > self.text_cache_size:
                self._cache.popitem(last=False)
        return template


def _compile(compiler: typst.Compiler, inputs: dict[str, str], timestamp: int) -> bytes:
    """PDF/A-3b; if typst refuses it for this content, the same document without the PDF/A claim."""
    try:
        result = compiler.compile(
            format="pdf", sys_inputs=inputs, pdf_standards=PDF_STANDARD, timestamp=timestamp
        )
    except typst.TypstError:
        result = compiler.compile(format="pdf", sys_inputs=inputs, timestamp=timestamp)
    return _pdf_bytes(result)


def _pdf_bytes(result: bytes | list[bytes] | None) -> bytes:
    if not isinstance(result, bytes):
        raise TypeError("typst returned no single PDF")
    return result
