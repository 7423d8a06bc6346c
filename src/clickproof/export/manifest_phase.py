"""The last files of an export attempt: manifest.json, signed with the site's evidence key over
every file written before it, and its RFC 3161 timestamp when a timestamp authority is
configured."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine

from clickproof import __version__
from clickproof.blobstore.base import BlobStore
from clickproof.domain.export_job import ExportFile, ExportJob
from clickproof.domain.timestamps import format_stored, parse_stored
from clickproof.evidence.manifest import (
    MANIFEST_EXPORT_TYPE,
    MANIFEST_NAME,
    ManifestFile,
    manifest_body,
    signed_manifest,
)
from clickproof.evidence.timestamps import (
    TIMESTAMP_CONTENT_TYPE,
    TIMESTAMP_EXPORT_TYPE,
    TIMESTAMP_SUFFIX,
    request_timestamp,
)
from clickproof.export.hashing_writer import HashingWriter
from clickproof.export.runner_settings import RunnerSettings
from clickproof.services.evidence_keys import EvidenceKeys
from clickproof.store.chain_links import head_before


class ManifestPhase:
    """The manifest part of ExportRunner (export/runner.py), which holds these attributes."""

    engine: Engine
    blobs: BlobStore
    settings: RunnerSettings
    keys: EvidenceKeys
    clock: Callable[[], datetime]

    def _write_manifest(self, job: ExportJob, files: list[ExportFile], rows: int) -> list[ExportFile]:
        """manifest.json, and its RFC 3161 timestamp when a timestamp authority is configured."""
        key = self.keys.for_site(job.site_id)
        with self.engine.connect() as conn:
            head = head_before(conn, job.site_id, parse_stored(job.data["end_date"]))
        body = manifest_body(
            export_id=job.id,
            account_id=job.account_id,
            site_id=job.site_id,
            created_time=format_stored(job.created_time),
            data=job.data,
            row_count=rows,
            files=[
                ManifestFile(f.name, f.export_type, f.content_type, f.size, f.sha256, f.rows) for f in files
            ],
            version=__version__,
            generated_time=format_stored(self.clock()),
            key=key,
            chain_head=head,
        )
        content = signed_manifest(body, key)
        written = [
            self._write_small_file(
                job, MANIFEST_NAME, MANIFEST_EXPORT_TYPE, "application/json", content, len(files)
            )
        ]
        if self.settings.tsa_url:
            reply = request_timestamp(
                self.settings.tsa_url,
                content,
                timeout=self.settings.tsa_timeout_seconds,
                certificate=self.settings.tsa_certificate,
            )
            name = MANIFEST_NAME + TIMESTAMP_SUFFIX
            written.append(
                self._write_small_file(
                    job, name, TIMESTAMP_EXPORT_TYPE, TIMESTAMP_CONTENT_TYPE, reply, len(files) + 1
                )
            )
        return written

    def _write_small_file(
        self, job: ExportJob, name: str, export_type: str, content_type: str, content: bytes, position: int
    ) -> ExportFile:
        storage_key = f"{job.id}/{name}"
        with self.blobs.writer(storage_key) as handle:
            out = HashingWriter(handle)
            out.write(content)
        return ExportFile(
            name=name,
            export_type=export_type,
            storage_key=storage_key,
            content_type=content_type,
            size=out.size,
            sha256=out.sha256(),
            rows=0,
            position=position,
        )
