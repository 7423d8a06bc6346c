"""One evidence PDF for many activities: a session's events (Ironclad's
`GET /activity/record/session:{session_id}`) or a signer's whole history, in recorded order, each
event with its own certificate and the text shown."""

from __future__ import annotations

import hashlib

from clickproof.errors import ActivityNotFoundError, ValidationError
from clickproof.export.history_pdf import history_pdf, session_file_name, session_title
from clickproof.export.render_pool import Pair
from clickproof.export.runner import ExportRunner
from clickproof.store.evidence import EvidenceStore
from clickproof.store.tenants import Site

MAX_RECORD_EVENTS = 500  # beyond this, an export (one PDF per event) is the tool


class HistoryRecords:
    def __init__(self, evidence: EvidenceStore, runner: ExportRunner) -> None:
        self.evidence = evidence
        self.runner = runner

    def session(self, site: Site, session: str, signer_id: str | None) -> tuple[str, bytes]:
        pairs = self._history(site, signer_id=signer_id, session=session)
        if not pairs:
            raise ActivityNotFoundError(
                f"no activity of session {session[:60]!r} on this site", field="session_id"
            )
        return session_file_name(session), self._merged(site, pairs, session_title(session))

    def signer(self, site: Site, signer_id: str) -> tuple[str, bytes]:
        pairs = self._history(site, signer_id=signer_id, session=None)
        if not pairs:
            raise ActivityNotFoundError("no activity of this signer on this site", field="signer_id")
        name = f"signer-{hashlib.sha256(signer_id.encode()).hexdigest()[:24]}.pdf"
        return name, self._merged(site, pairs, "Evidence record of a signer's history")

    def _history(self, site: Site, *, signer_id: str | None, session: str | None) -> list[Pair]:
        return self.evidence.history(
            account_id=site.account_id,
            site_id=site.id,
            signer_id=signer_id,
            session=session,
            limit=MAX_RECORD_EVENTS,
        )

    def _merged(self, site: Site, pairs: list[Pair], title: str) -> bytes:
        if len(pairs) > MAX_RECORD_EVENTS:
            raise ValidationError(
                f"more than {MAX_RECORD_EVENTS} activities: export them instead (POST /v1.1/extract/evidence)",
                code="too_many_activities",
            )
        key, seal = self.runner.evidence_key(site.id)
        return history_pdf(
            lambda it, at, k: self.runner.render_here(it, None, at, k), pairs, key, title, seal
        )
