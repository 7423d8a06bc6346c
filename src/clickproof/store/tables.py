"""The schema. Alembic migrations in store/migrations create exactly these tables."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from clickproof.store.types import JsonDocument, UtcDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("created_time", UtcDateTime, nullable=False),
)

sites = Table(
    "sites",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("access_id", String(64), nullable=False, unique=True),
    Column("max_export_days", Integer, nullable=False, server_default="365"),
    # Origins whose pages may call the Activity API for this site (CORS); null: any origin.
    Column("allowed_origins", JsonDocument, nullable=True),
    # Days after which a successful export's files are deleted (unless held): docs/jobs.md.
    Column("retention_days", Integer, nullable=False, server_default="30"),
    Column("created_time", UtcDateTime, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("email", String(320), nullable=False),
    Column("name", String(200), nullable=False),
    Column("created_time", UtcDateTime, nullable=False),
    # Argon2id (PHC string) for console sign-in; null: the user cannot sign in to the console.
    Column("password_hash", String(200), nullable=True),
    UniqueConstraint("account_id", "email"),
)

# A console user's role on one site: viewer, exporter or admin (web/roles.py).
user_site_roles = Table(
    "user_site_roles",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
    Column("site_id", Integer, ForeignKey("sites.id"), primary_key=True),
    Column("role", String(16), nullable=False),
)

# Server-side console sessions; the cookie holds a secret whose SHA-256 is `id_hash`.
console_sessions = Table(
    "console_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_time", UtcDateTime, nullable=False),
    Column("last_seen_time", UtcDateTime, nullable=False),
    Index("ix_console_sessions_user", "user_id"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("public_id", String(32), nullable=False, unique=True),
    Column("secret_hash", String(64), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("default_site_id", Integer, ForeignKey("sites.id"), nullable=False),
    Column("site_ids", JsonDocument, nullable=False),
    Column("permissions", JsonDocument, nullable=False),
    Column("label", String(200), nullable=False, server_default=""),
    Column("created_time", UtcDateTime, nullable=False),
    Column("expires_time", UtcDateTime, nullable=True),
    Column("revoked_time", UtcDateTime, nullable=True),
)

# Ids a caller may choose (contracts, versions, activities: imports keep Ironclad's ids) are unique
# per site, never across sites (docs/adr/0017): another site's id is simply another id.
contracts = Table(
    "contracts",
    metadata,
    Column("id", Integer, nullable=False, autoincrement=False),  # per site: services/catalog.py
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=False, index=True),
    Column("title", String(500), nullable=False),
    Column("key", String(200), nullable=False),
    Column("created_time", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("site_id", "id"),
    UniqueConstraint("site_id", "key"),
)

versions = Table(
    "versions",
    metadata,
    Column("id", String(24), nullable=False),
    Column("contract_id", Integer, nullable=False),
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=False),
    Column("title", String(500), nullable=False),
    Column("body", Text, nullable=False),
    Column("version_number", Integer, nullable=False),
    Column("minor_version_number", Integer, nullable=False, server_default="0"),
    Column("full_version_number", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("published_time", UtcDateTime, nullable=True),
    Column("effective_time", UtcDateTime, nullable=True),
    Column("merge_fields", JsonDocument, nullable=False),
    Column("created_time", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("site_id", "id"),
    ForeignKeyConstraint(["site_id", "contract_id"], ["contracts.site_id", "contracts.id"]),
    UniqueConstraint(
        "site_id", "contract_id", "version_number", "minor_version_number", name="uq_versions_site_number"
    ),
)

groups = Table(
    "groups",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=False, index=True),
    Column("key", String(200), nullable=False),
    Column("title", String(500), nullable=False),
    Column("contract_ids", JsonDocument, nullable=False),
    Column("created_time", UtcDateTime, nullable=False),
    UniqueConstraint("site_id", "key"),
)

signers = Table(
    "signers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=False),
    Column("signer_id", String(1024), nullable=False),
    Column("properties", JsonDocument, nullable=False),
    Column("created_time", UtcDateTime, nullable=False),
    UniqueConstraint("site_id", "signer_id"),
)

activities = Table(
    "activities",
    metadata,
    Column("id", String(24), nullable=False),
    Column("uuid", String(64), nullable=False),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=False),
    Column("signer_id", String(1024), nullable=True),
    Column("group_id", Integer, ForeignKey("groups.id"), nullable=True),
    # No contract for an `updated` event sent without one: it concerns the signer record alone.
    Column("contract_id", Integer, nullable=True),
    Column("version_id", String(24), nullable=True),
    Column("version_number", Integer, nullable=True),
    Column("event_type", String(32), nullable=False),
    Column("execution_method", String(32), nullable=True),
    Column("batch", String(64), nullable=True),
    Column("session", String(256), nullable=True),
    Column("created_time", UtcDateTime, nullable=False),
    Column("event_time", UtcDateTime, nullable=True),
    Column("test_mode", Boolean, nullable=False),
    Column("connection_data", JsonDocument, nullable=False),
    Column("custom_data", JsonDocument, nullable=False),
    Column("render_data", JsonDocument, nullable=False),
    # The hash chain (docs/ingestion.md, ADR 0008): position in the site's chain, the salted hash
    # of the personal part, the hash of the canonical record and the link hashes.
    Column("chain_seq", BigInteger, nullable=True),
    Column("pii_salt", String(32), nullable=True),
    Column("pii_hash", String(64), nullable=True),
    Column("content_hash", String(64), nullable=True),
    Column("prev_hash", String(64), nullable=True),
    Column("chain_hash", String(64), nullable=True),
    Column("source", String(16), nullable=True),
    Column("erased_time", UtcDateTime, nullable=True),
    # The signer record as of this activity (after its own change, for `updated`): part of the
    # personal part, hashed and erasable. Null: no signer, or not recorded (imports, older rows).
    Column("signer_properties", JsonDocument, nullable=True),
    # Format of the canonical record and personal part (domain/chain.py); null: 1, before
    # signer snapshots.
    Column("record_version", Integer, nullable=True),
    # PostgreSQL: (site_id, id, created_time), as a partitioned table's key must hold the
    # partition key; the write path checks (site_id, id) under the site's chain lock there.
    PrimaryKeyConstraint("site_id", "id"),
    ForeignKeyConstraint(["site_id", "contract_id"], ["contracts.site_id", "contracts.id"]),
    ForeignKeyConstraint(["site_id", "version_id"], ["versions.site_id", "versions.id"]),
    Index("ix_activities_site_chain", "site_id", "chain_seq", unique=True),
    # The export window scan: site + created_time, with id so the total order needs no sort.
    Index("ix_activities_site_created", "site_id", "created_time", "id"),
    Index("ix_activities_site_signer", "site_id", "signer_id", "created_time", "id"),
    Index(  # session records (GET /v1.1/activity/record/session:{id}); most sends carry no session
        "ix_activities_site_session",
        "site_id",
        "session",
        sqlite_where=text("session IS NOT NULL"),
        postgresql_where=text("session IS NOT NULL"),
    ),
    Index("ix_activities_site_contract", "site_id", "contract_id", "created_time", "id"),
    # On PostgreSQL the table is partitioned by month (see the initial migration and partitions.py).
    postgresql_partition_by="RANGE (created_time)",
)

# The newest link of each site's chain; its row lock serializes writers of one site.
chain_heads = Table(
    "chain_heads",
    metadata,
    Column("site_id", Integer, ForeignKey("sites.id"), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("updated_time", UtcDateTime, nullable=False),
    # Raised by each signer erasure of the site (store/erasure.py, store/activities.py).
    Column("catalog_epoch", Integer, nullable=False, server_default="0"),
)

# RFC 3161 timestamps of chain heads (jobs/chain_head_stamper.py): `statement` is the exact text the
# authority's answer (`token`, base64 of the DER TimeStampResp) vouches for.
chain_head_timestamps = Table(
    "chain_head_timestamps",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("statement", Text, nullable=False),
    Column("token", Text, nullable=False),
    Column("stamped_time", UtcDateTime, nullable=False),
    Column("created_time", UtcDateTime, nullable=False),
    UniqueConstraint("site_id", "seq"),
)

# Signer erasures (privacy requests): who asked, when, why, and how many activities lost their PII.
erasures = Table(
    "erasures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=False, index=True),
    Column("signer_hash", String(64), nullable=False),
    Column("requested_by", String(320), nullable=False),
    Column("reason", Text, nullable=False),
    Column("activities", BigInteger, nullable=False),
    Column("created_time", UtcDateTime, nullable=False),
)

# Idempotency-Key records: the first answer to a key is replayed for the same request.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("scope", String(200), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("response", JsonDocument, nullable=True),
    Column("created_time", UtcDateTime, nullable=False),
)

# Keys seen per site in the open JSON families: the field catalogue, and what `custom_all` means.
field_keys = Table(
    "field_keys",
    metadata,
    Column("site_id", Integer, ForeignKey("sites.id"), primary_key=True),
    Column("family", String(16), primary_key=True),
    Column("key", String(256), primary_key=True),
)

# The JSON kinds (string, number, boolean, object, array) stored under each key of the JSON
# families of a site: a key of one kind is exported without asking the database for kinds.
field_kinds = Table(
    "field_kinds",
    metadata,
    Column("site_id", Integer, ForeignKey("sites.id"), primary_key=True),
    Column("family", String(16), primary_key=True),
    Column("key", String(256), primary_key=True),
    Column("kind", String(8), primary_key=True),
)

# What `/load` presented: a group's contracts at their published versions with the render data
# merged, under a fresh render id that a later send refers to (`rdid`).
renders = Table(
    "renders",
    metadata,
    Column("id", String(24), primary_key=True),
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=False),
    Column("group_id", Integer, ForeignKey("groups.id"), nullable=True),
    # [{"contract": id, "version": id, "sha256": hex of the HTML as presented}], in the group's order
    Column("contracts", JsonDocument, nullable=False),
    Column("render_data", JsonDocument, nullable=False),
    Column("test_mode", Boolean, nullable=False),
    Column("created_time", UtcDateTime, nullable=False),
)

export_jobs = Table(
    "export_jobs",
    metadata,
    Column("id", String(24), primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=False),
    Column("created_by", Integer, ForeignKey("users.id"), nullable=False),
    Column("token_id", Integer, ForeignKey("api_tokens.id"), nullable=True),
    Column("job_name", String(64), nullable=False),
    Column("source", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("message", Text, nullable=False),
    Column("data", JsonDocument, nullable=False),
    Column("retry_count", Integer, nullable=False, server_default="0"),
    # A failed attempt is retried no earlier than this (exponential backoff with jitter).
    Column("retry_time", UtcDateTime, nullable=True),
    Column("attempt", Integer, nullable=False, server_default="0"),
    Column("lease_owner", String(64), nullable=True),
    Column("lease_expires_time", UtcDateTime, nullable=True),
    Column("dispatched_time", UtcDateTime, nullable=True),
    Column("processed", BigInteger, nullable=False, server_default="0"),
    Column("total", BigInteger, nullable=True),
    Column("created_time", UtcDateTime, nullable=False),
    Column("updated_time", UtcDateTime, nullable=False),
    # Cancel (POST …/{id}/cancel): who asked and when; the job ends failed.
    Column("cancelled_by", String(320), nullable=True),
    Column("cancelled_time", UtcDateTime, nullable=True),
    # Retention: when the files passed the site's retention period, and when their blobs were deleted.
    Column("expired_time", UtcDateTime, nullable=True),
    Column("purged_time", UtcDateTime, nullable=True),
    # The X-Request-Id of the request that created the job; the worker's log lines carry it.
    Column("request_id", String(128), nullable=True),
    # Attempts handed back by a graceful shutdown: `attempt` counts claims, these spend no attempt.
    Column("handed_back", Integer, nullable=False, server_default="0"),
    # The copy of a successful job's files to its schedule's delivery.s3_prefix (pending,
    # delivered, failed), its attempts, next try (or the lease of the running one), last outcome.
    Column("delivery_status", String(16), nullable=True),
    Column("delivery_attempts", Integer, nullable=False, server_default="0"),
    Column("delivery_retry_time", UtcDateTime, nullable=True),
    Column("delivery_message", Text, nullable=True),
    Index("ix_export_jobs_site_created", "site_id", "created_time"),
    Index("ix_export_jobs_status", "status", "updated_time"),
    Index("ix_export_jobs_delivery_due", "delivery_status", "delivery_retry_time"),
)

export_files = Table(
    "export_files",
    metadata,
    Column("job_id", String(24), ForeignKey("export_jobs.id"), primary_key=True),
    Column("name", String(200), primary_key=True),
    Column("export_type", String(64), nullable=False),
    Column("storage_key", String(500), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("rows", BigInteger, nullable=False),
    Column("position", Integer, nullable=False),
)

# A large export is cut into chunks along its sort order; each chunk writes one part file, and
# the job's final file is the header followed by the parts in order.
export_chunks = Table(
    "export_chunks",
    metadata,
    Column("job_id", String(24), ForeignKey("export_jobs.id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("status", String(16), nullable=False),
    Column("attempt", Integer, nullable=False, server_default="0"),
    Column("lease_owner", String(64), nullable=True),
    Column("lease_expires_time", UtcDateTime, nullable=True),
    Column("low", JsonDocument, nullable=True),
    Column("high", JsonDocument, nullable=True),
    Column("rows", BigInteger, nullable=False, server_default="0"),
    Column("size", BigInteger, nullable=True),
    Column("sha256", String(64), nullable=True),
    Column("storage_key", String(500), nullable=True),
    Column("updated_time", UtcDateTime, nullable=False),
    # "csv": one part of the CSV file; "pdf": zip parts of evidence PDFs, listed in `parts`.
    Column("kind", String(8), nullable=False, server_default="csv"),
    Column("parts", JsonDocument, nullable=True),
)

# One Ed25519 key per site signs its export manifests; the private key never leaves the server.
site_evidence_keys = Table(
    "site_evidence_keys",
    metadata,
    Column("key_id", String(64), primary_key=True),
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=False),
    Column("algorithm", String(16), nullable=False),
    Column("public_key", String(64), nullable=False),
    Column("private_key", String(256), nullable=False),  # wrapped: evidence/key_wrapping.py
    Column("created_time", UtcDateTime, nullable=False),
    Column("retired_time", UtcDateTime, nullable=True),  # set when rotated out; NULL: the current key
    Index(
        "uq_site_evidence_keys_current",
        "site_id",
        unique=True,
        sqlite_where=text("retired_time IS NULL"),
        postgresql_where=text("retired_time IS NULL"),
    ),
)

# Exports that run themselves: a request template, a relative window, a cron expression in an
# IANA timezone. `next_fire_time` is the next slot (UTC); firing moves it by compare-and-set.
export_schedules = Table(
    "export_schedules",
    metadata,
    Column("id", String(24), primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=False),
    Column("created_by", Integer, ForeignKey("users.id"), nullable=False),
    Column("token_id", Integer, ForeignKey("api_tokens.id"), nullable=True),
    Column("name", String(200), nullable=False),
    Column("cron", String(200), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("window", JsonDocument, nullable=False),
    Column("request", JsonDocument, nullable=False),
    Column("delivery", JsonDocument, nullable=True),
    Column("active", Boolean, nullable=False),
    Column("next_fire_time", UtcDateTime, nullable=True),
    Column("last_fire_time", UtcDateTime, nullable=True),
    Column("created_time", UtcDateTime, nullable=False),
    Column("updated_time", UtcDateTime, nullable=False),
    Column("deleted_time", UtcDateTime, nullable=True),
    Index("ix_export_schedules_site_created", "site_id", "created_time"),
    Index("ix_export_schedules_due", "active", "next_fire_time"),
)

# One row per slot that fired: the primary key makes a slot fire once, whoever fires it.
schedule_firings = Table(
    "schedule_firings",
    metadata,
    Column("schedule_id", String(24), ForeignKey("export_schedules.id"), primary_key=True),
    Column("slot_time", UtcDateTime, primary_key=True),
    Column("job_id", String(24), ForeignKey("export_jobs.id"), nullable=True),
    Column("error", Text, nullable=True),
    Column("fired_time", UtcDateTime, nullable=False),
)

# Legal holds: on one job, or (job_id null) on a whole site. A hold stops retention from deleting
# files until it is released; both are recorded.
legal_holds = Table(
    "legal_holds",
    metadata,
    Column("id", String(24), primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=False),
    Column("job_id", String(24), ForeignKey("export_jobs.id"), nullable=True),
    Column("reason", Text, nullable=False),
    Column("created_by", String(320), nullable=False),
    Column("created_time", UtcDateTime, nullable=False),
    Column("released_by", String(320), nullable=True),
    Column("released_time", UtcDateTime, nullable=True),
    Index("ix_legal_holds_site", "site_id", "released_time"),
)

# Webhooks (docs/webhooks.md, docs/adr/0020). Secrets are stored wrapped (evidence/key_wrapping).
webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", String(24), primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=False),
    Column("url", String(2048), nullable=False),
    Column("description", String(500), nullable=False, server_default=""),
    Column("events", JsonDocument, nullable=False),
    Column("payload_format", String(16), nullable=False, server_default="standard"),
    Column("secret", String(256), nullable=False),
    # The secret before the last rotation: messages are signed with both until it expires.
    Column("previous_secret", String(256), nullable=True),
    Column("previous_secret_expires_time", UtcDateTime, nullable=True),
    Column("legacy_token", String(256), nullable=True),
    Column("enabled", Boolean, nullable=False),
    Column("disabled_reason", Text, nullable=True),
    Column("failure_streak", Integer, nullable=False, server_default="0"),
    Column("failing_since_time", UtcDateTime, nullable=True),
    Column("created_time", UtcDateTime, nullable=False),
    Column("updated_time", UtcDateTime, nullable=False),
    Index("ix_webhook_endpoints_site", "site_id"),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", String(40), primary_key=True),  # the webhook-id header: the same on every attempt
    Column("endpoint_id", String(24), ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), nullable=False),
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("payload", Text, nullable=False),  # the exact body, so every attempt sends the same bytes
    Column("status", String(16), nullable=False),  # pending | sending | succeeded | failed
    Column("attempt", Integer, nullable=False, server_default="0"),
    Column("next_attempt_time", UtcDateTime, nullable=False),
    Column("dispatched_time", UtcDateTime, nullable=True),
    Column("lease_expires_time", UtcDateTime, nullable=True),
    Column("request_id", String(128), nullable=True),
    Column("created_time", UtcDateTime, nullable=False),
    Column("updated_time", UtcDateTime, nullable=False),
    Index("ix_webhook_deliveries_due", "status", "next_attempt_time"),
    Index("ix_webhook_deliveries_endpoint", "endpoint_id", "created_time"),
)

webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column(
        "delivery_id", String(40), ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("attempt", Integer, primary_key=True),
    Column("started_time", UtcDateTime, nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("latency_ms", Integer, nullable=False),
    Column("response_excerpt", Text, nullable=False),
    Column("error", Text, nullable=True),
    Column("succeeded", Boolean, nullable=False),
)

# Rate-limit counters (store/rate_limits.py): one row per limited subject, its current window.
rate_limit_windows = Table(
    "rate_limit_windows",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("window_index", BigInteger, nullable=False),
    Column("count", BigInteger, nullable=False),
)
