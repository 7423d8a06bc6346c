"""Typst, as evidence PDFs use it: templates and fonts of the package's assets directory only.

Typst reads nothing but its assets directory (templates, fonts shipped in the package); system
fonts are ignored and the templates import no packages, so compiling touches no network and no
other file. Data enters as JSON strings through `sys.inputs`, never as markup.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final, Literal

import typst

ASSETS = Path(__file__).resolve().parent / "pdf_assets"
FONTS = ASSETS / "fonts"
PDF_STANDARD: Final[Literal["a-3b"]] = "a-3b"


def compiler(template: str) -> typst.Compiler:
    return typst.Compiler(
        str(ASSETS / template), root=str(ASSETS), font_paths=[str(FONTS)], ignore_system_fonts=True
    )


def compile_pdf(
    compiler: typst.Compiler, inputs: dict[str, str], *, timestamp: int | None = None, pdf_a: bool = False
) -> bytes:
    """One PDF. With `pdf_a`, PDF/A-3b; if typst refuses it for this content, the same document
    without the PDF/A claim."""
    if pdf_a:
        try:
            result = compiler.compile(
                format="pdf", sys_inputs=inputs, pdf_standards=PDF_STANDARD, timestamp=timestamp
            )
        except typst.TypstError:
            result = compiler.compile(format="pdf", sys_inputs=inputs, timestamp=timestamp)
    else:
        result = compiler.compile(format="pdf", sys_inputs=inputs, timestamp=timestamp)
    if not isinstance(result, bytes):
        raise TypeError("typst returned no single PDF")
    return result
