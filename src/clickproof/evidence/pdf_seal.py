"""A PAdES B-B seal on an evidence PDF, by the site's Ed25519 evidence key (ETSI EN 319 142-1).

A PDF is written with a signature field whose value holds two placeholders (`SIG_PLACEHOLDERS`):
a byte range and a `/Contents` hex string of exactly the CMS's length. `PdfSealer.seal` fills
them in place, so no offset of the file moves: the byte range is the whole file but the
`/Contents` string, and `/Contents` becomes a detached CMS SignedData (RFC 5652, Ed25519 per
RFC 8419) whose signed attributes are content-type, message-digest (SHA-512 of the byte range)
and signing-certificate-v2 (the certificate's SHA-256), with no signing-time: the time is the
signature dictionary's `/M`.

The certificate is self-issued from the key (`seal_certificate`): same key, same certificate.
The CMS is built once per key with asn1crypto; each seal then only puts the new digest and the
new signature into it. Both always have the same length (64 bytes), so every other byte of the
DER stays as built. Ed25519 signatures are deterministic: same PDF, same key, same sealed bytes.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from clickproof.evidence.signing import SigningKey

FIELD_NAME = "clickproof evidence seal"
SEAL_REASON = "Evidence record sealed by the site's evidence key"
SUB_FILTER = "ETSI.CAdES.detached"
DIGEST_SIZE = 64  # SHA-512
SIGNATURE_SIZE = 64  # Ed25519
PLACEHOLDER_RANGE = b"[0 1000000000 1000000000 1000000000]"  # as many digits as any fill needs
RANGE_PATTERN = re.compile(rb"/ByteRange\s*(\[\s*0\s+1000000000\s+1000000000\s+1000000000\s*\])")
_DIGEST_MARK = b"\xd1" * DIGEST_SIZE
_SIGNATURE_MARK = b"\x5e" * SIGNATURE_SIZE
NOT_BEFORE = datetime(2000, 1, 1, tzinfo=UTC)
NOT_AFTER = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)  # RFC 5280 §4.1.2.5: no expiry


class SealError(ValueError):
    """A PDF that holds no seal placeholder, or more than one."""


def signer_name(key_id: str) -> str:
    return f"clickproof evidence key {key_id[:16]}"


def seal_certificate(key: SigningKey) -> bytes:
    """The key's self-issued X.509 certificate (DER): subject and issuer name the key id, serial
    from the key id, valid from 2000 with no expiry, for signatures and non-repudiation only."""
    private = Ed25519PrivateKey.from_private_bytes(base64.b64decode(key.private_key))
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "clickproof"),
            x509.NameAttribute(NameOID.COMMON_NAME, signer_name(key.key_id)),
        ]
    )
    public = private.public_key()
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(int(key.key_id[:32], 16) >> 1 or 1)
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(private, None)
    )
    return certificate.public_bytes(Encoding.DER)


def seal_certificate_pem(key: SigningKey) -> str:
    body = base64.encodebytes(seal_certificate(key)).decode("ascii").replace("\n", "")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"


@dataclass(frozen=True)
class _Template:
    cms: bytes  # the DER ContentInfo, with the two marks
    digest_at: int  # where the message digest's 64 bytes are, in `cms`
    signature_at: int
    attributes: bytes  # the signed attributes as a DER SET, what Ed25519 signs
    attributes_digest_at: int


def _only(haystack: bytes, needle: bytes) -> int:
    at = haystack.find(needle)
    if at < 0 or haystack.find(needle, at + 1) >= 0:
        raise AssertionError("a seal mark is not unique in the CMS template")
    return at


def _template(certificate_der: bytes) -> _Template:
    certificate = asn1_x509.Certificate.load(certificate_der)
    ess = tsp.SigningCertificateV2(
        {
            "certs": [
                tsp.ESSCertIDv2(
                    {
                        "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                        "cert_hash": hashlib.sha256(certificate_der).digest(),
                        "issuer_serial": tsp.IssuerSerial(
                            {
                                "issuer": [asn1_x509.GeneralName({"directory_name": certificate.issuer})],
                                "serial_number": certificate.serial_number,
                            }
                        ),
                    }
                )
            ]
        }
    )
    attributes = cms.CMSAttributes(
        [
            cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
            cms.CMSAttribute({"type": "message_digest", "values": [core.OctetString(_DIGEST_MARK)]}),
            cms.CMSAttribute({"type": "signing_certificate_v2", "values": [ess]}),
        ]
    )
    attributes_der = attributes.dump()
    signer = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                {
                    "issuer_and_serial_number": cms.IssuerAndSerialNumber(
                        {"issuer": certificate.issuer, "serial_number": certificate.serial_number}
                    )
                }
            ),
            "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha512"}),
            "signed_attrs": attributes,
            "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "ed25519"}),
            "signature": _SIGNATURE_MARK,
        }
    )
    signed_data = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha512"})],
            "encap_content_info": cms.ContentInfo({"content_type": "data"}),
            "certificates": [cms.CertificateChoices({"certificate": certificate})],
            "signer_infos": [signer],
        }
    )
    der = cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump()
    return _Template(
        der,
        _only(der, _DIGEST_MARK),
        _only(der, _SIGNATURE_MARK),
        attributes_der,
        _only(attributes_der, _DIGEST_MARK),
    )


def cms_length(certificate_der: bytes) -> int:
    """The length of every CMS this certificate's key seals with: the `/Contents` placeholder's."""
    return len(_template(certificate_der).cms)


def _put(data: bytes, at: int, value: bytes) -> bytes:
    return data[:at] + value + data[at + len(value) :]


class PdfSealer:
    """Seals PDFs written with this sealer's placeholders; one per key (the CMS is built once)."""

    def __init__(self, key: SigningKey) -> None:
        self.key_id = key.key_id
        self.signer_name = signer_name(key.key_id)
        self.certificate = seal_certificate(key)
        self._private = Ed25519PrivateKey.from_private_bytes(base64.b64decode(key.private_key))
        self._template = _template(self.certificate)

    @property
    def contents_length(self) -> int:
        return len(self._template.cms)

    def placeholder_contents(self) -> bytes:
        """The `/Contents` value a PDF to be sealed holds: a hex string of zeros, the CMS's size."""
        return b"<" + b"0" * (2 * self.contents_length) + b">"

    def cms_for(self, digest: bytes) -> bytes:
        """The detached CMS over a byte range whose SHA-512 is `digest`."""
        t = self._template
        attributes = _put(t.attributes, t.attributes_digest_at, digest)
        signature = self._private.sign(attributes)
        return _put(_put(t.cms, t.digest_at, digest), t.signature_at, signature)

    def seal(self, pdf: bytes) -> bytes:
        """The PDF with its placeholders filled: the byte range, then the CMS over it."""
        ranges = list(RANGE_PATTERN.finditer(pdf))
        contents = self.placeholder_contents()
        start = pdf.rfind(contents)
        if len(ranges) != 1 or start < 0 or pdf.find(contents) != start:
            raise SealError("the PDF holds no single seal placeholder")
        end = start + len(contents)
        numbers = b"[0 %d %d %d" % (start, end, len(pdf) - end)
        slot = ranges[0].span(1)
        width = slot[1] - slot[0]
        filled = numbers + b" " * (width - len(numbers) - 1) + b"]"
        pdf = pdf[: slot[0]] + filled + pdf[slot[1] :]
        digest = hashlib.sha512(pdf[:start] + pdf[end:]).digest()
        value = self.cms_for(digest).hex().upper().encode()
        return pdf[: start + 1] + value + pdf[end - 1 :]


@lru_cache(maxsize=16)
def sealer_for(key: SigningKey) -> PdfSealer:
    """The sealer of `key`, built once per process (a certificate and a CMS template)."""
    return PdfSealer(key)
