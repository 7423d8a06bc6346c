"""RFC 3161 timestamps of the sites' chain heads

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from clickproof.store.types import UtcDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chain_head_timestamps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("stamped_time", UtcDateTime(length=27), nullable=False),
        sa.Column("created_time", UtcDateTime(length=27), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_chain_head_timestamps_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chain_head_timestamps")),
        sa.UniqueConstraint("site_id", "seq", name=op.f("uq_chain_head_timestamps_site_id_seq")),
    )


def downgrade() -> None:
    op.drop_table("chain_head_timestamps")
