from __future__ import annotations

import io

import pikepdf
import pytest
import typst

from clickproof.export.pdf_splice import PageTemplate, SpliceError, append_pages


def typst_pdf(text: str, pages: int) -> bytes:
    source = '#set page(paper: "a5")\n' + "\n#pagebreak()\n".join(f"{text} {i}" for i in range(pages))
    result = typst.compile(source.encode(), format="pdf", ignore_system_fonts=True)
    assert isinstance(result, bytes)
    return result


def test_appended_pages_follow_the_documents_own() -> None:
    template = PageTemplate.from_pdf(typst_pdf("shared", 3))
    spliced = append_pages(typst_pdf("own", 2), template)
    with pikepdf.open(io.BytesIO(spliced)) as pdf:
        assert len(pdf.pages) == 5
        assert pdf.check_pdf_syntax() == []
        assert all(page.obj.Parent.objgen == pdf.Root.Pages.objgen for page in pdf.pages)
    assert append_pages(typst_pdf("own", 2), template) == spliced


def test_other_shapes_are_refused() -> None:
    buffer = io.BytesIO()
    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        pdf.save(buffer, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    template = PageTemplate.from_pdf(typst_pdf("shared", 1))
    with pytest.raises(SpliceError):
        append_pages(buffer.getvalue(), template)
    with pytest.raises(SpliceError):
        append_pages(b"%PDF-1.7\nnot a pdf", template)
