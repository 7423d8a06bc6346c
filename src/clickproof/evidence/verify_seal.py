"""An evidence PDF's seal checked offline (evidence/pdf_seal.py makes it), as a PAdES validator
would: the byte range is the whole file but the signature itself, the CMS's message digest is the
hash of that range, its Ed25519 signature over the signed attributes verifies with the key of the
certificate it names (signing-certificate-v2), and that key is one you trust.

Exit codes as `clickproof verify`: 0 verified; 3 intact, sealed by a key you have not confirmed;
1 not verified (no seal, a changed byte, bytes added after the seal, a signature that fails)."""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import pikepdf
from asn1crypto import cms, tsp
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from clickproof.domain.timestamps import parse_stored
from clickproof.evidence.signing import fingerprint_of, key_id_of
from clickproof.evidence.trust import TrustedKey

_ = tsp  # registers signing-certificate-v2 with asn1crypto's CMS attributes
DIGESTS = ("sha256", "sha384", "sha512")


class SealInvalidError(ValueError):
    """Why a seal does not hold, in words for the verdict."""


@dataclass
class SealVerdict:
    status: Literal["verified", "key_not_confirmed", "not_verified"] = "not_verified"
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    public_key: str | None = None
    key_id: str | None = None
    fingerprint: str | None = None
    sealed_time: str | None = None  # the signature dictionary's /M: the document's date, not a proof of time
    trusted_by: TrustedKey | None = None

    @property
    def exit_code(self) -> int:
        return {"verified": 0, "key_not_confirmed": 3, "not_verified": 1}[self.status]


def verify_sealed_pdf(data: bytes, *, trusted: list[TrustedKey], fingerprints: list[str]) -> SealVerdict:
    verdict = SealVerdict()
    try:
        public_key, sealed_time = _check_seal(data)
    except SealInvalidError as exc:
        verdict.problems.append(str(exc))
        return verdict
    verdict.public_key, verdict.sealed_time = public_key, sealed_time
    verdict.key_id, verdict.fingerprint = key_id_of(public_key), fingerprint_of(public_key)
    verdict.trusted_by = next((k for k in trusted if k.key_id == verdict.key_id), None)
    if verdict.trusted_by is None and {verdict.key_id, verdict.fingerprint} & set(fingerprints):
        verdict.trusted_by = TrustedKey(public_key, verdict.key_id, verdict.fingerprint, "--key-fingerprint")
    retired = verdict.trusted_by.valid_until if verdict.trusted_by is not None else None
    if retired and sealed_time:
        dated, until = _moment(sealed_time), _moment(retired)
        if dated is not None and until is not None and dated > until:
            verdict.problems.append(
                f"dated {sealed_time}, after its key was retired ({retired}): not sealed by the organisation then"
            )
            return verdict
        verdict.notes.append(
            f"the key was retired at {retired}: a PDF it sealed is the organisation's only if it was "
            "sealed before then, which the seal alone cannot show (its date is the document's)"
        )
    verdict.status = "verified" if verdict.trusted_by is not None else "key_not_confirmed"
    return verdict


def _moment(text: str) -> datetime | None:
    try:
        return parse_stored(text)
    except ValueError:
        return None


def _signature(data: bytes) -> tuple[list[int], bytes, str | None]:
    """(byte range, CMS bytes, /M) of the PDF's one signature field."""
    try:
        with pikepdf.Pdf.open(io.BytesIO(data)) as pdf:
            form = pdf.Root.get("/AcroForm")
            fields: Any = form.get("/Fields", pikepdf.Array()) if form is not None else pikepdf.Array()
            signed = [f for f in fields if f.get("/FT") == pikepdf.Name.Sig and "/V" in f]
            if not signed:
                raise SealInvalidError("the PDF holds no seal (no signed signature field)")
            if len(signed) > 1:
                raise SealInvalidError(
                    f"the PDF holds {len(signed)} signatures; an evidence PDF has one seal"
                )
            value = signed[0].V
            byte_range = [int(n) for n in value.get("/ByteRange", pikepdf.Array())]
            contents = bytes(value.get("/Contents", pikepdf.String(b"")))
            moment = value.get("/M")
            return byte_range, contents, None if moment is None else _iso_date(str(moment))
    except pikepdf.PdfError as exc:
        raise SealInvalidError(f"not a readable PDF: {exc}") from None


def _iso_date(pdf_date: str) -> str:
    """`D:20261201103000Z` as `2026-12-01T10:30:00Z`; another spelling as written."""
    digits = pdf_date.removeprefix("D:")
    if len(digits) == 15 and digits[:14].isascii() and digits[:14].isdigit() and digits[14] == "Z":
        d = digits
        return f"{d[:4]}-{d[4:6]}-{d[6:8]}T{d[8:10]}:{d[10:12]}:{d[12:14]}Z"
    return pdf_date


def _check_seal(data: bytes) -> tuple[str, str | None]:
    """The sealing key (base64 of its 32 bytes) and /M, or SealInvalidError."""
    byte_range, contents, sealed_time = _signature(data)
    if len(byte_range) != 4 or byte_range[0] != 0 or not 0 < byte_range[1] < byte_range[2]:
        raise SealInvalidError("the seal's /ByteRange is not one gap in one file")
    _, gap_start, gap_end, tail = byte_range
    if gap_end + tail != len(data):
        raise SealInvalidError(
            f"the seal covers {gap_end + tail} bytes of {len(data)}: bytes were added after it was sealed"
        )
    gap = data[gap_start:gap_end]
    try:
        spelled = bytes.fromhex(gap[1:-1].decode("ascii"))
    except ValueError:
        spelled = None
    if gap[:1] != b"<" or gap[-1:] != b">" or spelled != contents:
        raise SealInvalidError("the seal's gap is not exactly its /Contents: part of the file is not sealed")
    cms_seal = _read_cms(contents)
    if cms_seal.digest not in DIGESTS or cms_seal.message_digest is None:
        raise SealInvalidError(f"the seal's digest ({cms_seal.digest}) is not one of {', '.join(DIGESTS)}")
    sealed = hashlib.new(cms_seal.digest, data[:gap_start] + data[gap_end:]).digest()
    if cms_seal.message_digest != sealed:
        raise SealInvalidError("the PDF was changed after it was sealed: its digest is not the sealed one")
    if cms_seal.algorithm != "ed25519":
        raise SealInvalidError(f"the seal is signed with {cms_seal.algorithm}, not Ed25519")
    if not cms_seal.named:
        raise SealInvalidError("the seal names no certificate of its own (signing-certificate-v2)")
    raw_key = cms_seal.named[0]
    try:
        Ed25519PublicKey.from_public_bytes(raw_key).verify(cms_seal.signature, cms_seal.attributes_der)
    except (InvalidSignature, ValueError):
        raise SealInvalidError("the seal's signature does not verify with its certificate's key") from None
    return base64.b64encode(raw_key).decode(), sealed_time


@dataclass(frozen=True)
class _CmsSeal:
    digest: str
    algorithm: str
    message_digest: bytes | None
    attributes_der: bytes  # the signed attributes as a DER SET: what the signature covers
    signature: bytes
    named: list[bytes]  # public keys of the certificates signing-certificate-v2 names by hash


def _read_cms(contents: bytes) -> _CmsSeal:
    try:
        content = cms.ContentInfo.load(contents)
        if content["content_type"].native != "signed_data":
            raise SealInvalidError("the seal's /Contents is not a CMS SignedData")
        signed_data = content["content"]
        (signer,) = list(signed_data["signer_infos"])
        attributes = {a["type"].native: a["values"][0] for a in signer["signed_attrs"]}
        digest = attributes.get("message_digest")
        ess = attributes.get("signing_certificate_v2")
        wanted = (
            []
            if ess is None
            else [(w["hash_algorithm"]["algorithm"].native, w["cert_hash"].native) for w in ess["certs"]]
        )
        named = [
            bytes(c.chosen.public_key["public_key"].native)
            for c in signed_data["certificates"]
            for name, value in wanted
            if name in DIGESTS and hashlib.new(name, c.chosen.dump()).digest() == value
        ]
        return _CmsSeal(
            digest=signer["digest_algorithm"]["algorithm"].native,
            algorithm=signer["signature_algorithm"]["algorithm"].native,
            message_digest=None if digest is None else bytes(digest.native),
            attributes_der=b"\x31" + signer["signed_attrs"].dump()[1:],
            signature=bytes(signer["signature"].native),
            named=named,
        )
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as exc:
        raise SealInvalidError(f"the seal's /Contents is not a CMS SignedData of one signer: {exc}") from None
