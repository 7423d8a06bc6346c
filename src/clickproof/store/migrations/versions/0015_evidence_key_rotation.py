"""evidence keys can be rotated: several keys per site, one current, the others retired;
an index for session records

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-02 14:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from clickproof.store.types import UtcDateTime

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("site_evidence_keys", recreate="always") as batch:
        batch.drop_constraint("pk_site_evidence_keys", type_="primary")
        batch.drop_constraint("uq_site_evidence_keys_key_id", type_="unique")
        batch.create_primary_key("pk_site_evidence_keys", ["key_id"])
        batch.add_column(sa.Column("retired_time", UtcDateTime(length=27), nullable=True))
    op.create_index(
        "uq_site_evidence_keys_current",
        "site_evidence_keys",
        ["site_id"],
        unique=True,
        sqlite_where=sa.text("retired_time IS NULL"),
        postgresql_where=sa.text("retired_time IS NULL"),
    )

    op.create_index(
        "ix_activities_site_session",
        "activities",
        ["site_id", "session"],
        sqlite_where=sa.text("session IS NOT NULL"),
        postgresql_where=sa.text("session IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_activities_site_session", table_name="activities")
    op.execute("DELETE FROM site_evidence_keys WHERE retired_time IS NOT NULL")
    op.drop_index("uq_site_evidence_keys_current", table_name="site_evidence_keys")
    with op.batch_alter_table("site_evidence_keys", recreate="always") as batch:
        batch.drop_column("retired_time")
        batch.drop_constraint("pk_site_evidence_keys", type_="primary")
        batch.create_primary_key("pk_site_evidence_keys", ["site_id"])
        batch.create_unique_constraint("uq_site_evidence_keys_key_id", ["key_id"])
