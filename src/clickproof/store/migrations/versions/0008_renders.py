"""renders; sites' allowed origins; wrapped signing keys; job retry times; connection kinds

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from clickproof.store.types import JsonDocument, UtcDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# connection_data held text only before this revision; its kinds are recorded from now on.
_SQLITE_BACKFILL = """
INSERT OR IGNORE INTO field_kinds (site_id, family, key, kind)
SELECT DISTINCT a.site_id, 'connection', j.key, 'string'
FROM activities a, json_each(a.connection_data) j
WHERE j.type <> 'null'
"""
_POSTGRES_BACKFILL = """
INSERT INTO field_kinds (site_id, family, key, kind)
SELECT DISTINCT a.site_id, 'connection', j.key, jsonb_typeof(j.value)
FROM activities a, jsonb_each(a.connection_data) j
WHERE jsonb_typeof(j.value) <> 'null'
ON CONFLICT DO NOTHING
"""


def upgrade() -> None:
    op.create_table(
        "renders",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("contracts", JsonDocument(), nullable=False),
        sa.Column("render_data", JsonDocument(), nullable=False),
        sa.Column("test_mode", sa.Boolean(), nullable=False),
        sa.Column("created_time", UtcDateTime(length=27), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_renders_site_id_sites")),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"], name=op.f("fk_renders_group_id_groups")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_renders")),
    )
    with op.batch_alter_table("sites") as batch:
        batch.add_column(sa.Column("allowed_origins", JsonDocument(), nullable=True))
    with op.batch_alter_table("export_jobs") as batch:
        batch.add_column(sa.Column("retry_time", UtcDateTime(length=27), nullable=True))
    # Private keys are stored wrapped (evidence/key_wrapping.py): longer than 64 characters.
    with op.batch_alter_table("site_evidence_keys") as batch:
        batch.alter_column(
            "private_key",
            existing_type=sa.String(length=64),
            type_=sa.String(length=256),
            existing_nullable=False,
        )
    op.execute(_POSTGRES_BACKFILL if op.get_bind().dialect.name == "postgresql" else _SQLITE_BACKFILL)


def downgrade() -> None:
    with op.batch_alter_table("export_jobs") as batch:
        batch.drop_column("retry_time")
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("allowed_origins")
    op.drop_table("renders")
