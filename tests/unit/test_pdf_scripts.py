"""Names in every script the shipped fonts cover print as text and come back out of the PDF's
text layer as the same characters (pdftotext); what no font covers stays a visible marker."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from clickproof.evidence.record import build_record
from clickproof.evidence.text_direction import first_strong_direction, isolated
from clickproof.export.pdf_renderer import EvidencePdfRenderer
from clickproof.export.pdf_text_layer import corrected_mapping
from tests.evidence_fixtures import EXPORT_SCOPE, T0, fixed_activity, fixed_context

RENDERER = EvidencePdfRenderer()
NAMES = {
    "first_name": "अनन्या",  # Devanagari, with a conjunct
    "last_name": "শর্মা",  # Bengali
    "full_name": "สมชาย ใจดี",  # Thai
    "company_name": "شركة الاختبار",  # Arabic, with the lam-alef ligature
    "title": "தமிழ்செல்வி",  # Tamil
}
CUSTOM = {
    "devanagari": "अनन्या शर्मा",
    "hangul": "김민준",
    "georgian": "ნინო ბერიძე",
    "armenian": "Անի Պետրոսյան",
    "ethiopic": "አበበ ቢቂላ",
    "hebrew": "שרה כהן",
    "cjk": "王芳 株式会社テスト",
}


def pdftotext(pdf: bytes) -> str:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "in.pdf"
        path.write_bytes(pdf)
        done = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True)
        return done.stdout.decode()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_names_in_every_shipped_script_extract_as_the_same_string() -> None:
    activity = fixed_activity(
        custom_data=CUSTOM | {"unsupported": "\U00012000", "override": "a\u202eb"},
        signer_properties=NAMES | {"email": "a@example.com"},
    )
    context = fixed_context()
    record = build_record(activity, context, export=EXPORT_SCOPE, drawable=RENDERER.drawable)
    text = pdftotext(RENDERER.render(record, timestamp=int(T0.timestamp())))
    lines = {line.strip().strip("\u202b\u202c") for line in text.splitlines()}
    for name in [*NAMES.values(), *CUSTOM.values()]:
        assert name in lines, name
    assert "⟨U+12000⟩" in lines  # cuneiform: no shipped font draws it
    assert "a⟨U+202E⟩b" in lines  # a bidi override is shown, never obeyed
    assert "⟨U+09" not in text and "⟨U+0E" not in text and "⟨U+12" not in text.replace("⟨U+12000⟩", "")


def test_every_named_script_is_drawable() -> None:
    for name in [*NAMES.values(), *CUSTOM.values()]:
        missing = {f"U+{ord(ch):04X}" for ch in name if ch != " " and ord(ch) not in RENDERER.drawable}
        assert not missing, (name, missing)


def test_text_layer_mappings_of_right_to_left_clusters_are_stored_for_reversal() -> None:
    assert corrected_mapping("\u0644\u0627") == "\u0627\u0644"  # lam-alef: reversed, as extractors reverse it
    assert corrected_mapping("\u0628\u0650") == "\u0650\u0628"  # beh with kasra
    assert corrected_mapping("\u0915\u094d\u0937") == "\u0915\u094d\u0937"  # Devanagari: as it is
    assert corrected_mapping("fi") == "fi"
    assert corrected_mapping(" \u2068") == " " and corrected_mapping("\u2069") == ""


def test_first_strong_direction_skips_isolated_values() -> None:
    assert first_strong_direction("שלום world") == "rtl"
    assert first_strong_direction("world שלום") == "ltr"
    assert first_strong_direction(isolated("Acme Corp") + " מספקת") == "rtl"
    assert first_strong_direction(isolated("שלום") + " hello") == "ltr"
    assert first_strong_direction("12 — .") is None
