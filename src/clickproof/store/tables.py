"""The schema. Alembic migrations in store/migrations create exactly these tables."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
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
    UniqueConstraint("account_id", "email"),
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

contracts = Table(
    "contracts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=False, index=True),
    Column("title", String(500), nullable=False),
    Column("key", String(200), nullable=False),
    Column("created_time", UtcDateTime, nullable=False),
    UniqueConstraint("site_id", "key"),
)

versions = Table(
    "versions",
    metadata,
    Column("id", String(24), primary_key=True),
    Column("contract_id", Integer, ForeignKey("contracts.id"), nullable=False, index=True),
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
    UniqueConstraint("contract_id", "version_number", "minor_version_number"),
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
    Column("id", String(24), primary_key=True),
    Column("uuid", String(64), nullable=False),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=False),
    Column("signer_id", String(1024), nullable=True),
    Column("group_id", Integer, ForeignKey("groups.id"), nullable=True),
    Column("contract_id", Integer, ForeignKey("contracts.id"), nullable=False),
    Column("version_id", String(24), ForeignKey("versions.id"), nullable=False),
    Column("version_number", Integer, nullable=False),
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
    Index("ix_activities_site_chain", "site_id", "chain_seq", unique=True),
    # The export window scan: site + created_time, with id so the total order needs no sort.
    Index("ix_activities_site_created", "site_id", "created_time", "id"),
    Index("ix_activities_site_signer", "site_id", "signer_id", "created_time", "id"),
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
    Index("ix_export_jobs_site_created", "site_id", "created_time"),
    Index("ix_export_jobs_status", "status", "updated_time"),
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
    Column("site_id", Integer, ForeignKey("sites.id"), primary_key=True),
    Column("key_id", String(64), nullable=False, unique=True),
    Column("algorithm", String(16), nullable=False),
    Column("public_key", String(64), nullable=False),
    Column("private_key", String(256), nullable=False),  # wrapped: evidence/key_wrapping.py
    Column("created_time", UtcDateTime, nullable=False),
)

# Rate-limit counters (store/rate_limits.py): one row per limited subject, its current window.
rate_limit_windows = Table(
    "rate_limit_windows",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("window_index", BigInteger, nullable=False),
    Column("count", BigInteger, nullable=False),
)
