"""Evidence PDFs: golden text, determinism, structure, embedded exact values, hostile Unicode."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pikepdf
import pypdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clickproof.evidence.canonical_json import canonical_json, sha256_hex
from clickproof.evidence.pdf_seal import PdfSealer
from clickproof.evidence.record import activity_document, build_record
from clickproof.export.pdf_renderer import EvidencePdfRenderer
from tests.evidence_fixtures import (
    CHAIN_HASH,
    EXPORT_ID,
    EXPORT_KEY,
    EXPORT_SCOPE,
    T0,
    fixed_activity,
    fixed_context,
)

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "evidence_pdf.txt"
TIMESTAMP = int(T0.timestamp())
RENDERER = EvidencePdfRenderer()


def render(sealer: PdfSealer | None = None, **changes: object) -> bytes:
    record = build_record(
        fixed_activity(**changes),
        fixed_context(),
        export=EXPORT_SCOPE,
        drawable=RENDERER.drawable,
        key=EXPORT_KEY,
    )
    return RENDERER.render(record, timestamp=TIMESTAMP, sealer=sealer)


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def structure_problems(pdf: bytes) -> list[str]:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        problems = [str(p) for p in document.check_pdf_syntax()]
    if shutil.which("qpdf"):  # the qpdf command too, when the machine has it (pikepdf embeds its library)
        with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
            handle.write(pdf)
            handle.flush()
            checked = subprocess.run(["qpdf", "--check", handle.name], capture_output=True, check=False)
        if checked.returncode != 0:
            problems.append((checked.stdout + checked.stderr).decode(errors="replace")[-500:])
    return problems


def attachment(pdf: bytes, name: str) -> bytes:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return bytes(document.attachments[name].get_file().read_bytes())


def test_golden_text() -> None:
    text = "\n\f\n".join(page_texts(render()))
    if not GOLDEN.exists():  # first run writes it; review and commit it
        GOLDEN.write_text(text)
    assert text == GOLDEN.read_text()


def test_certificate_carries_every_field_and_the_fingerprint() -> None:
    pdf = render()
    record = build_record(fixed_activity(), fixed_context(), export=EXPORT_SCOPE, drawable=RENDERER.drawable)
    first = "".join(page_texts(pdf)[:2])
    for value in (
        "Certificate of acceptance",
        "user000042@example.com",
        "click_to_accept",
        "2026-09-01T12:30:15.123000Z",
        "1756729815123",
        "sess_0123456789abcdef",
        "Privacy Policy (id 2)",
        "000000010000000200000002",
        "Sign-up clickwrap (id 1)",
        "203.0.113.7",
        "Demo Site",
        EXPORT_ID,
        EXPORT_SCOPE.filter_description,
        record.fingerprint,
        "⟨U+202E⟩",
    ):
        assert value in first, value
    assert "\u202e" not in "".join(page_texts(pdf))
    assert record.fingerprint == sha256_hex(canonical_json(activity_document(fixed_activity())))


def test_contract_text_follows_with_render_data_merged() -> None:
    texts = page_texts(render())
    body = "".join(texts[1:])
    assert "By clicking accept you agree to the plan pro at $29 per month." in body
    assert "{{" not in body


def test_same_activity_same_export_same_bytes_and_valid_structure() -> None:
    first = render()
    assert render() == first
    assert (
        EvidencePdfRenderer(shared=False).render(
            build_record(
                fixed_activity(),
                fixed_context(),
                export=EXPORT_SCOPE,
                drawable=RENDERER.drawable,
                key=EXPORT_KEY,
            ),
            timestamp=TIMESTAMP,
        )
        == first
    )
    assert structure_problems(first) == []
    with pikepdf.open(io.BytesIO(first)) as document:
        assert len(document.pages) >= 2
        assert "/OutputIntents" in document.Root and "/AF" in document.Root
    assert attachment(first, "activity.json") == canonical_json(activity_document(fixed_activity()))
    assert json.loads(attachment(first, "context.json"))["contract"]["title"] == "Privacy Policy"


def test_data_is_never_markup() -> None:
    hostile = '#read("/etc/passwd") #import "@preview/cetz:0.3.0" ]) $x$ <label> @ref *bold* `raw` \\'
    pdf = render(signer_id=hostile, custom_data={"k#": hostile})
    text = "".join(page_texts(pdf))
    assert "root:x:0:0" not in text
    assert '#read("/etc/passwd")' in text.replace("\u200b", "").replace("\n", "")


unicode_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(signer=unicode_text, key=st.text(min_size=1, max_size=40), value=unicode_text, number=st.integers())
def test_any_unicode_renders(signer: str, key: str, value: str, number: int) -> None:
    activity = fixed_activity(
        signer_id=signer,
        custom_data={key: value, "n": number, "list": [value]},
        signer_properties={"first_name": value, "company_name": signer},
    )
    context = fixed_context()
    started = time.monotonic()
    pdf = RENDERER.render(
        build_record(activity, context, export=EXPORT_SCOPE, drawable=RENDERER.drawable), timestamp=TIMESTAMP
    )
    assert time.monotonic() - started < 5.0
    assert structure_problems(pdf) == []
    assert json.loads(attachment(pdf, "activity.json")) == json.loads(
        canonical_json(activity_document(activity))
    )
    assert json.loads(attachment(pdf, "activity.json"))["signer_id"] == signer


def test_a_very_long_value_is_truncated_visibly() -> None:
    pdf = render(custom_data={"note": "word " * 3000, "blob": "x" * 20000})
    text = "".join(page_texts(pdf)).replace("\u200b", "")
    assert "truncated: 15,000 characters" in text and "truncated: 20,000 characters" in text
    assert json.loads(attachment(pdf, "activity.json"))["custom_data"]["blob"] == "x" * 20000


def test_certificate_pages_are_numbered_and_shaped_text_is_typeset_once() -> None:
    renderer = EvidencePdfRenderer()
    custom = {f"key {i:03d}": f"value {i} محمد" if i % 50 == 0 else f"value {i}" for i in range(150)}
    record = build_record(
        fixed_activity(custom_data=custom), fixed_context(), export=EXPORT_SCOPE, drawable=renderer.drawable
    )
    pdf = renderer.render(record, timestamp=TIMESTAMP)
    compiles = renderer.snippets.compiles
    assert renderer.render(record, timestamp=TIMESTAMP) == pdf
    assert renderer.snippets.compiles == compiles  # the second PDF typeset nothing again
    texts = page_texts(pdf)
    certificate_pages = [t for t in texts if "certificate page" in t]
    assert len(certificate_pages) >= 4
    for number, text in enumerate(certificate_pages, start=1):
        assert f"certificate page {number} / {len(certificate_pages)}" in text
    assert "value 149" in "".join(certificate_pages) and "محمد" in "".join(certificate_pages)


def test_poppler_renders_every_page_without_complaint() -> None:
    if shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils is not installed (.ci/run installs it)")
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "record.pdf"
        path.write_bytes(render(custom_data={"name": "Zoë Ёлка Ωμέγα 王芳 محمد", "n": 1}))
        result = subprocess.run(
            ["pdftoppm", "-r", "30", "-png", str(path), str(Path(directory) / "page")],
            capture_output=True,
            check=False,
        )
        assert result.returncode == 0 and result.stderr == b"", result.stderr
        assert len(list(Path(directory).glob("page-*.png"))) >= 3


def test_the_certificate_prints_the_chain_link_and_the_evidence_key() -> None:
    pdf = render()
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        text = subprocess.run(
            ["pdftotext", "-layout", "-f", "1", "-l", "2", handle.name, "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    assert "Hash chain" in text and "link 1234 of site 1" in text
    for value in (CHAIN_HASH, EXPORT_KEY.key_id, EXPORT_KEY.fingerprint):
        assert value in text.replace(" ", "").replace("\n", ""), value
    assert "this export's manifest" in text
    context = json.loads(attachment(pdf, "context.json"))
    assert context["chain"] == {"site": 1, "seq": 1234, "link_hash": CHAIN_HASH}
    assert context["evidence_key"] == {"key_id": EXPORT_KEY.key_id, "fingerprint": EXPORT_KEY.fingerprint}
