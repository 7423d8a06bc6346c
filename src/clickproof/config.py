"""Settings: the only reader of the environment."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting of clickproof; each maps to a ``CLICKPROOF_*`` environment variable."""

    model_config = SettingsConfigDict(env_prefix="CLICKPROOF_", extra="ignore")

    home: Path = Field(
        default=Path("./var"), description="Directory of the embedded database, job queue and export files."
    )
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default sqlite file in home.")
    broker_url: str | None = Field(
        default=None, description="redis:// URL of the job broker; unset means the embedded SQLite queue."
    )
    storage_url: str | None = Field(
        default=None,
        description="Where export files go: file:///dir or s3://bucket/prefix; default home/exports.",
    )
    s3_endpoint_url: str | None = Field(default=None, description="Endpoint of an S3-compatible service.")
    s3_region: str = Field(default="us-east-1", description="Region of the S3 bucket.")
    s3_access_key_id: str | None = Field(
        default=None, description="S3 access key id (else the AWS_* environment)."
    )
    s3_secret_access_key: SecretStr | None = Field(default=None, description="S3 secret access key.")
    secret_key: str | None = Field(
        default=None, description="Key that signs download links; default a random key kept in home."
    )
    key_encryption_key: str | None = Field(
        default=None,
        description="Base64 of 32 random bytes that encrypt the sites' private signing keys in the "
        "database; default a random key kept in home (key-encryption.key). Every process of one "
        "deployment needs the same key.",
    )
    host: str = Field(default="127.0.0.1", description="Address `clickproof serve` binds.")
    port: int = Field(default=8000, description="Port `clickproof serve` binds.")
    public_url: str | None = Field(
        default=None, description="Base URL put in download links; default http://host:port."
    )
    header_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="`clickproof serve` closes a connection whose request line and headers are not all "
        "in after this long (from the connection or the previous answer).",
    )
    body_timeout_seconds: float = Field(
        default=60.0,
        gt=0,
        description="`clickproof serve` closes a connection whose request body is not all in this long "
        "after its headers.",
    )
    workers: int = Field(
        default=2, ge=1, le=64, description="Export worker threads in the embedded job engine."
    )
    job_lease_seconds: float = Field(
        default=30.0, gt=0, description="How long a claimed job stays claimed without a heartbeat."
    )
    sweep_interval_seconds: float = Field(
        default=5.0, gt=0, description="How often lost and expired jobs are re-dispatched."
    )
    dispatch_grace_seconds: float = Field(
        default=30.0, ge=0, description="Age after which a pending/scheduled job is dispatched again."
    )
    max_attempts: int = Field(default=5, ge=1, description="Attempts before a job is marked failed.")
    max_handbacks: int = Field(
        default=100,
        ge=1,
        description="Times a graceful shutdown may hand a running job back (spending no attempt) "
        "before the job is marked failed.",
    )
    delivery_max_attempts: int = Field(
        default=8, ge=1, description="Attempts to copy a schedule's files to its delivery.s3_prefix."
    )
    delivery_retry_base_seconds: float = Field(
        default=30.0,
        ge=0,
        description="Wait after a failed prefix copy: between half and all of base * 2^(attempt - 1) "
        "seconds, at most 10 minutes.",
    )
    retry_base_seconds: float = Field(
        default=4.0,
        ge=0,
        description="Wait after a failed attempt: between half and all of base * 2^(attempt - 1) "
        "seconds, at most 10 minutes (4 s: about 1 minute over 5 attempts).",
    )
    chunk_rows: int | None = Field(
        default=None,
        ge=1,
        description=(
            "CSV exports with more rows are cut into chunks that workers run in parallel. Unset: "
            "250,000 on SQLite, 2,000,000 on PostgreSQL."
        ),
    )
    pdf_chunk_rows: int = Field(
        default=1_000,
        ge=1,
        description="Evidence-PDF exports with more activities are cut into chunks of this many that workers render in parallel.",
    )
    pdf_processes: int | None = Field(
        default=None,
        ge=0,
        le=64,
        description=(
            "Child processes that render evidence PDFs for this process's workers (rendering is "
            "Python work: threads would share one core). Unset: as many as `workers` when there "
            "are 2 or more, else 0 (render in the worker thread)."
        ),
    )
    pdf_seal: bool = Field(
        default=True,
        description=(
            "Seal every evidence PDF (PAdES B-B) with the site's evidence key and its self-issued "
            "certificate, so one PDF verifies on its own (`clickproof verify-pdf`)."
        ),
    )
    postgres_csv: Literal["arrow", "copy"] = Field(
        default="arrow",
        description=(
            "How CSV leaves PostgreSQL: `arrow` (COPY of raw values, cells made by Arrow on the "
            "worker) or `copy` (COPY with every cell formatted in the SELECT)."
        ),
    )
    csv_bom: bool = Field(
        default=False, description="Start CSV files with a UTF-8 byte order mark (for Excel)."
    )
    zip_part_bytes: int = Field(
        default=512 * 1024 * 1024,
        ge=1024 * 1024,
        description="Largest size of one zip file of evidence PDFs; bigger exports are split into parts.",
    )
    catalog_cache_seconds: float = Field(
        default=1.0,
        ge=0,
        le=60,
        description="How long the Activity API may use a site's cached contracts and versions.",
    )
    rate_limit_window_seconds: float = Field(
        default=60.0, gt=0, le=86400, description="Length of the windows the rate limits count requests in."
    )
    export_creations_per_site: int = Field(
        default=60, ge=0, description="Export jobs one site may create per window; 0: no limit."
    )
    export_creations_per_address: int = Field(
        default=120,
        ge=0,
        description="Export jobs one client address may create per window (loopback is not limited); 0: no limit.",
    )
    activity_requests_per_access_id: int = Field(
        default=120_000,
        ge=0,
        description="Activity API requests (/send, /load, /latest, /retrieve) per site access id per window; 0: no limit.",
    )
    activity_requests_per_address: int = Field(
        default=1_200,
        ge=0,
        description="Activity API requests per client address per window (loopback is not limited); 0: no limit.",
    )
    exports_queued_per_site: int = Field(
        default=20,
        ge=0,
        description="Export jobs of one site that may wait (pending or scheduled); a creation beyond is refused with 429. 0: no limit.",
    )
    exports_running_per_site: int = Field(
        default=0,
        ge=0,
        description="Export jobs of one site that may run at once; more wait. 0: no cap (workers "
        "take jobs fairly across sites in any case).",
    )
    rate_limit_lease_block: int = Field(
        default=50,
        ge=1,
        le=10_000,
        description="Most permits a process takes from the shared rate-limit counter at once (at "
        "most 1/20 of the limit); 1: every request is counted in the store.",
    )
    rate_limit_redis_url: str | None = Field(
        default=None,
        description="redis:// URL that counts rate limits; unset: the broker's Redis when "
        "CLICKPROOF_BROKER_URL is set, else the database.",
    )
    console_session_idle_seconds: float = Field(
        default=1800, gt=0, le=86400, description="A console session ends after this long without a request."
    )
    console_session_absolute_seconds: float = Field(
        default=43200,
        gt=0,
        le=30 * 86400,
        description="A console session ends this long after sign-in, in any case.",
    )
    console_login_attempts: int = Field(
        default=10,
        ge=0,
        description="Console sign-in attempts per e-mail address per `console_login_window_seconds`; 0: no limit.",
    )
    console_login_attempts_per_address: int = Field(
        default=50,
        ge=0,
        description="Console sign-in attempts per client address per `console_login_window_seconds`; 0: no limit.",
    )
    console_login_window_seconds: float = Field(
        default=900,
        gt=0,
        le=86400,
        description="Length of the windows console sign-in attempts are counted in.",
    )
    url_ttl_seconds: int = Field(default=900, ge=1, le=86400, description="Lifetime of a download link.")
    tsa_url: str | None = Field(
        default=None,
        description="An RFC 3161 timestamp authority: each export's manifest gets a timestamp from it "
        "(manifest.json.tsr). Unset: no timestamps.",
    )
    tsa_certificate: Path | None = Field(
        default=None,
        description="The timestamp authority's certificate (PEM or DER); when set, every answer is "
        "checked against it before it is stored.",
    )
    tsa_timeout_seconds: float = Field(
        default=10.0, gt=0, le=120, description="How long to wait for the timestamp authority."
    )
    chain_head_timestamp_seconds: float = Field(
        default=86400.0,
        ge=0,
        description="With `tsa_url` set: how often each site's hash-chain head gets an RFC 3161 "
        "timestamp (when it moved since the last one); 0: never.",
    )
    webhook_allow_hosts: str = Field(
        default="",
        description="Comma-separated host names, IP addresses or CIDR ranges that webhook URLs may "
        "reach although they are loopback, private, link-local or otherwise not public (SSRF guard); "
        "default none.",
    )
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, le=60, description="Longest time one webhook attempt may take, answer included."
    )
    webhook_max_attempts: int = Field(
        default=12, ge=1, le=30, description="Attempts of one webhook delivery before it is given up."
    )
    webhook_retry_base_seconds: float = Field(
        default=30.0,
        ge=0,
        description="Wait after failed delivery attempt n: base * 2^(n - 1) seconds (at most 6 hours) "
        "with up to 10% jitter; 30 s: 12 attempts over about 15 hours.",
    )
    webhook_disable_after_failures: int = Field(
        default=20, ge=1, description="Consecutive failed attempts after which an endpoint is disabled ..."
    )
    webhook_disable_after_seconds: float = Field(
        default=86400.0,
        ge=0,
        description="... provided its first failure in that run is at least this old (default one day).",
    )
    webhook_sweep_interval_seconds: float = Field(
        default=1.0, gt=0, description="How often due webhook deliveries are handed to the workers."
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="When set, GET /metrics requires `Authorization: Bearer <token>`; unset: /metrics is "
        "open (it carries no tenant data).",
    )
    log_format: Literal["text", "json"] = Field(
        default="text", description="`json`: one JSON object per log line, with request and job ids."
    )

    @cached_property
    def resolved_home(self) -> Path:
        return self.home.expanduser().resolve()

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.resolved_home / 'clickproof.db'}"

    @property
    def export_dir(self) -> Path:
        if self.storage_url and self.storage_url.startswith("file://"):
            return Path(self.storage_url.removeprefix("file://"))
        return self.resolved_home / "exports"

    @property
    def queue_path(self) -> Path:
        return self.resolved_home / "queue.db"

    @property
    def pdf_render_processes(self) -> int:
        if self.pdf_processes is not None:
            return self.pdf_processes
        return self.workers if self.workers > 1 else 0

    @property
    def effective_rate_limit_redis_url(self) -> str | None:
        return self.rate_limit_redis_url or self.broker_url

    @property
    def effective_public_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")


def load_settings() -> Settings:
    return Settings()
