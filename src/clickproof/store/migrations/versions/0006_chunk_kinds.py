"""export chunks of evidence PDFs: a kind per chunk and the zip parts it wrote

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 12:35:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import clickproof.store.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("export_chunks") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=8), server_default="csv", nullable=False))
        batch.add_column(sa.Column("parts", clickproof.store.types.JsonDocument(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("export_chunks") as batch:
        batch.drop_column("parts")
        batch.drop_column("kind")
