"""One evidence PDF of several activities in the order recorded: a session's record or a signer's
history. The single-record routes and the per-session export type make it the same way, so a
session's PDF in an export is the same bytes as GET /v1.1/activity/record/session:{id}."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator

from clickproof.domain.timestamps import format_stored
from clickproof.evidence.pdf_merge import MergePart, merge_evidence
from clickproof.evidence.pdf_seal import sealer_for
from clickproof.evidence.record import KeyNames
from clickproof.evidence.signing import SigningKey
from clickproof.export.render_pool import Pair

Render = Callable[[Iterator[Pair], int, KeyNames], Iterator[tuple[str, bytes]]]


def session_file_name(session: str) -> str:
    return f"session-{hashlib.sha256(session.encode()).hexdigest()[:24]}.pdf"


def session_title(session: str) -> str:
    return f"Evidence record of session {session[:80]}"


def history_pdf(
    render: Render, pairs: list[Pair], key: KeyNames, title: str, seal: SigningKey | None = None
) -> bytes:
    """The activities' PDFs (no export named, dated with the newest activity), merged in order;
    with `seal`, the merged PDF is sealed by that key (its parts are rendered unsealed: a part's
    seal would not cover the merged file)."""
    activities = [activity for activity, _context in pairs]
    timestamp = int(max(a.created_time for a in activities).timestamp())
    rendered = dict(render(iter(pairs), timestamp, key))
    parts = [
        MergePart(
            label=f"{n}. {a.event_type} · {format_stored(a.created_time)} · {a.contract_id}",
            prefix=f"{n:04d}-{a.id}",
            pdf=rendered[a.id],
        )
        for n, a in enumerate(activities, start=1)
    ]
    return merge_evidence(parts, title=title, sealer=None if seal is None else sealer_for(seal))
