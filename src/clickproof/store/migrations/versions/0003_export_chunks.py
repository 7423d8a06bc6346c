"""export chunks

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 09:33:10.081147
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import clickproof.store.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "export_chunks",
        sa.Column("job_id", sa.String(length=24), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempt", sa.Integer(), server_default="0", nullable=False),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_expires_time", clickproof.store.types.UtcDateTime(length=27), nullable=True),
        sa.Column("low", clickproof.store.types.JsonDocument(), nullable=True),
        sa.Column("high", clickproof.store.types.JsonDocument(), nullable=True),
        sa.Column("rows", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("storage_key", sa.String(length=500), nullable=True),
        sa.Column("updated_time", clickproof.store.types.UtcDateTime(length=27), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["export_jobs.id"], name=op.f("fk_export_chunks_job_id_export_jobs")
        ),
        sa.PrimaryKeyConstraint("job_id", "position", name=op.f("pk_export_chunks")),
    )


def downgrade() -> None:
    op.drop_table("export_chunks")
