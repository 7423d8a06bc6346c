"""One activity's chain proof (GET /v1.1/activity/{id}/chain-proof): its record and link, every
link after it up to a head, and the earliest RFC 3161 timestamp of a head it reaches
(docs/verification.md, docs/adr/0023)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from clickproof.domain.chain_proof import build_proof
from clickproof.domain.object_id import is_object_id
from clickproof.domain.timestamps import format_stored
from clickproof.errors import ActivityNotFoundError, ValidationError
from clickproof.store.chain import read_head
from clickproof.store.chain_head_timestamps import ChainHeadTimestamp, ChainHeadTimestampStore
from clickproof.store.chain_links import activity_link, links_between
from clickproof.store.tenants import Site

MAX_PROOF_LINKS = 100_000  # about 13 MB of JSON; beyond, ask for a nearer head (`head_seq`)


def timestamp_document(stamp: ChainHeadTimestamp) -> dict[str, Any]:
    return {
        "seq": stamp.seq,
        "hash": stamp.hash,
        "statement": stamp.statement,
        "token": stamp.token,
        "token_encoding": "base64 of the DER RFC 3161 TimeStampResp over SHA-256(statement)",
        "time": format_stored(stamp.stamped_time),
        "created_time": format_stored(stamp.created_time),
    }


class ChainProofs:
    def __init__(self, engine: Engine, timestamps: ChainHeadTimestampStore) -> None:
        self.engine = engine
        self.timestamps = timestamps

    def proof(self, site: Site, activity_id: str, head_seq: int | None) -> dict[str, Any]:
        with self.engine.connect() as conn:
            link = activity_link(conn, site.id, activity_id) if is_object_id(activity_id) else None
            if link is None:
                raise ActivityNotFoundError(f"no activity {activity_id[:40]!r} on this site", field="id")
            head = read_head(conn, site.id)
            current = head.seq if head is not None else 0
            until = current if head_seq is None else head_seq
            if until < link.seq:
                raise ValidationError(
                    f"head_seq {until} is before the activity's link {link.seq}",
                    field="head_seq",
                    code="head_before_activity",
                )
            if until > current:
                raise ValidationError(
                    f"head_seq {until} is beyond the site's chain head (link {current})",
                    field="head_seq",
                    code="head_not_reached",
                )
            if until - link.seq > MAX_PROOF_LINKS:
                raise ValidationError(
                    f"the proof would hold {until - link.seq} links, more than {MAX_PROOF_LINKS}: "
                    "ask for a nearer head with head_seq (an export manifest's chain_head, or a "
                    "timestamped head)",
                    field="head_seq",
                    code="proof_too_long",
                )
            later = links_between(conn, site.id, link.seq, until)
        stamp = self.timestamps.first_covering(site.id, link.seq, until)
        return build_proof(
            account_id=site.account_id,
            site_id=site.id,
            activity_id=link.activity_id,
            record=link.record,
            activity_link={
                "seq": link.seq,
                "prev_hash": link.prev_hash,
                "content_hash": link.content_hash,
                "chain_hash": link.chain_hash,
            },
            later_links=[
                {"seq": n.seq, "content_hash": n.content_hash, "chain_hash": n.chain_hash} for n in later
            ],
            timestamps=[] if stamp is None else [timestamp_document(stamp)],
        )
