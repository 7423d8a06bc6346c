"""Contract HTML in the shapes terms of service use, rendered into evidence PDFs and read back:
text with pdftotext, word positions with `pdftotext -bbox`, pages as pictures with pdftoppm."""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pikepdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops

from clickproof.evidence.presented_html import presented_html
from clickproof.evidence.record import build_record
from clickproof.export.pdf_renderer import EvidencePdfRenderer
from tests.evidence_fixtures import EXPORT_SCOPE, T0, fixed_activity, fixed_context

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
GOLDEN = Path(__file__).resolve().parents[1] / "golden"
RENDERER = EvidencePdfRenderer()
LONG_CONDITIONS = " ".join(f"clause{n:04d}" for n in range(400)) + " END-OF-CONDITIONS"
RENDER_DATA: dict[str, Any] = {
    "CompanyName": "Acme Corp",
    "plan": "Pro",
    "seats": 25,
    "company": "شركة الاختبار",
    "cjk": "株式会社テスト",
    "customer": "A" * 700,
    "conditions": LONG_CONDITIONS,
    "name": "अनन्या शर्मा",
}
PAGE_WIDTH_PT = 595.276
MARGIN_PT = 18 / 25.4 * 72

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None, reason="needs poppler-utils"
)


@cache
def render(name: str) -> bytes:
    context = fixed_context()
    body = (CORPUS / name).read_text()
    context = replace(context, version=replace(context.version, body=body))
    record = build_record(
        fixed_activity(render_data=RENDER_DATA), context, export=EXPORT_SCOPE, drawable=RENDERER.drawable
    )
    return RENDERER.render(record, timestamp=int(T0.timestamp()))


def poppler(command: str, pdf: bytes, *args: str) -> bytes:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "in.pdf"
        path.write_bytes(pdf)
        out = Path(directory) / "out"
        subprocess.run([command, *args, str(path), str(out)], check=True, capture_output=True)
        if command == "pdftoppm":
            return next(Path(directory).glob("out*.png")).read_bytes()
        return out.read_bytes()


def text_pages(pdf: bytes) -> str:
    """The accepted text pages as pdftotext reads them (the certificate pages left out)."""
    text = poppler("pdftotext", pdf).decode()
    return text[text.index("as accepted") :]


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u200b", "")).strip()


def assert_in_order(text: str, fragments: list[str]) -> None:
    at = 0
    for fragment in fragments:
        found = text.find(fragment, at)
        assert found >= 0, f"{fragment!r} not found after position {at} in {text[at : at + 300]!r}"
        at = found + len(fragment)


def page_picture(pdf: bytes, page: int, dpi: int = 60) -> Image.Image:
    png = poppler("pdftoppm", pdf, "-r", str(dpi), "-f", str(page), "-l", str(page), "-png", "-gray")
    return Image.open(io.BytesIO(png)).convert("L")


def last_page(pdf: bytes) -> int:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return len(document.pages)


def words(pdf: bytes, page: int) -> list[tuple[str, float, float, float]]:
    """(word, xMin, xMax, yMin) of every word on `page`, from pdftotext -bbox."""
    xhtml = poppler("pdftotext", pdf, "-bbox", "-f", str(page), "-l", str(page)).decode()
    root = ElementTree.fromstring(xhtml)  # noqa: S314 - poppler output of a PDF rendered here
    return [
        (w.text or "", float(w.get("xMin", 0)), float(w.get("xMax", 0)), float(w.get("yMin", 0)))
        for w in root.iter("{http://www.w3.org/1999/xhtml}word")
    ]


def test_numbered_clauses_keep_numbers_definitions_styles_links_and_quotes() -> None:
    text = flat(text_pages(render("numbered_clauses.html")))
    assert_in_order(
        text,
        [
            "Terms of Service",
            'between Acme Corp ("we") and you.',
            "1. Definitions",
            '"Service"',
            "The hosted software Acme Corp provides under the plan Pro.",
            '"Customer Data"',
            "2. Obligations",
            "1. You will keep your credentials secret.",
            "2. You will not:",
            "a. resell the Service;",
            "b. reverse engineer it; or",
            "c. use it unlawfully.",
            "3. We will sometimes always notify you of changes.",
            "vii. This agreement starts today.",
            "viii. It ends on termination.",
            "Questions: legal@acme.example [link: mailto:legal@acme.example]",
            "Acme Corp, 1 Main St.",
            "Nothing in these terms limits rights you have by law.",
        ],
    )


def test_fee_table_cells_image_and_preformatted_text() -> None:
    pdf = render("fee_table.html")
    layout = poppler("pdftotext", pdf, "-layout").decode()
    rows = [flat(line) for line in layout.splitlines()]
    for row in ("Plan Price Seats", "Basic EUR 9 1", "Pro EUR 99 25", "Enterprise, on request unlimited"):
        assert row in rows, row  # one table row is one line: the columns did not collapse
    assert "PlanPrice" not in flat(layout)
    text = flat(text_pages(pdf))
    assert "[image: “VAT notice”; source: https://cdn.acme.example/vat-badge.png]" in text
    # Preformatted text keeps its spaces: in monospace, the second line's "Pro" sits under "PLAN".
    placed = words(pdf, last_page(pdf))
    plan = next(w for w in placed if w[0] == "PLAN")
    pro = next(w for w in placed if w[0] == "Pro" and w[3] > plan[3])
    assert abs(pro[1] - plan[1]) < 1, (plan, pro)
    assert_in_order(text, ["Monthly fees", "Plan", "Basic", "Enterprise", "Prices exclude VAT."])


def test_fee_table_has_a_visible_grid() -> None:
    pdf = render("fee_table.html")
    dpi = 100
    picture = page_picture(pdf, last_page(pdf), dpi=dpi)
    pixels = picture.load()
    assert pixels is not None
    placed = words(pdf, last_page(pdf))
    scale = dpi / 72
    top = int((next(w for w in placed if w[0] == "Plan")[3] - 6) * scale)
    bottom = int((next(w for w in placed if w[0] == "unlimited")[3] + 14) * scale)
    left, right = int(MARGIN_PT * scale) - 2, int((PAGE_WIDTH_PT - MARGIN_PT) * scale) + 2

    def dark(x: int, y: int) -> bool:
        return bool(pixels[x, y] < 170)

    # Horizontal rules: pixel rows of the table area dark over most of the table's width.
    span = [x for x in range(left, right) if any(dark(x, y) for y in range(top, bottom))]
    table_left, table_right = min(span), max(span)
    horizontal = [
        y
        for y in range(top, bottom)
        if sum(dark(x, y) for x in range(table_left, table_right)) > 0.9 * (table_right - table_left)
    ]
    lines = [y for i, y in enumerate(horizontal) if i == 0 or horizontal[i - 1] != y - 1]
    assert len(lines) == 5, lines  # above, between and below the four rows
    # Vertical rules running from the first line to the last: both edges and the rule before
    # "Seats" (the rule between the first two columns stops at the spanning cell).
    vertical = [
        x
        for x in range(table_left, table_right + 1)
        if all(dark(x, y) for y in range(lines[0] + 1, lines[-1]))
    ]
    full = [x for i, x in enumerate(vertical) if i == 0 or vertical[i - 1] != x - 1]
    assert len(full) == 3, full


def test_nested_lists_keep_levels_reversed_numbers_and_mark_an_iframe() -> None:
    pdf = render("nested_lists.html")
    text = flat(text_pages(pdf))
    assert_in_order(
        text,
        [
            "• Do not send spam",
            "◦ no bulk email",
            "▪ not even to customers",
            "◦ no automated messages",
            "• Do not probe the network",
            "3. last step",
            "2. middle step",
            "1. first step",
            "[not rendered here: <iframe> element, source https://video.example/embed/1; see the attached HTML]",
        ],
    )
    # Nesting is visible as indentation: each level's bullet sits further in.
    placed = {w: x for w, x, _, _ in words(pdf, last_page(pdf)) if w in ("•", "◦", "▪")}
    assert placed["•"] < placed["◦"] < placed["▪"]


def test_rtl_paragraph_starts_at_the_right_margin_and_arabic_extracts_exactly() -> None:
    pdf = render("rtl_clauses.html")
    page = last_page(pdf)
    placed = words(pdf, page)
    right_edge = PAGE_WIDTH_PT - MARGIN_PT
    # pdftotext -bbox lists right-to-left words as drawn (visual order): "שלום," reads ",םולש".
    shalom = next(w for w in placed if w[0][::-1].startswith("שלום"))
    assert right_edge - shalom[2] < 3, shalom  # the first word of the clause ends at the right margin
    english = next(w for w in placed if w[0] == "English")
    line = sorted((w for w in placed if abs(w[3] - english[3]) < 1), key=lambda w: w[1])
    assert line[0][0] == "The" and line[0][1] - MARGIN_PT < 3  # a Latin clause starts at the left
    text = text_pages(pdf)
    assert "مرحبا بكم في شركة الاختبار — الاختبار" in text  # the lam-alef ligature gives back its letters
    assert "\u2068" not in text and "\u2069" not in text  # isolates are layout, not text
    # The merged Latin name stays one segment inside the Hebrew sentence, in its own order.
    assert "Acme Corp" in text and "株式会社テスト" in text
    numbers = [w for w in placed if w[0].strip(".") in ("1", "2")]
    assert numbers and all(right_edge - w[2] < 12 for w in numbers)  # RTL list numbers at the right


def test_long_values_are_never_cut_and_indic_names_extract() -> None:
    pdf = render("long_values.html")
    text = flat(text_pages(pdf))
    assert "A" * 700 in text.replace(" ", "")
    assert LONG_CONDITIONS in text
    assert "truncated" not in text
    assert "Signatory: अनन्या शर्मा for شركة الاختبار" in text or "अनन्या शर्मा" in text
    assert "Reference: [missing_field: not provided]" in text


def test_the_presented_html_is_attached_and_its_hash_printed() -> None:
    pdf = render("fee_table.html")
    expected = presented_html((CORPUS / "fee_table.html").read_text(), RENDER_DATA).encode()
    with pikepdf.open(io.BytesIO(pdf)) as document:
        attached = bytes(document.attachments["presented.html"].get_file().read_bytes())
        spec = document.attachments["presented.html"].obj
        assert str(spec["/AFRelationship"]) == "/Source"
        assert any(ref.objgen == spec.objgen for ref in document.Root.AF)
    assert attached == expected
    assert hashlib.sha256(expected).hexdigest() in flat(text_pages(pdf))


@pytest.mark.parametrize(
    ("name", "golden", "page_from_end"),
    [("rtl_clauses.html", "rtl_clauses_page.png", 0), ("fee_table.html", "fee_table_page.png", 0)],
)
def test_pages_look_as_they_did(name: str, golden: str, page_from_end: int) -> None:
    """Small, tolerant picture comparisons for what text extraction cannot see (direction, grid).
    Regenerate after a deliberate change with CLICKPROOF_WRITE_GOLDEN=1, and look at the PNG."""
    pdf = render(name)
    picture = page_picture(pdf, last_page(pdf) - page_from_end, dpi=40)
    path = GOLDEN / golden
    if os.environ.get("CLICKPROOF_WRITE_GOLDEN") == "1":
        picture.save(path, optimize=True)
    expected = Image.open(path).convert("L")
    assert expected.size == picture.size
    histogram = ImageChops.difference(picture, expected).histogram()
    changed = sum(histogram[64:]) / sum(histogram)  # pixels off by more than a quarter of the grey scale
    # Anti-aliasing differences stay far below; one RTL paragraph laid out left to right changes 0.7 %.
    assert changed < 0.001, changed


TAGS = [
    "p",
    "b",
    "i",
    "s",
    "ol",
    "ul",
    "li",
    "table",
    "tr",
    "td",
    "th",
    "blockquote",
    "pre",
    "a",
    "div",
    "dl",
    "dt",
    "dd",
    "h2",
    "br",
    "img",
    "video",
    "span",
]
ATTRIBUTES = [
    "",
    ' dir="rtl"',
    ' colspan="3"',
    ' rowspan="2"',
    ' start="0"',
    ' type="A"',
    ' href="{{CompanyName}}"',
    " reversed",
]
piece = st.one_of(
    st.sampled_from(TAGS).flatmap(lambda t: st.sampled_from(ATTRIBUTES).map(lambda a: f"<{t}{a}>")),
    st.sampled_from(TAGS).map(lambda t: f"</{t}>"),
    st.text(max_size=12),
    st.sampled_from(["{{CompanyName}}", "{{company}}", "{{missing}}", "שלום", "مرحبا", "अनन्या", " "]),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(piece, max_size=40).map("".join))
def test_any_tag_soup_renders_into_a_valid_pdf(body: str) -> None:
    context = replace(fixed_context(), version=replace(fixed_context().version, body=body))
    record = build_record(
        fixed_activity(render_data=RENDER_DATA), context, export=EXPORT_SCOPE, drawable=RENDERER.drawable
    )
    pdf = RENDERER.render(record, timestamp=int(T0.timestamp()))
    with pikepdf.open(io.BytesIO(pdf)) as document:
        assert [str(p) for p in document.check_pdf_syntax()] == []
        assert document.attachments["presented.html"].get_file().read_bytes() == record.presented_html
