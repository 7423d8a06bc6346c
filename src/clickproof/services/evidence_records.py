"""The evidence PDF of one activity, rendered on demand (GET /v1.1/activity/{id}/record)."""

from __future__ import annotations

import threading

from clickproof.domain.object_id import is_object_id
from clickproof.errors import ActivityNotFoundError
from clickproof.evidence.record import build_record
from clickproof.export.pdf_renderer import EvidencePdfRenderer
from clickproof.export.runner import pdf_entry_name
from clickproof.store.evidence import EvidenceStore
from clickproof.store.tenants import Site


class EvidenceRecords:
    def __init__(self, evidence: EvidenceStore) -> None:
        self.evidence = evidence
        # One renderer, one request at a time: the API's thread pool is large, typst compilers
        # are not thread-safe and each holds caches; single records are not a hot path.
        self._renderer = EvidencePdfRenderer()
        self._lock = threading.Lock()

    def render(self, site: Site, activity_id: str) -> tuple[str, bytes]:
        """(file name, PDF) of an activity of `site`; another site's activity is as absent as a missing one."""
        found = (
            self.evidence.one(account_id=site.account_id, site_id=site.id, activity_id=activity_id)
            if is_object_id(activity_id)
            else None
        )
        if found is None:
            raise ActivityNotFoundError(f"no activity {activity_id[:40]!r} on this site", field="id")
        activity, context = found
        record = build_record(activity, context, export=None, drawable=self._renderer.drawable)
        timestamp = int(activity.created_time.timestamp())
        with self._lock:
            pdf = self._renderer.render(record, timestamp=timestamp)
        return pdf_entry_name(activity.id), pdf
