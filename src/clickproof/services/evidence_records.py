"""The evidence PDF of one activity, rendered on demand (GET /v1.1/activity/{id}/record)."""

from __future__ import annotations

from clickproof.domain.object_id import is_object_id
from clickproof.errors import ActivityNotFoundError
from clickproof.export.runner import ExportRunner
from clickproof.export.zip_parts import pdf_entry_name
from clickproof.store.evidence import EvidenceStore
from clickproof.store.tenants import Site


class EvidenceRecords:
    def __init__(self, evidence: EvidenceStore, runner: ExportRunner) -> None:
        self.evidence = evidence
        self.runner = runner  # its renderer, made on first use and shared with the export workers

    def render(self, site: Site, activity_id: str) -> tuple[str, bytes]:
        """(file name, PDF) of an activity of `site`; another site's activity is as absent as a missing one."""
        found = (
            self.evidence.one(account_id=site.account_id, site_id=site.id, activity_id=activity_id)
            if is_object_id(activity_id)
            else None
        )
        if found is None:
            raise ActivityNotFoundError(f"no activity {activity_id[:40]!r} on this site", field="id")
        activity, _context = found
        timestamp = int(activity.created_time.timestamp())
        key, seal = self.runner.evidence_key(site.id)
        _id, pdf = next(self.runner.render_here(iter([found]), None, timestamp, key, seal))
        return pdf_entry_name(activity.id), pdf
