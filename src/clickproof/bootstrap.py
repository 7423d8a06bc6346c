"""Builds the running system from settings: database, storage, job engine, services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Engine

from clickproof.blobstore.local import LocalBlobStore
from clickproof.config import Settings
from clickproof.export.runner import ExportRunner, RunnerSettings
from clickproof.jobs.queue import JobQueue, sqlite_queue
from clickproof.jobs.sweeper import Sweeper
from clickproof.services.catalog import CatalogService
from clickproof.services.catalog_cache import CatalogCache
from clickproof.services.download_links import LinkSigner, load_secret_key
from clickproof.services.exports import ExportService
from clickproof.services.idempotency import IdempotencyService
from clickproof.services.imports import ImportService
from clickproof.services.ingest import IngestService
from clickproof.services.tokens import TokenAuthenticator
from clickproof.store.activities import ActivityStore
from clickproof.store.catalog import CatalogStore
from clickproof.store.database import create_db_engine, migrate
from clickproof.store.export_jobs import ExportJobStore
from clickproof.store.idempotency import IdempotencyStore
from clickproof.store.tenants import TenantStore


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
    catalog: CatalogService
    ingest: IngestService
    imports: ImportService
    idempotency: IdempotencyService
    running: list[str] = field(default_factory=list)

    def start_background(self) -> None:
        """Embedded mode: export workers and the sweeper run inside this process."""
        self.runner.stopping.clear()
        self.queue.start_workers(self.settings.workers)
        self.sweeper.start()
        self.running = ["workers", "sweeper"]

    def stop_background(self) -> None:
        """Stop the sweeper, make running attempts hand their jobs back, wait for the workers."""
        self.sweeper.stop()
        self.runner.stopping.set()
        self.queue.stop_workers()
        self.running = []

    def close(self) -> None:
        self.stop_background()
        self.engine.dispose()


def build_system(settings: Settings, *, run_migrations: bool = True) -> System:
    settings.resolved_home.mkdir(parents=True, exist_ok=True)
    engine = create_db_engine(settings.effective_database_url)
    if run_migrations:
        migrate(engine)
    tenants = TenantStore(engine)
    activities = ActivityStore(engine)
    jobs = ExportJobStore(engine)
    blobs = LocalBlobStore(settings.export_dir)
    runner = ExportRunner(
        engine,
        jobs,
        blobs,
        RunnerSettings(
            lease=timedelta(seconds=settings.job_lease_seconds),
            max_attempts=settings.max_attempts,
            csv_bom=settings.csv_bom,
            heartbeat_seconds=min(1.0, settings.job_lease_seconds / 4),
        ),
    )
    queue = sqlite_queue(settings.queue_path, runner.run)
    sweeper = Sweeper(
        jobs,
        queue.dispatch,
        interval=settings.sweep_interval_seconds,
        grace=timedelta(seconds=settings.dispatch_grace_seconds),
    )
    auth = TokenAuthenticator(tenants)
    signer = LinkSigner(
        load_secret_key(settings.secret_key, settings.resolved_home), settings.effective_public_url
    )
    exports = ExportService(
        engine, jobs, activities, blobs, signer, auth, queue.dispatch, settings.url_ttl_seconds
    )
    catalog_store = CatalogStore(engine)
    catalog_cache = CatalogCache(catalog_store, settings.catalog_cache_seconds)
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
        catalog=CatalogService(engine, catalog_store, catalog_cache.clear),
        ingest=IngestService(engine, tenants, catalog_store, activities, catalog_cache),
        imports=ImportService(engine, catalog_store, activities),
        idempotency=IdempotencyService(IdempotencyStore(engine)),
    )
