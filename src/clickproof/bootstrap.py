"""Builds the running system from settings: database, storage, job engine, services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Engine

from clickproof.blobstore.base import BlobStore
from clickproof.blobstore.local import LocalBlobStore
from clickproof.blobstore.s3 import S3BlobStore
from clickproof.config import Settings
from clickproof.domain.job_events import JobEventHub
from clickproof.domain.rate_limits import RateLimit
from clickproof.evidence.key_wrapping import KeyWrapper, load_key_encryption_key
from clickproof.export.chunked_csv import DEFAULT_CHUNK_ROWS
from clickproof.export.runner import ExportRunner
from clickproof.export.runner_settings import RunnerSettings
from clickproof.failpoints import failpoint, shutdown_began
from clickproof.jobs.queue import JobQueue, build_queue
from clickproof.jobs.sweeper import Sweeper
from clickproof.jobs.webhook_sweeper import WebhookSweeper
from clickproof.services.catalog import CatalogService
from clickproof.services.catalog_cache import CatalogCache
from clickproof.services.chain_head_stamps import ChainHeadStamper, StampSettings
from clickproof.services.console_auth import ConsoleAuth, SessionPolicy
from clickproof.services.download_links import LinkSigner, load_secret_key
from clickproof.services.evidence_keys import EvidenceKeys
from clickproof.services.exports import ExportService
from clickproof.services.idempotency import IdempotencyService
from clickproof.services.imports import ImportService
from clickproof.services.ingest import IngestService
from clickproof.services.prefix_delivery import DeliveryPolicy, PrefixDelivery
from clickproof.services.rate_limiter import RateCounter, RateLimiter, RedisRateCounter
from clickproof.services.request_limits import RequestLimits
from clickproof.services.retention import RetentionService
from clickproof.services.schedule_firing import ScheduleFiring
from clickproof.services.schedules import ScheduleService
from clickproof.services.tenancy import TenancyService
from clickproof.services.tokens import TokenAuthenticator
from clickproof.services.webhook_delivery import DeliverySettings, WebhookDeliverer
from clickproof.services.webhook_targets import AllowList
from clickproof.services.webhooks import WebhookService
from clickproof.store.activities import ActivityStore
from clickproof.store.catalog import CatalogStore
from clickproof.store.chain_head_timestamps import ChainHeadTimestampStore
from clickproof.store.console_users import ConsoleUserStore
from clickproof.store.database import create_db_engine, migrate
from clickproof.store.evidence import EvidenceStore
from clickproof.store.evidence_keys import EvidenceKeyStore
from clickproof.store.export_jobs import ExportJobStore
from clickproof.store.idempotency import IdempotencyStore
from clickproof.store.prefix_deliveries import PrefixDeliveryStore
from clickproof.store.rate_limits import DatabaseRateCounter
from clickproof.store.retention import RetentionStore
from clickproof.store.schedules import ScheduleStore
from clickproof.store.tenants import TenantStore
from clickproof.store.webhooks import DisablePolicy, WebhookStore


@dataclass
class System:
    settings: Settings
    engine: Engine
    tenants: TenantStore
    activities: ActivityStore
    jobs: ExportJobStore
    auth: TokenAuthenticator
    runner: ExportRunner
    queue: JobQueue
    sweeper: Sweeper
    exports: ExportService
    keys: EvidenceKeys
    evidence: EvidenceStore
    catalog: CatalogService
    ingest: IngestService
    imports: ImportService
    idempotency: IdempotencyService
    schedules: ScheduleService
    firing: ScheduleFiring
    retention: RetentionService
    # export.succeeded / export.failed / schedule.fired: listeners inside the committing
    # transaction (events.in_transaction) and after the commit (events.after_commit); see
    # domain/job_events.py
    events: JobEventHub
    prefix_delivery: PrefixDelivery
    tenancy: TenancyService
    webhooks: WebhookService
    deliverer: WebhookDeliverer
    webhook_sweeper: WebhookSweeper
    limits: RequestLimits
    console: ConsoleAuth
    chain_stamper: ChainHeadStamper
    running: list[str] = field(default_factory=list)

    @property
    def distributed(self) -> bool:
        return bool(self.settings.broker_url)

    def start_background(self, *, workers: bool = True) -> None:
        """Start the sweeper and, with `workers`, export worker threads in this process."""
        failpoint("jobs.starting")
        self.runner.stopping.clear()
        if workers:
            self.queue.start_workers(self.settings.workers)
            self.running.append("workers")
        self.sweeper.start()
        self.webhook_sweeper.start()
        self.running.append("sweeper")

    def stop_background(self) -> None:
        """Stop the sweeper, make running attempts hand their jobs back, wait for the workers."""
        self.sweeper.stop()
        self.webhook_sweeper.stop()
        self.runner.stopping.set()
        shutdown_began()
        self.queue.stop_workers()
        self.running.clear()

    def close(self) -> None:
        self.stop_background()
        self.runner.close()
        self.imports.close()
        self.deliverer.close()
        self.engine.dispose()


def build_blob_store(settings: Settings) -> BlobStore:
    if settings.storage_url and settings.storage_url.startswith("s3://"):
        secret = settings.s3_secret_access_key
        return S3BlobStore.from_url(
            settings.storage_url,
            endpoint=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=secret.get_secret_value() if secret else None,
            spool=settings.resolved_home / "spool",
        )
    return LocalBlobStore(settings.export_dir)


def build_system(settings: Settings, *, run_migrations: bool = True) -> System:
    settings.resolved_home.mkdir(parents=True, exist_ok=True)
    engine = create_db_engine(settings.effective_database_url)
    if run_migrations:
        migrate(engine)
    tenants = TenantStore(engine)
    activities = ActivityStore(engine)
    events = JobEventHub()
    jobs = ExportJobStore(engine, events)
    blobs = build_blob_store(settings)
    wrapper = KeyWrapper(load_key_encryption_key(settings.key_encryption_key, settings.resolved_home))
    keys = EvidenceKeys(EvidenceKeyStore(engine, wrapper))
    runner = ExportRunner(
        engine,
        jobs,
        blobs,
        RunnerSettings(
            lease=timedelta(seconds=settings.job_lease_seconds),
            max_attempts=settings.max_attempts,
            max_handbacks=settings.max_handbacks,
            csv_bom=settings.csv_bom,
            heartbeat_seconds=min(1.0, settings.job_lease_seconds / 4),
            chunk_rows=settings.chunk_rows or DEFAULT_CHUNK_ROWS[engine.dialect.name],
            zip_part_bytes=settings.zip_part_bytes,
            postgres_csv=settings.postgres_csv,
            pdf_chunk_rows=settings.pdf_chunk_rows,
            render_processes=settings.pdf_render_processes,
            pdf_seal=settings.pdf_seal,
            retry_base_seconds=settings.retry_base_seconds,
            tsa_url=settings.tsa_url,
            tsa_certificate=settings.tsa_certificate.read_bytes() if settings.tsa_certificate else None,
            tsa_timeout_seconds=settings.tsa_timeout_seconds,
            running_per_site=settings.exports_running_per_site,
        ),
        keys,
    )
    queue = build_queue(settings.broker_url, settings.queue_path, runner.run_next, runner.run_chunk)
    runner.dispatch_chunk = queue.dispatch_chunk
    prefix_delivery = PrefixDelivery(
        blobs,
        jobs,
        PrefixDeliveryStore(engine),
        DeliveryPolicy(settings.delivery_max_attempts, settings.delivery_retry_base_seconds),
    )
    events.in_transaction.append(prefix_delivery)
    events.after_commit.append(prefix_delivery)
    auth = TokenAuthenticator(tenants)
    signer = LinkSigner(
        load_secret_key(settings.secret_key, settings.resolved_home), settings.effective_public_url
    )
    exports = ExportService(
        engine,
        jobs,
        activities,
        blobs,
        signer,
        auth,
        queue.dispatch,
        settings.url_ttl_seconds,
        queued_per_site=settings.exports_queued_per_site,
    )
    schedule_store = ScheduleStore(engine)
    firing = ScheduleFiring(engine, schedule_store, exports, jobs, tenants, events)
    retention = RetentionService(RetentionStore(engine), jobs, exports, blobs)
    console = build_console_auth(settings, engine, tenants)
    stamper = ChainHeadStamper(
        ChainHeadTimestampStore(engine),
        StampSettings(
            tsa_url=settings.tsa_url,
            tsa_certificate=runner.settings.tsa_certificate,
            tsa_timeout_seconds=settings.tsa_timeout_seconds,
            interval=timedelta(seconds=settings.chain_head_timestamp_seconds)
            if settings.chain_head_timestamp_seconds > 0
            else None,
        ),
    )
    sweeper = Sweeper(
        jobs,
        queue.dispatch,
        interval=settings.sweep_interval_seconds,
        grace=timedelta(seconds=settings.dispatch_grace_seconds),
        periodic=[
            ("schedules", firing.fire_due),
            ("retention", retention.periodic_sweep),
            ("prefix_deliveries", prefix_delivery.retry_due),
            ("console_sessions", console.periodic_forget),
            ("chain_head_timestamps", stamper.periodic),
        ],
    )
    catalog_store = CatalogStore(engine)
    catalog_cache = CatalogCache(catalog_store, settings.catalog_cache_seconds)
    webhooks, deliverer, webhook_sweeper = build_webhooks(settings, engine, wrapper, queue)
    events.in_transaction.append(webhooks)  # the outbox: deliveries commit with their cause
    ingest = IngestService(engine, tenants, catalog_store, activities, catalog_cache)
    ingest.committer.on_written = webhooks.activities_recorded
    return System(
        settings,
        engine,
        tenants,
        activities,
        jobs,
        auth,
        runner,
        queue,
        sweeper,
        exports,
        keys,
        EvidenceStore(engine),
        catalog=CatalogService(engine, catalog_store, catalog_cache.clear),
        ingest=ingest,
        imports=ImportService(engine, catalog_store, activities),
        idempotency=IdempotencyService(IdempotencyStore(engine)),
        schedules=ScheduleService(schedule_store, exports, jobs, webhooks.endpoint_exists),
        firing=firing,
        retention=retention,
        events=events,
        prefix_delivery=prefix_delivery,
        tenancy=TenancyService(engine, tenants),
        webhooks=webhooks,
        deliverer=deliverer,
        webhook_sweeper=webhook_sweeper,
        limits=RequestLimits(
            RateLimiter(rate_counter(settings, engine), lease_block=settings.rate_limit_lease_block), settings
        ),
        console=console,
        chain_stamper=stamper,
    )


def build_console_auth(settings: Settings, engine: Engine, tenants: TenantStore) -> ConsoleAuth:
    window = settings.console_login_window_seconds
    policy = SessionPolicy(
        idle=timedelta(seconds=settings.console_session_idle_seconds),
        absolute=timedelta(seconds=settings.console_session_absolute_seconds),
        login_attempts=RateLimit(
            "console_login_attempts", settings.console_login_attempts, window, "e-mail address"
        ),
        login_attempts_per_address=RateLimit(
            "console_login_attempts_per_address",
            settings.console_login_attempts_per_address,
            window,
            "client address",
        ),
    )
    return ConsoleAuth(
        engine, tenants, ConsoleUserStore(engine), RateLimiter(rate_counter(settings, engine)), policy
    )


def build_webhooks(
    settings: Settings, engine: Engine, wrapper: KeyWrapper, queue: JobQueue
) -> tuple[WebhookService, WebhookDeliverer, WebhookSweeper]:
    """Endpoints and events (services/webhooks), delivery by the job engine's workers, and the
    sweeper that hands them due deliveries."""
    store = WebhookStore(engine)
    allow = AllowList.parse(settings.webhook_allow_hosts)
    service = WebhookService(store, wrapper, allow)
    deliverer = WebhookDeliverer(
        store,
        service,
        allow,
        DeliverySettings(
            timeout_seconds=settings.webhook_timeout_seconds,
            max_attempts=settings.webhook_max_attempts,
            retry_base_seconds=settings.webhook_retry_base_seconds,
            disable=DisablePolicy(
                settings.webhook_disable_after_failures,
                timedelta(seconds=settings.webhook_disable_after_seconds),
            ),
        ),
    )
    queue.run_delivery = deliverer.deliver
    sweeper = WebhookSweeper(
        store,
        queue.dispatch_delivery,
        interval=settings.webhook_sweep_interval_seconds,
        grace=timedelta(seconds=max(settings.webhook_timeout_seconds * 2, settings.dispatch_grace_seconds)),
    )
    return service, deliverer, sweeper


def rate_counter(settings: Settings, engine: Engine) -> RateCounter:
    """Rate limits counted in Redis when one is configured, else in the database."""
    url = settings.effective_rate_limit_redis_url
    if url:
        ttl = int(settings.rate_limit_window_seconds) + 60
        return RedisRateCounter(url, "clickproof:rate", ttl, fallback=DatabaseRateCounter(engine))
    return DatabaseRateCounter(engine)
