"""activities: the signer record as of each activity, the record format, activities without a contract

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 14:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from clickproof.store.types import JsonDocument

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows stored before this revision keep null in both: record format 1, no signer snapshot.
    with op.batch_alter_table("activities") as batch:
        batch.add_column(sa.Column("signer_properties", JsonDocument(), nullable=True))
        batch.add_column(sa.Column("record_version", sa.Integer(), nullable=True))
        # An `updated` event sent without a contract is an activity about the signer record alone.
        batch.alter_column("contract_id", existing_type=sa.Integer(), nullable=True)
        batch.alter_column("version_id", existing_type=sa.String(length=24), nullable=True)
        batch.alter_column("version_number", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("activities") as batch:
        batch.alter_column("version_number", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("version_id", existing_type=sa.String(length=24), nullable=False)
        batch.alter_column("contract_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_column("record_version")
        batch.drop_column("signer_properties")
