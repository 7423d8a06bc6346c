"""`clickproof verify-proof`: one activity's chain proof against a chain head, offline.

The head comes from a signed export manifest (its `chain_head`, trusted as far as the key that
signed it is), from a saved chain-head timestamp (trusted as far as its authority is), from
`SEQ:HASH` given by the verifier, or, without any, from the timestamps inside the proof. Exit
codes as `clickproof verify`: 0 verified, 3 the proof holds but nothing confirms the head's
source, 1 not verified (the reason is named).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from clickproof.domain.chain_proof import (
    HEAD_STATEMENT_FORMAT,
    ProofCheck,
    TrustedHead,
    check_proof,
    proof_link_hashes,
)
from clickproof.evidence.timestamps import check_timestamp
from clickproof.evidence.trust import TrustedKey
from clickproof.evidence.verify import EXIT_NOT_VERIFIED, EXIT_UNCONFIRMED_KEY, EXIT_VERIFIED, verify_manifest

_SEQ_HASH = re.compile(r"(\d{1,16}):([0-9a-f]{64})")


class ChainHeadError(ValueError):
    """A --chain-head value that names no chain head."""


@dataclass
class ProofVerdict:
    check: ProofCheck | None = None
    problems: list[tuple[str, str]] = field(default_factory=list)  # (reason, message)
    notes: list[str] = field(default_factory=list)
    stamped: list[tuple[int, datetime, str | None]] = field(default_factory=list)  # (seq, time, authority)
    confirmed: bool = False  # the head's source is one the verifier trusts

    @property
    def status(self) -> str:
        if self.problems or self.check is None or not self.check.ok:
            return "not_verified"
        return "verified" if self.confirmed else "unconfirmed"

    @property
    def exit_code(self) -> int:
        return {"verified": EXIT_VERIFIED, "unconfirmed": EXIT_UNCONFIRMED_KEY}.get(
            self.status, EXIT_NOT_VERIFIED
        )


@dataclass(frozen=True)
class _Head:
    head: TrustedHead
    site: int | None
    account: int | None
    confirmed: bool
    note: str | None = None


def _statement_head(statement: str) -> tuple[TrustedHead, int, int]:
    document = json.loads(statement)
    if not isinstance(document, dict) or document.get("format") != HEAD_STATEMENT_FORMAT:
        raise ChainHeadError(f"the statement is not a {HEAD_STATEMENT_FORMAT} statement")
    seq, link, site, account = (document.get(k) for k in ("seq", "hash", "site", "account"))
    if not (
        isinstance(seq, int) and isinstance(link, str) and isinstance(site, int) and isinstance(account, int)
    ):
        raise ChainHeadError("the statement lacks seq, hash, site or account")
    return TrustedHead(seq, link, "a timestamped chain head"), site, account


def _timestamped_head(
    entry: dict[str, Any], certificate: bytes | None
) -> tuple[_Head, datetime | None, str | None]:
    statement, token = entry.get("statement"), entry.get("token")
    if not isinstance(statement, str) or not isinstance(token, str):
        raise ChainHeadError("a chain-head timestamp needs its statement and token")
    try:
        reply = base64.b64decode(token, validate=True)
    except (binascii.Error, ValueError):
        raise ChainHeadError("the timestamp's token is not base64") from None
    head, site, account = _statement_head(statement)
    check = check_timestamp(reply, statement.encode("utf-8"), certificate=certificate)
    if check.problem is not None:
        raise ChainHeadError(f"the chain-head timestamp does not hold: {check.problem}")
    note = (
        None
        if certificate
        else f"the chain head is timestamped by {check.authority}, an authority you have not confirmed"
    )
    return _Head(head, site, account, certificate is not None, note), check.time, check.authority


def _manifest_head(path: Path, trusted: Sequence[TrustedKey], fingerprints: Sequence[str]) -> _Head:
    verdict, body = verify_manifest(path, trusted=trusted, fingerprints=fingerprints)
    if verdict.problems or body is None:
        raise ChainHeadError("; ".join(f"{p.where}: {p.message}" for p in verdict.problems))
    member = body.get("chain_head")
    if not isinstance(member, dict) or not isinstance(member.get("seq"), int):
        raise ChainHeadError(f"{path.name} records no chain head (written before manifests held one)")
    head = TrustedHead(
        member["seq"], str(member.get("hash")), f"the chain head of export {body.get('export_id')}"
    )
    note = None
    if verdict.trusted_by is None:
        note = (
            f"the manifest is signed by key {verdict.key_id} (fingerprint {verdict.fingerprint}), which "
            "nothing confirms: pass --public-key or --key-fingerprint"
        )
    return _Head(head, verdict.site, verdict.account, verdict.trusted_by is not None, note)


def resolve_head(
    value: str, *, trusted: Sequence[TrustedKey], fingerprints: Sequence[str], certificate: bytes | None
) -> tuple[_Head, datetime | None, str | None]:
    """A --chain-head value: a manifest.json, a saved chain-head timestamp (JSON), or SEQ:HASH."""
    matched = _SEQ_HASH.fullmatch(value.strip().lower())
    if matched:
        head = TrustedHead(int(matched[1]), matched[2], "the head given with --chain-head")
        return _Head(head, None, None, True), None, None
    path = Path(value)
    if not path.is_file():
        raise ChainHeadError(
            "--chain-head is neither a file (manifest.json, a chain-head timestamp) nor SEQ:HASH"
        )
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ChainHeadError(f"{path.name} is not JSON") from None
    if isinstance(document, dict) and "manifest" in document:
        return _manifest_head(path, trusted, fingerprints), None, None
    if isinstance(document, dict) and "statement" in document:
        return _timestamped_head(document, certificate)
    raise ChainHeadError(f"{path.name} is neither an export manifest nor a chain-head timestamp")


def _proof_timestamps(proof: dict[str, Any], certificate: bytes | None, verdict: ProofVerdict) -> list[_Head]:
    """The timestamps carried in the proof, each checked against the proof's own links."""
    hashes = proof_link_hashes(proof)
    heads = []
    for position, entry in enumerate(proof.get("timestamps") or []):
        where = f"timestamps[{position}]"
        try:
            head, time, authority = _timestamped_head(entry if isinstance(entry, dict) else {}, certificate)
        except (ChainHeadError, ValueError) as exc:
            verdict.problems.append(("timestamp_invalid", f"{where}: {exc}"))
            continue
        if (head.site, head.account) != (proof.get("site"), proof.get("account")):
            verdict.problems.append(("timestamp_invalid", f"{where}: the statement is another site's"))
            continue
        if hashes and hashes.get(head.head.seq) != head.head.hash:
            verdict.problems.append(
                (
                    "timestamp_mismatch",
                    f"{where}: the timestamped head is not link {head.head.seq} of this proof",
                )
            )
            continue
        if time is not None:
            verdict.stamped.append((head.head.seq, time, authority))
        heads.append(head)
    return heads


def verify_proof(
    proof_path: Path,
    *,
    chain_head: str | None,
    trusted: Sequence[TrustedKey] = (),
    fingerprints: Sequence[str] = (),
    tsa_certificate: bytes | None = None,
) -> ProofVerdict:
    """Raises ChainHeadError when --chain-head cannot be read as a head."""
    verdict = ProofVerdict()
    try:
        proof = json.loads(proof_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError):
        verdict.problems.append(("malformed", f"{proof_path.name} is not JSON"))
        return verdict
    if not isinstance(proof, dict):
        verdict.problems.append(("malformed", f"{proof_path.name} is not a chain proof"))
        return verdict
    stamps = _proof_timestamps(proof, tsa_certificate, verdict)
    if chain_head is not None:
        given, time, authority = resolve_head(
            chain_head, trusted=trusted, fingerprints=fingerprints, certificate=tsa_certificate
        )
        if time is not None:
            verdict.stamped.append((given.head.seq, time, authority))
    elif stamps:
        given = stamps[0]
    elif verdict.problems:  # the proof's own timestamps failed: nothing left to check against
        return verdict
    else:
        raise ChainHeadError(
            "no --chain-head, and the proof carries no timestamp of a head to check it against"
        )
    for head in (given, *(s for s in stamps if s is not given)):
        if head.note:
            verdict.notes.append(head.note)
    if given.site is not None and (given.site, given.account) != (proof.get("site"), proof.get("account")):
        verdict.problems.append(
            (
                "wrong_site",
                f"the chain head is site {given.site}'s, the proof is for site {proof.get('site')}",
            )
        )
    verdict.check = check_proof(proof, given.head)
    verdict.confirmed = given.confirmed
    return verdict
