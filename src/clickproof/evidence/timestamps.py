"""RFC 3161 timestamps: asking a timestamp authority (TSA) to vouch that bytes existed at a time,
and checking its answer.

The stored form is the TSA's whole TimeStampResp (`.tsr`), so that `openssl ts -verify -in
manifest.json.tsr -data manifest.json -CAfile tsa.pem` checks it as well as `clickproof verify`.
The protocol and the token's signature check are `rfc3161ng`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import rfc3161ng
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyasn1.codec.der import decoder, encoder
from pyasn1.error import PyAsn1Error

TIMESTAMP_SUFFIX = ".tsr"
TIMESTAMP_EXPORT_TYPE = "manifest_timestamp"
TIMESTAMP_CONTENT_TYPE = "application/timestamp-reply"
_GRANTED = (0, 1)  # PKIStatus granted, grantedWithMods


class TimestampError(RuntimeError):
    """The TSA did not give a usable answer; the message says why in plain words."""


@dataclass(frozen=True)
class TimestampCheck:
    time: datetime | None
    authority: str | None
    problem: str | None


def request_timestamp(url: str, data: bytes, *, timeout: float, certificate: bytes | None = None) -> bytes:
    """The TSA's TimeStampResp for SHA-256(data), checked against `certificate` when given."""
    stamper = rfc3161ng.RemoteTimestamper(
        url, certificate=certificate, hashname="sha256", include_tsa_certificate=True, timeout=timeout
    )
    try:
        response = stamper(data=data, return_tsr=True)
    except rfc3161ng.TimestampingError as exc:
        raise TimestampError(f"the timestamp authority at {url} did not answer ({exc.args[-1]})") from exc
    except (PyAsn1Error, ValueError, AttributeError) as exc:
        raise TimestampError(
            f"the timestamp authority at {url} answered something that is not a timestamp"
        ) from exc
    status = int(response["status"]["status"])
    if status not in _GRANTED:
        raise TimestampError(f"the timestamp authority at {url} refused the request (PKIStatus {status})")
    return bytes(encoder.encode(response))


def _embedded_certificate(token: rfc3161ng.TimeStampToken) -> x509.Certificate | None:
    try:
        certificate: x509.Certificate = rfc3161ng.api.load_certificate(token.content, b"")
    except (AttributeError, ValueError):
        return None
    return certificate


def _same_certificate(embedded: x509.Certificate | None, given: bytes) -> bool:
    if embedded is None:
        return True  # a token without its certificate is checked against the given one alone
    loaded = (
        x509.load_pem_x509_certificate(given)
        if b"-----BEGIN CERTIFICATE-----" in given
        else x509.load_der_x509_certificate(given)
    )
    return embedded.public_bytes(Encoding.DER) == loaded.public_bytes(Encoding.DER)


def check_timestamp(reply: bytes, data: bytes, *, certificate: bytes | None = None) -> TimestampCheck:
    """Does this TimeStampResp vouch for exactly `data`, signed by the TSA (or by `certificate`)?"""
    try:
        response, rest = decoder.decode(reply, asn1Spec=rfc3161ng.TimeStampResp())
        if rest:
            raise ValueError("bytes after the response")
        token = response.time_stamp_token
        time = rfc3161ng.get_timestamp(token, naive=True).replace(tzinfo=UTC)
    except (PyAsn1Error, ValueError, AttributeError, TypeError):
        return TimestampCheck(None, None, "not a readable RFC 3161 timestamp response")
    embedded = _embedded_certificate(token)
    authority = None if embedded is None else embedded.subject.rfc4514_string()
    if certificate is not None and not _same_certificate(embedded, certificate):
        return TimestampCheck(
            time, authority, "the timestamp carries another certificate than the TSA certificate you gave"
        )
    try:
        rfc3161ng.check_timestamp(token, certificate=certificate or b"", data=data, hashname="sha256")
    except ValueError as exc:
        reason = "it vouches for other bytes" if "imprint" in str(exc) else str(exc)
        return TimestampCheck(time, authority, f"the timestamp does not match: {reason}")
    except Exception:
        who = "the TSA certificate you gave" if certificate is not None else "its TSA's certificate"
        return TimestampCheck(time, authority, f"the timestamp's signature does not verify with {who}")
    return TimestampCheck(time, authority, None)
