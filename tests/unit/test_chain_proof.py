"""The chain proof checks with SHA-256 alone: a proof verifies; a changed record, a wrong head, a
truncated proof, a missing link, a head before the activity each fail with their named reason."""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

from clickproof.domain.chain import GENESIS, link_hash
from clickproof.domain.chain_proof import TrustedHead, build_proof, check_proof


def chain(length: int) -> list[dict[str, Any]]:
    links, prev = [], GENESIS
    for seq in range(1, length + 1):
        record = json.dumps(
            {"id": f"{seq:024x}", "seq": seq, "site": 3, "event_type": "agreed"},
            sort_keys=True,
            separators=(",", ":"),
        )
        content = hashlib.sha256(record.encode()).hexdigest()
        chained = link_hash(prev, content)
        links.append(
            {"seq": seq, "record": record, "prev_hash": prev, "content_hash": content, "chain_hash": chained}
        )
        prev = chained
    return links


def proof_of(links: list[dict[str, Any]], position: int) -> dict[str, Any]:
    activity = links[position - 1]
    return build_proof(
        account_id=1,
        site_id=3,
        activity_id=f"{position:024x}",
        record=activity["record"],
        activity_link={k: activity[k] for k in ("seq", "prev_hash", "content_hash", "chain_hash")},
        later_links=[{k: n[k] for k in ("seq", "content_hash", "chain_hash")} for n in links[position:]],
    )


LINKS = chain(12)
HEAD = TrustedHead(12, LINKS[-1]["chain_hash"], "test")


def test_a_proof_verifies_against_the_head_and_any_head_between() -> None:
    proof = proof_of(LINKS, 5)
    assert check_proof(proof, HEAD).ok
    assert check_proof(proof, TrustedHead(8, LINKS[7]["chain_hash"], "an export's head")).ok
    assert check_proof(proof, TrustedHead(5, LINKS[4]["chain_hash"], "its own link")).ok
    assert proof["head"] == {"seq": 12, "hash": HEAD.hash}
    assert check_proof(json.loads(json.dumps(proof)), HEAD).ok  # as sent over the wire


def test_a_changed_activity_is_named() -> None:
    proof = proof_of(LINKS, 5)
    proof["activity"]["record"] = proof["activity"]["record"].replace("agreed", "disagreed")
    assert check_proof(proof, HEAD).reason == "record_changed"
    rebuilt = proof_of(LINKS, 5)  # a record rehashed to match: the chain no longer reaches the head
    rebuilt["activity"]["record"] = rebuilt["activity"]["record"].replace("agreed", "disagreed")
    rebuilt["activity"]["content_hash"] = hashlib.sha256(rebuilt["activity"]["record"].encode()).hexdigest()
    assert check_proof(rebuilt, HEAD).reason == "link_broken"
    swapped = proof_of(LINKS, 5)
    swapped["activity"]["id"] = f"{6:024x}"
    assert check_proof(swapped, HEAD).reason == "record_mismatch"


def test_a_wrong_head_is_named() -> None:
    result = check_proof(proof_of(LINKS, 5), TrustedHead(12, "ab" * 32, "a manifest"))
    assert result.reason == "head_mismatch" and "a manifest" in result.message
    assert check_proof(proof_of(LINKS, 5), TrustedHead(4, LINKS[3]["chain_hash"], "old")).reason == (
        "activity_after_head"
    )


def test_a_truncated_or_gapped_proof_is_named() -> None:
    truncated = proof_of(LINKS, 5)
    truncated["links"] = truncated["links"][:3]
    assert check_proof(truncated, HEAD).reason == "proof_truncated"
    gapped = proof_of(LINKS, 5)
    del gapped["links"][2]
    assert check_proof(gapped, HEAD).reason == "link_missing"
    changed = proof_of(LINKS, 5)
    changed["links"][1]["content_hash"] = "cd" * 32
    assert check_proof(changed, HEAD).reason == "link_broken"
    malformed = copy.deepcopy(proof_of(LINKS, 5))
    malformed["links"][0]["chain_hash"] = "XYZ"
    assert check_proof(malformed, HEAD).reason == "malformed"
    assert check_proof({"format": "other"}, HEAD).reason == "malformed"
