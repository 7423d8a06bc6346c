"""Objects cut out of a typst PDF and copied into a PDF written by PdfWriter."""

from __future__ import annotations

import io

import pikepdf
import typst

from clickproof.export.pdf_objects import ObjectTemplate
from clickproof.export.pdf_writer import PdfWriter, pdf_name, pdf_text


def typst_pdf(source: str) -> bytes:
    result = typst.compile(source.encode(), format="pdf", ignore_system_fonts=True)
    assert isinstance(result, bytes)
    return result


def pages_source(text: str, pages: int) -> str:
    return '#set page(paper: "a5")\n' + "\n#pagebreak()\n".join(f"{text} {i}" for i in range(pages))


def document(own_pages: int, template: ObjectTemplate, form: ObjectTemplate | None = None) -> bytes:
    writer = PdfWriter()
    catalog, pages = writer.reserve(), writer.reserve()
    resources = b"<<>>"
    if form is not None:
        resources = b"<</XObject<</S0 %d 0 R>>>>" % writer.add_template(form)[0]
    kids = []
    for _ in range(own_pages):
        content = writer.add_stream(b"", b"q 1 0 0 1 20 20 cm /S0 Do Q" if form else b"")
        kids.append(
            writer.add(
                b"<</Type/Page/Parent %d 0 R/MediaBox[0 0 200 200]/Resources %s/Contents %d 0 R>>"
                % (pages, resources, content)
            )
        )
    kids += writer.add_template(template, parent=pages)
    writer.set(
        pages, b"<</Type/Pages/Count %d/Kids[%s]>>" % (len(kids), b" ".join(b"%d 0 R" % k for k in kids))
    )
    writer.set(catalog, b"<</Type/Catalog/Pages %d 0 R>>" % pages)
    info = writer.add(b"<</Title %s>>" % pdf_text("t"))
    return writer.to_bytes(root=catalog, info=info)


def test_copied_pages_follow_the_documents_own_and_keep_their_text() -> None:
    template = ObjectTemplate.pages(typst_pdf(pages_source("shared", 3)))
    assert template.root_count == 3
    data = document(2, template)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) == 5
        assert pdf.check_pdf_syntax() == []
        assert all(page.obj.Parent.objgen == pdf.Root.Pages.objgen for page in pdf.pages)
        assert "/Font" in pdf.pages[4].Resources
    assert document(2, template) == data  # deterministic: same objects, same bytes


def test_a_form_keeps_its_size_and_draws_in_the_page() -> None:
    form = ObjectTemplate.form(typst_pdf("#set page(width: 120pt, height: auto, margin: 0pt)\nHello"))
    assert form.width == 120 and 5 < form.height < 20
    data = document(1, ObjectTemplate.pages(typst_pdf(pages_source("x", 1))), form)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert pdf.check_pdf_syntax() == []
        xobject = pdf.pages[0].Resources.XObject.S0
        assert xobject.Subtype == "/Form" and "/Font" in xobject.Resources


def test_names_and_strings_are_escaped() -> None:
    assert pdf_name("ABCDEF+DejaVu Sans#1") == b"/ABCDEF+DejaVu#20Sans#231"
    assert pdf_text("é)") == b"<FEFF00E90029>"
