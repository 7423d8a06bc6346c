"""Evidence PDF seals (PAdES B-B): valid for pyHanko, deterministic, and no changed byte passes."""

from __future__ import annotations

import base64
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clickproof.evidence.pdf_seal import PdfSealer, SealError, seal_certificate, seal_certificate_pem
from clickproof.evidence.signing import SigningKey, generate_key
from clickproof.evidence.trust import trusted_key
from clickproof.evidence.verify_seal import verify_sealed_pdf
from tests.seal_checks import pyhanko_verdict
from tests.unit.test_pdf_renderer import render as render_record

KEY = generate_key()
SEALER = PdfSealer(KEY)


def render(sealer: PdfSealer | None = SEALER, **changes: object) -> bytes:
    return render_record(sealer, **changes)


SEALED = render()


def gap_of(pdf: bytes) -> tuple[int, int]:
    """Where the /Contents hex string is (its < and > included): the bytes the seal leaves out."""
    start = pdf.index(b"/Contents<") + len(b"/Contents")
    return start, pdf.index(b">", start) + 1


def verdict(pdf: bytes, key: SigningKey = KEY) -> str:
    return verify_sealed_pdf(pdf, trusted=[trusted_key(key.public_key, "test")], fingerprints=[]).status


def test_pyhanko_validates_the_seal_against_the_published_certificate() -> None:
    checked = pyhanko_verdict(SEALED, seal_certificate(KEY))
    assert checked.signatures == 1
    assert checked.intact and checked.valid and checked.trusted and checked.whole_file and checked.bottom_line
    assert checked.sub_filter == "/ETSI.CAdES.detached"


def test_pyhanko_does_not_trust_another_keys_certificate() -> None:
    checked = pyhanko_verdict(SEALED, seal_certificate(generate_key()))
    assert checked.intact and checked.valid and not checked.trusted and not checked.bottom_line


def test_clickproof_verifies_it_and_names_the_key_and_time() -> None:
    result = verify_sealed_pdf(SEALED, trusted=[trusted_key(KEY.public_key, "test")], fingerprints=[])
    assert result.status == "verified" and result.exit_code == 0 and result.problems == []
    assert result.key_id == KEY.key_id and result.sealed_time == "2026-09-01T12:30:15Z"
    other = verify_sealed_pdf(SEALED, trusted=[trusted_key(generate_key().public_key, "x")], fingerprints=[])
    assert other.status == "key_not_confirmed" and other.exit_code == 3
    assert other.fingerprint is not None
    by_fingerprint = verify_sealed_pdf(SEALED, trusted=[], fingerprints=[other.fingerprint])
    assert by_fingerprint.status == "verified"


def test_a_pdf_dated_after_its_key_was_retired_is_refused_and_one_before_is_noted() -> None:
    retired = trusted_key(KEY.public_key, "keys.json", valid_until="2026-06-01T00:00:00.000000Z")
    late = verify_sealed_pdf(SEALED, trusted=[retired], fingerprints=[])  # dated 2026-09-01
    assert late.status == "not_verified" and "after its key was retired" in late.problems[0]
    later = trusted_key(KEY.public_key, "keys.json", valid_until="2026-12-01T00:00:00.000000Z")
    noted = verify_sealed_pdf(SEALED, trusted=[later], fingerprints=[])
    assert noted.status == "verified" and "the key was retired at 2026-12-01" in noted.notes[0]


def test_the_same_record_is_sealed_to_the_same_bytes() -> None:
    assert render() == SEALED
    assert render(event_type="disagreed") != SEALED


def test_a_sealed_pdf_is_the_unsealed_one_plus_an_invisible_locked_signature_widget() -> None:
    plain = render(None)
    assert verify_sealed_pdf(plain, trusted=[], fingerprints=[]).problems == [
        "the PDF holds no seal (no signed signature field)"
    ]
    assert len(SEALED) - len(plain) < 4000  # the widget, the signature dictionary, the CMS
    assert b"/FT/Sig" in SEALED and b"/F 132/Rect[0 0 0 0]" in SEALED and b"/SigFlags 3" in SEALED
    with pytest.raises(SealError):
        SEALER.seal(plain)  # nothing to fill


@pytest.mark.skipif(shutil.which("qpdf") is None or shutil.which("pdfsig") is None, reason="qpdf and pdfsig")
def test_qpdf_finds_no_error_and_pdfsig_sees_the_whole_document_signed(tmp_path: Path) -> None:
    path = tmp_path / "sealed.pdf"
    path.write_bytes(SEALED)
    subprocess.run(["qpdf", "--check", str(path)], check=True, capture_output=True)
    shown = subprocess.run(["pdfsig", str(path)], check=False, capture_output=True, text=True).stdout
    assert "Signature Field Name: clickproof evidence seal" in shown
    assert "Signature Type: ETSI.CAdES.detached" in shown and "Total document signed" in shown
    assert "Signing Hash Algorithm: SHA-512" in shown
    # Debian 12's poppler checks signatures with NSS 3.87, which has no Ed25519 in CMS: it says
    # "Document isn't signed or corrupted data" for any Ed25519 seal (docs/verification.md).


def test_the_certificate_is_self_issued_from_the_key_and_the_same_every_time() -> None:
    der = seal_certificate(KEY)
    assert der == seal_certificate(KEY) and der == SEALER.certificate
    certificate = x509.load_der_x509_certificate(der)
    assert certificate.issuer == certificate.subject
    public = certificate.public_key()
    assert isinstance(public, Ed25519PublicKey)
    assert base64.b64encode(public.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode() == KEY.public_key
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    assert x509.load_pem_x509_certificate(seal_certificate_pem(KEY).encode()) == certificate


def test_bytes_added_after_the_seal_are_refused() -> None:
    result = verify_sealed_pdf(SEALED + b"%% appended\n", trusted=[], fingerprints=[])
    assert result.status == "not_verified"
    assert "bytes were added after it was sealed" in result.problems[0]


def test_a_seal_moved_to_another_pdf_does_not_verify() -> None:
    other = render(event_type="disagreed")
    assert verdict(other) == "verified"  # its own, honest seal
    start, end = gap_of(SEALED)
    o_start, o_end = gap_of(other)
    transplanted = other[:o_start] + SEALED[start:end] + other[o_end:]
    assert len(transplanted) == len(other) and verdict(transplanted) == "not_verified"
    assert not pyhanko_accepts(transplanted)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(position=st.integers(min_value=0, max_value=len(SEALED) - 1), value=st.integers(1, 255))
def test_any_changed_byte_outside_the_signature_is_refused(position: int, value: int) -> None:
    start, end = gap_of(SEALED)
    if start <= position < end:
        position = end + (position - start) % (len(SEALED) - end)
    changed = bytearray(SEALED)
    changed[position] ^= value
    assert verdict(bytes(changed)) == "not_verified"
    assert not pyhanko_accepts(bytes(changed))


def signed_digits() -> list[int]:
    """Positions in SEALED of the hex digits of the CMS's message digest and signature."""
    start, _end = gap_of(SEALED)
    template = SEALER._template
    return [
        start + 1 + 2 * at + half
        for first in (template.digest_at, template.signature_at)
        for at in range(first, first + 64)
        for half in (0, 1)
    ]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pick=st.integers(min_value=0), digit=st.sampled_from("0123456789ABCDEF"))
def test_any_changed_digit_of_the_digest_or_signature_is_refused(pick: int, digit: str) -> None:
    positions = signed_digits()
    at = positions[pick % len(positions)]
    if SEALED[at : at + 1] == digit.encode():
        digit = "1" if digit == "0" else "0"
    changed = SEALED[:at] + digit.encode() + SEALED[at + 1 :]
    assert verdict(changed) == "not_verified"
    assert not pyhanko_accepts(changed)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(offset=st.integers(min_value=0), digit=st.sampled_from("0123456789ABCDEF"))
def test_no_changed_digit_of_the_cms_makes_it_another_keys_seal(offset: int, digit: str) -> None:
    """CMS leaves some fields unsigned (e.g. its list of digest algorithms): a change there may
    still verify, but never as a seal of another key or of other bytes."""
    start, end = gap_of(SEALED)
    at = start + 1 + offset % (end - start - 2)
    changed = SEALED[:at] + digit.encode() + SEALED[at + 1 :]
    result = verify_sealed_pdf(changed, trusted=[], fingerprints=[])
    assert result.status == "not_verified" or (result.key_id == KEY.key_id and result.problems == [])


def pyhanko_accepts(pdf: bytes) -> bool:
    try:
        return pyhanko_verdict(pdf, SEALER.certificate).bottom_line
    except Exception:
        return False
