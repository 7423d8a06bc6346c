"""The settings of export attempts (from config.Settings, bootstrap.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class RunnerSettings:
    lease: timedelta
    max_attempts: int
    max_handbacks: int = 100  # graceful stops (deploys) a job may meet before it is failed
    csv_bom: bool = False
    heartbeat_seconds: float = 1.0
    chunk_rows: int = 250_000
    zip_part_bytes: int = 512 * 1024 * 1024
    postgres_csv: str = "arrow"  # or "copy" (config.Settings.postgres_csv)
    pdf_chunk_rows: int = 1_000
    render_processes: int = 0  # evidence PDFs rendered in this many child processes; 0: in the thread
    pdf_seal: bool = True  # evidence PDFs sealed (PAdES) by the site's evidence key
    retry_base_seconds: float = 4.0  # domain/retry_backoff
    tsa_url: str | None = None  # RFC 3161 timestamp authority for manifests; None: no timestamps
    tsa_certificate: bytes | None = None
    tsa_timeout_seconds: float = 10.0
    running_per_site: int = 0  # jobs of one site that may run at once; 0: no cap
