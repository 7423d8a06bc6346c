"""A chain proof: one activity's link and every link after it up to a chain head, checkable with
SHA-256 alone (docs/verification.md, docs/adr/0023). Pure, no I/O.

The proof carries the activity's canonical record (the exact text its `content_hash` is the
SHA-256 of; personal data only as its salted `pii_hash`), the activity's link (`prev_hash`,
`content_hash`, `chain_hash`) and, for each later link, its `content_hash` and `chain_hash`. A
verifier recomputes every `chain_hash = SHA-256(prev_hash ‖ content_hash)` from the record on,
and compares the link at the trusted head's sequence with the trusted head's hash: a head taken
from a signed export manifest, from an RFC 3161 timestamp of heads, or read out over any channel.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

PROOF_FORMAT = "clickproof-chain-proof/1"
HEAD_STATEMENT_FORMAT = "clickproof-chain-head/1"
_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class TrustedHead:
    """A chain head the verifier trusts: `hash` is the link hash at sequence `seq`."""

    seq: int
    hash: str
    source: str


@dataclass(frozen=True)
class ProofCheck:
    """`reason` None: the activity's record is at `seq`, and the chain from it reaches the head."""

    reason: str | None
    message: str
    activity_id: str | None = None
    seq: int | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def link_of(prev_hash: str, content_hash: str) -> str:
    return _sha256(prev_hash + content_hash)


def head_statement(*, account_id: int, site_id: int, seq: int, hash: str) -> bytes:
    """The bytes an RFC 3161 timestamp of a chain head vouches for: sorted-keys JSON, no spaces
    (inside the JSON subset where that is also RFC 8785)."""
    document = {
        "format": HEAD_STATEMENT_FORMAT,
        "account": account_id,
        "site": site_id,
        "seq": seq,
        "hash": hash,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode("ascii")


def build_proof(
    *,
    account_id: int,
    site_id: int,
    activity_id: str,
    record: str,
    activity_link: dict[str, Any],
    later_links: list[dict[str, Any]],
    timestamps: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The proof document. `activity_link`: seq, prev_hash, content_hash, chain_hash as stored;
    `later_links`: seq, content_hash, chain_hash of each link after it, in order."""
    last = later_links[-1] if later_links else activity_link
    return {
        "format": PROOF_FORMAT,
        "account": account_id,
        "site": site_id,
        "activity": {"id": activity_id, "record": record, **activity_link},
        "links": later_links,
        "head": {"seq": last["seq"], "hash": last["chain_hash"]},
        "timestamps": timestamps or [],
    }


class _Broken(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def _hex(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _HEX64.fullmatch(value):
        raise _Broken("malformed", f"{where} is not 64 lowercase hex digits")
    return value


def _int(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _Broken("malformed", f"{where} is not a sequence number")
    return value


def _walk(proof: Any) -> tuple[str, int, dict[int, str]]:
    """(activity id, its seq, link hash by seq) of a well-formed proof whose links all hold."""
    if not isinstance(proof, dict) or proof.get("format") != PROOF_FORMAT:
        raise _Broken("malformed", f"not a {PROOF_FORMAT} document")
    activity, links = proof.get("activity"), proof.get("links")
    if not isinstance(activity, dict) or not isinstance(links, list):
        raise _Broken("malformed", "the proof has no activity or no links")
    record = activity.get("record")
    if not isinstance(record, str):
        raise _Broken("malformed", "activity.record is not a string")
    seq = _int(activity.get("seq"), "activity.seq")
    content = _hex(activity.get("content_hash"), "activity.content_hash")
    if _sha256(record) != content:
        raise _Broken(
            "record_changed",
            "the activity's record does not hash to its content_hash: the record was changed",
        )
    try:
        fields = json.loads(record)
    except ValueError:
        raise _Broken("malformed", "activity.record is not JSON") from None
    if not isinstance(fields, dict):
        raise _Broken("malformed", "activity.record is not a JSON object")
    activity_id = activity.get("id")
    if fields.get("id") != activity_id or fields.get("seq") != seq or fields.get("site") != proof.get("site"):
        raise _Broken(
            "record_mismatch", "the record names another activity, site or position than the proof states"
        )
    prev = _hex(activity.get("prev_hash"), "activity.prev_hash")
    chain = link_of(prev, content)
    if chain != _hex(activity.get("chain_hash"), "activity.chain_hash"):
        raise _Broken("link_broken", f"link {seq}: chain_hash is not SHA-256(prev_hash ‖ content_hash)")
    hashes = {seq: chain}
    expected = seq
    for position, link in enumerate(links):
        if not isinstance(link, dict):
            raise _Broken("malformed", f"links[{position}] is not an object")
        expected += 1
        at = _int(link.get("seq"), f"links[{position}].seq")
        if at != expected:
            raise _Broken("link_missing", f"links[{position}] is link {at}; link {expected} is missing")
        chain = link_of(chain, _hex(link.get("content_hash"), f"links[{position}].content_hash"))
        if chain != _hex(link.get("chain_hash"), f"links[{position}].chain_hash"):
            raise _Broken("link_broken", f"link {at}: chain_hash does not follow from the link before it")
        hashes[at] = chain
    return str(activity_id), seq, hashes


def check_proof(proof: Any, head: TrustedHead) -> ProofCheck:
    """Does `proof` show its activity's record in the chain that `head` ends?"""
    try:
        activity_id, seq, hashes = _walk(proof)
    except _Broken as broken:
        return ProofCheck(broken.reason, broken.message)
    if head.seq < seq:
        return ProofCheck(
            "activity_after_head",
            f"the activity is link {seq}, after the trusted head (link {head.seq}): that head cannot vouch for it",
            activity_id,
            seq,
        )
    if head.seq not in hashes:
        return ProofCheck(
            "proof_truncated",
            f"the proof ends at link {max(hashes)}, before the trusted head (link {head.seq})",
            activity_id,
            seq,
        )
    if hashes[head.seq] != head.hash:
        return ProofCheck(
            "head_mismatch",
            f"the chain from the activity reaches link {head.seq} with hash {hashes[head.seq]}, "
            f"not the trusted head's {head.hash} ({head.source})",
            activity_id,
            seq,
        )
    return ProofCheck(
        None,
        f"activity {activity_id} is link {seq} of the chain whose link {head.seq} is the trusted head "
        f"({head.source})",
        activity_id,
        seq,
    )


def proof_link_hashes(proof: Any) -> dict[int, str]:
    """Link hash by sequence of a proof whose links hold (empty for one that does not)."""
    try:
        return _walk(proof)[2]
    except _Broken:
        return {}
