"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-29 08:53:15.630516
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import clickproof.store.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_time", clickproof.store.types.UtcDateTime(length=27), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
    )
    op.create_table(
        "sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("access_id", sa.String(length=64), nullable=False),
        sa.Column("max_export_days", sa.Integer(), server_default="365", nullable=False),
        sa.Column("created_time", clickproof.store.types.UtcDateTime(length=27), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_sites_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sites")),
        sa.UniqueConstraint("access_id", name=op.f("uq_sites_access_id")),
    )
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sites_account_id"), ["account_id"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_time", clickproof.store.types.UtcDateTime(length=27), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_users_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("account_id", "email", name=op.f("uq_users_account_id_email")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_account_id"), ["account_id"], unique=False)

    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("default_site_id", sa.Integer(), nullable=False),
        sa.Column("site_ids", clickproof.store.types.JsonDocument(), nullable=False),
        sa.Column("permissions", clickproof.store.types.JsonDocument(), nullable=False),
        sa.Column("label", sa.String(length=200), server_default="", nullable=False),
        sa.Column("created_time", clickproof.store.types.UtcDateTime(length=27), nullable=False),
        sa.Column("expires_time", clickproof.store.types.UtcDateTime(length=27), nullable=True),
        sa.Column("revoked_time", clickproof.store.types.UtcDateTime(length=27), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_api_tokens_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["default_site_id"], ["sites.id"], name=op.f("fk_api_tokens_default_site_id_sites")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("public_id", name=op.f("uq_api_tokens_public_id")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "contracts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("created_time", clickproof.store.types.UtcDateTime(length=27), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_contracts_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contracts")),
        sa.UniqueConstraint("site_id", "key", name=op.f("uq_contracts_site_id_key")),
    )
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contracts_site_id"), ["site_id"], unique=False)

    op.create_table(
        "field_keys",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("family", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=256), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_field_keys_site_id_sites")),
        sa.PrimaryKeyConstraint("site_id", "family", "key", name=op.f("pk_field_keys")),
    )
    op.create_table(
        "groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("contract_ids", clickproof.store.types.JsonDocument(), nullable=False),
        sa.Column("created_time", clickproof.store.types.UtcDateTime(length=27), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_groups_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groups")),
        sa.UniqueConstraint("site_id", "key", name=op.f("uq_groups_site_id_key")),
    )
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_groups_site_id"), ["site_id"], unique=False)

    op.create_table(
        "signers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("signer_id", sa.String(length=1024), nullable=False),
        sa.Column("properties", clickproof.store.types.JsonDocument(), nullable=False),
        sa.Column("created_time", clickproof.store.types.UtcDateTime(length=27), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_signers_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signers")),
        sa.UniqueConstraint("site_id", "signer_id", name=op.f("uq_signers_site_id_signer_id")),
    )
    op.create_table(
        "export_jobs",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=True),
        sa.Column("job_name", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("data", clickproof.store.types.JsonDocument(), nullable=False),
        sa.Column("retry_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("attempt", sa.Integer(), server_default="0", nullable=False),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_expires_time", clickproof.store.types.UtcDateTime(length=27), nullable=True),
        sa.Column("dispatched_time", clickproof.store.types.UtcDateTime(length=27), nullable=True),
        sa.Column("processed", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=True),
        sa.Column("created_time", clickproof.store.types.UtcDateTime(length=27), nullable=False),
        sa.Column("updated_time", clickproof.store.types.UtcDateTime(length=27), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_export_jobs_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_export_jobs_created_by_users")),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_export_jobs_site_id_sites")),
        sa.ForeignKeyConstraint(
            ["token_id"], ["api_tokens.id"], name=op.f("fk_export_jobs_token_id_api_tokens")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_jobs")),
    )
    with op.batch_alter_table("export_jobs", schema=None) as batch_op:
        batch_op.create_index("ix_export_jobs_site_created", ["site_id", "created_time"], unique=False)
        batch_op.create_index("ix_export_jobs_status", ["status", "updated_time"], unique=False)

    op.create_table(
        "versions",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("minor_version_number", sa.Integer(), server_default="0", nullable=False),
        sa.Column("full_version_number", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("published_time", clickproof.store.types.UtcDateTime(length=27), nullable=True),
        sa.Column("effective_time", clickproof.store.types.UtcDateTime(length=27), nullable=True),
        sa.Column("merge_fields", clickproof.store.types.JsonDocument(), nullable=False),
        sa.Column("created_time", clickproof.store.types.UtcDateTime(length=27), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contracts.id"], name=op.f("fk_versions_contract_id_contracts")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_versions_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_versions")),
        sa.UniqueConstraint(
            "contract_id",
            "version_number",
            "minor_version_number",
            name=op.f("uq_versions_contract_id_version_number_minor_version_number"),
        ),
    )
    with op.batch_alter_table("versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_versions_contract_id"), ["contract_id"], unique=False)

    op.create_table(
        "activities",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("uuid", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("signer_id", sa.String(length=1024), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.String(length=24), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(length=32), nullable=False),
        sa.Column("execution_method", sa.String(length=32), nullable=True),
        sa.Column("batch", sa.String(length=64), nullable=True),
        sa.Column("session", sa.String(length=256), nullable=True),
        sa.Column("created_time", clickproof.store.types.UtcDateTime(length=27), nullable=False),
        sa.Column("event_time", clickproof.store.types.UtcDateTime(length=27), nullable=True),
        sa.Column("test_mode", sa.Boolean(), nullable=False),
        sa.Column("connection_data", clickproof.store.types.JsonDocument(), nullable=False),
        sa.Column("custom_data", clickproof.store.types.JsonDocument(), nullable=False),
        sa.Column("render_data", clickproof.store.types.JsonDocument(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_activities_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contracts.id"], name=op.f("fk_activities_contract_id_contracts")
        ),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"], name=op.f("fk_activities_group_id_groups")),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_activities_site_id_sites")),
        sa.ForeignKeyConstraint(
            ["version_id"], ["versions.id"], name=op.f("fk_activities_version_id_versions")
        ),
        # PostgreSQL: partitioned by month of created_time; a partitioned table's primary key
        # must contain the partition key. Partitions are created by store/partitions.py.
        sa.PrimaryKeyConstraint(
            *(("id", "created_time") if postgres else ("id",)), name=op.f("pk_activities")
        ),
        **({"postgresql_partition_by": "RANGE (created_time)"} if postgres else {}),  # type: ignore[arg-type]
    )
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index(
            "ix_activities_site_contract", ["site_id", "contract_id", "created_time"], unique=False
        )
        batch_op.create_index("ix_activities_site_created", ["site_id", "created_time", "id"], unique=False)
        batch_op.create_index("ix_activities_site_signer", ["site_id", "signer_id"], unique=False)

    op.create_table(
        "export_files",
        sa.Column("job_id", sa.String(length=24), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("export_type", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=500), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["export_jobs.id"], name=op.f("fk_export_files_job_id_export_jobs")
        ),
        sa.PrimaryKeyConstraint("job_id", "name", name=op.f("pk_export_files")),
    )


def downgrade() -> None:
    op.drop_table("export_files")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index("ix_activities_site_signer")
        batch_op.drop_index("ix_activities_site_created")
        batch_op.drop_index("ix_activities_site_contract")

    op.drop_table("activities")
    with op.batch_alter_table("versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_versions_contract_id"))

    op.drop_table("versions")
    with op.batch_alter_table("export_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_export_jobs_status")
        batch_op.drop_index("ix_export_jobs_site_created")

    op.drop_table("export_jobs")
    op.drop_table("signers")
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_groups_site_id"))

    op.drop_table("groups")
    op.drop_table("field_keys")
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contracts_site_id"))

    op.drop_table("contracts")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_account_id"))

    op.drop_table("users")
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sites_account_id"))

    op.drop_table("sites")
    op.drop_table("accounts")
