"""ids unique per site; the catalogue epoch of chain heads; admin tokens

Revision ID: 0010
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chain_heads") as batch:
        batch.add_column(sa.Column("catalog_epoch", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("chain_heads") as batch:
        batch.drop_column("catalog_epoch")
