"""export jobs: attempts handed back by a graceful shutdown; the state of a prefix delivery

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 08:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from clickproof.store.types import UtcDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("export_jobs") as batch:
        batch.add_column(sa.Column("handed_back", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("delivery_status", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("delivery_attempts", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("delivery_retry_time", UtcDateTime(length=27), nullable=True))
        batch.add_column(sa.Column("delivery_message", sa.Text(), nullable=True))
    op.create_index("ix_export_jobs_delivery_due", "export_jobs", ["delivery_status", "delivery_retry_time"])


def downgrade() -> None:
    op.drop_index("ix_export_jobs_delivery_due", table_name="export_jobs")
    with op.batch_alter_table("export_jobs") as batch:
        batch.drop_column("delivery_message")
        batch.drop_column("delivery_retry_time")
        batch.drop_column("delivery_attempts")
        batch.drop_column("delivery_status")
        batch.drop_column("handed_back")
