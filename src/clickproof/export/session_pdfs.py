"""The `clickwrap_sessions_as_pdfs` export type: one PDF per session of the selected activities,
each the session's whole record as GET /v1.1/activity/record/session:{id} gives it (every event
of the session, in the order recorded), streamed into zip parts beside the other files."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from clickproof.domain.export_job import ExportFile, ExportJob, ExportType
from clickproof.domain.timestamps import parse_stored
from clickproof.export.history_pdf import history_pdf, session_file_name, session_title
from clickproof.export.zip_parts import part_files
from clickproof.query.parse import parse_filter

if TYPE_CHECKING:
    from clickproof.export.runner import ExportRunner

SESSIONS_PDFS = ExportType.SESSIONS_PDFS.value


def session_part_name(job_id: str, part: int) -> str:
    return f"{SESSIONS_PDFS}-{job_id}-part{part:04d}.zip"


def export_session_pdfs(
    runner: ExportRunner, job: ExportJob, on_pdf: Callable[[int], None], first_position: int
) -> list[ExportFile]:
    """Every session's PDF, sessions in the order of their ids' UTF-8 bytes (the same on both
    databases). Activities without a session are in no session PDF. No event limit: the route's
    limit of 500 bounds a request, not a background export."""
    data = job.data
    key, seal = runner.evidence_key(job.site_id)
    sessions = runner.evidence.sessions(
        account_id=job.account_id,
        site_id=job.site_id,
        start=parse_stored(data["start_date"]),
        end=parse_stored(data["end_date"]),
        filter_node=parse_filter(data.get("filter")),
    )
    writer = runner.zip_writer(job, lambda n: session_part_name(job.id, n), lambda name: f"{job.id}/{name}")
    try:
        for done, session in enumerate(sessions, start=1):
            pairs = runner.evidence.history(
                account_id=job.account_id, site_id=job.site_id, signer_id=None, session=session, limit=None
            )
            pdf = history_pdf(
                lambda it, at, k: runner.render_here(it, None, at, k),
                pairs,
                key,
                session_title(session),
                seal,
            )
            writer.add(session_file_name(session), pdf)
            on_pdf(done)
        parts = writer.close()
    except BaseException:
        writer.abort()
        raise
    return part_files(
        parts,
        export_type=SESSIONS_PDFS,
        part_name=lambda n: session_part_name(job.id, n),
        first_position=first_position,
    )
