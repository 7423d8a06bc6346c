"""Evidence PDF seals checked by pyHanko, a PAdES validator clickproof did not write."""

from __future__ import annotations

import io
from dataclasses import dataclass

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext


@dataclass(frozen=True)
class PyHankoVerdict:
    signatures: int
    intact: bool  # the digest matches the signed bytes
    valid: bool  # the signature verifies
    trusted: bool  # by the given certificate
    whole_file: bool
    sub_filter: str
    bottom_line: bool


def pyhanko_verdict(pdf: bytes, certificate_der: bytes) -> PyHankoVerdict:
    root = asn1_x509.Certificate.load(certificate_der)
    reader = PdfFileReader(io.BytesIO(pdf), strict=True)
    signatures = reader.embedded_signatures
    status = validate_pdf_signature(signatures[0], ValidationContext(trust_roots=[root]))
    return PyHankoVerdict(
        signatures=len(signatures),
        intact=status.intact,
        valid=status.valid,
        trusted=status.trusted,
        whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        sub_filter=str(signatures[0].sig_object["/SubFilter"]),
        bottom_line=status.bottom_line,
    )
