"""ids unique per site (contracts, versions, activities); the catalogue epoch of chain heads

Contract, version and activity ids may be chosen by the caller (imports keep Ironclad's ids), so
they are keyed by (site_id, id): an id another site holds is simply another id (docs/adr/0017).
The references between them become (site_id, …) references.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from clickproof.store.types import JsonDocument, UtcDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_POSTGRES_UP = """
ALTER TABLE activities DROP CONSTRAINT fk_activities_contract_id_contracts,
    DROP CONSTRAINT fk_activities_version_id_versions, DROP CONSTRAINT pk_activities;
ALTER TABLE versions DROP CONSTRAINT fk_versions_contract_id_contracts, DROP CONSTRAINT pk_versions,
    DROP CONSTRAINT uq_versions_contract_id_version_number_minor_version_number;
DROP INDEX ix_versions_contract_id;
ALTER TABLE contracts DROP CONSTRAINT pk_contracts, ADD CONSTRAINT pk_contracts PRIMARY KEY (site_id, id);
ALTER TABLE contracts ALTER COLUMN id DROP DEFAULT;
DROP SEQUENCE IF EXISTS contracts_id_seq;
ALTER TABLE versions ADD CONSTRAINT pk_versions PRIMARY KEY (site_id, id),
    ADD CONSTRAINT uq_versions_site_number UNIQUE (site_id, contract_id, version_number, minor_version_number),
    ADD CONSTRAINT fk_versions_site_id_contracts FOREIGN KEY (site_id, contract_id)
        REFERENCES contracts (site_id, id);
ALTER TABLE activities ADD CONSTRAINT pk_activities PRIMARY KEY (site_id, id, created_time),
    ADD CONSTRAINT fk_activities_site_id_contracts FOREIGN KEY (site_id, contract_id)
        REFERENCES contracts (site_id, id),
    ADD CONSTRAINT fk_activities_site_id_versions FOREIGN KEY (site_id, version_id)
        REFERENCES versions (site_id, id);
"""


def _sqlite_tables() -> list[sa.Table]:
    """The three tables as this revision leaves them, for SQLite's copy-and-rename."""
    meta = sa.MetaData()
    sa.Table("sites", meta, sa.Column("id", sa.Integer(), primary_key=True))
    sa.Table("accounts", meta, sa.Column("id", sa.Integer(), primary_key=True))
    sa.Table("groups", meta, sa.Column("id", sa.Integer(), primary_key=True))
    contracts = sa.Table(
        "contracts",
        meta,
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column(
            "site_id",
            sa.Integer(),
            sa.ForeignKey("sites.id", name="fk_contracts_site_id_sites"),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("created_time", UtcDateTime(length=27), nullable=False),
        sa.PrimaryKeyConstraint("site_id", "id", name="pk_contracts"),
        sa.UniqueConstraint("site_id", "key", name="uq_contracts_site_id_key"),
        sa.Index("ix_contracts_site_id", "site_id"),
    )
    versions = sa.Table(
        "versions",
        meta,
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column(
            "site_id",
            sa.Integer(),
            sa.ForeignKey("sites.id", name="fk_versions_site_id_sites"),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("minor_version_number", sa.Integer(), server_default="0", nullable=False),
        sa.Column("full_version_number", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("published_time", UtcDateTime(length=27), nullable=True),
        sa.Column("effective_time", UtcDateTime(length=27), nullable=True),
        sa.Column("merge_fields", JsonDocument(), nullable=False),
        sa.Column("created_time", UtcDateTime(length=27), nullable=False),
        sa.PrimaryKeyConstraint("site_id", "id", name="pk_versions"),
        sa.ForeignKeyConstraint(
            ["site_id", "contract_id"],
            ["contracts.site_id", "contracts.id"],
            name="fk_versions_site_id_contracts",
        ),
        sa.UniqueConstraint(
            "site_id", "contract_id", "version_number", "minor_version_number", name="uq_versions_site_number"
        ),
    )
    activities = sa.Table(
        "activities",
        meta,
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("uuid", sa.String(length=64), nullable=False),
        sa.Column(
            "account_id",
            sa.Integer(),
            sa.ForeignKey("accounts.id", name="fk_activities_account_id_accounts"),
            nullable=False,
        ),
        sa.Column(
            "site_id",
            sa.Integer(),
            sa.ForeignKey("sites.id", name="fk_activities_site_id_sites"),
            nullable=False,
        ),
        sa.Column("signer_id", sa.String(length=1024), nullable=True),
        sa.Column(
            "group_id",
            sa.Integer(),
            sa.ForeignKey("groups.id", name="fk_activities_group_id_groups"),
            nullable=True,
        ),
        # Nullable since 0009: an `updated` event sent without a contract has none.
        sa.Column("contract_id", sa.Integer(), nullable=True),
        sa.Column("version_id", sa.String(length=24), nullable=True),
        sa.Column("version_number", sa.Integer(), nullable=True),
        sa.Column("event_type", sa.String(length=32), nullable=False),
        sa.Column("execution_method", sa.String(length=32), nullable=True),
        sa.Column("batch", sa.String(length=64), nullable=True),
        sa.Column("session", sa.String(length=256), nullable=True),
        sa.Column("created_time", UtcDateTime(length=27), nullable=False),
        sa.Column("event_time", UtcDateTime(length=27), nullable=True),
        sa.Column("test_mode", sa.Boolean(), nullable=False),
        sa.Column("connection_data", JsonDocument(), nullable=False),
        sa.Column("custom_data", JsonDocument(), nullable=False),
        sa.Column("render_data", JsonDocument(), nullable=False),
        sa.Column("chain_seq", sa.BigInteger(), nullable=True),
        sa.Column("pii_salt", sa.String(length=32), nullable=True),
        sa.Column("pii_hash", sa.String(length=64), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=True),
        sa.Column("chain_hash", sa.String(length=64), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=True),
        sa.Column("erased_time", UtcDateTime(length=27), nullable=True),
        sa.Column("signer_properties", JsonDocument(), nullable=True),  # 0009
        sa.Column("record_version", sa.Integer(), nullable=True),  # 0009
        sa.PrimaryKeyConstraint("site_id", "id", name="pk_activities"),
        sa.ForeignKeyConstraint(
            ["site_id", "contract_id"],
            ["contracts.site_id", "contracts.id"],
            name="fk_activities_site_id_contracts",
        ),
        sa.ForeignKeyConstraint(
            ["site_id", "version_id"],
            ["versions.site_id", "versions.id"],
            name="fk_activities_site_id_versions",
        ),
        sa.Index("ix_activities_site_chain", "site_id", "chain_seq", unique=True),
        sa.Index("ix_activities_site_created", "site_id", "created_time", "id"),
        sa.Index("ix_activities_site_signer", "site_id", "signer_id", "created_time", "id"),
        sa.Index("ix_activities_site_contract", "site_id", "contract_id", "created_time", "id"),
    )
    return [contracts, versions, activities]


def upgrade() -> None:
    with op.batch_alter_table("chain_heads") as batch:
        batch.add_column(sa.Column("catalog_epoch", sa.Integer(), nullable=False, server_default="0"))
    if op.get_bind().dialect.name == "postgresql":
        for statement in _POSTGRES_UP.split(";"):
            if statement.strip():
                op.execute(statement)
        return
    # SQLite changes keys by copying each table into its new form (env.py turns foreign key
    # enforcement off for the migration and checks every reference afterwards).
    for table in _sqlite_tables():
        with op.batch_alter_table(table.name, copy_from=table, recreate="always"):
            pass


def downgrade() -> None:
    raise NotImplementedError("ids unique per site cannot be made global again without losing rows")
