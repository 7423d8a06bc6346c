"""export schedules and their firings; legal holds; retention per site; cancel and expiry on jobs

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 14:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from clickproof.store.types import JsonDocument, UtcDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.add_column(sa.Column("retention_days", sa.Integer(), server_default="30", nullable=False))
    with op.batch_alter_table("export_jobs") as batch:
        batch.add_column(sa.Column("cancelled_by", sa.String(length=320), nullable=True))
        batch.add_column(sa.Column("cancelled_time", UtcDateTime(length=27), nullable=True))
        batch.add_column(sa.Column("expired_time", UtcDateTime(length=27), nullable=True))
        batch.add_column(sa.Column("purged_time", UtcDateTime(length=27), nullable=True))
    op.create_table(
        "export_schedules",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("cron", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("window", JsonDocument(), nullable=False),
        sa.Column("request", JsonDocument(), nullable=False),
        sa.Column("delivery", JsonDocument(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("next_fire_time", UtcDateTime(length=27), nullable=True),
        sa.Column("last_fire_time", UtcDateTime(length=27), nullable=True),
        sa.Column("created_time", UtcDateTime(length=27), nullable=False),
        sa.Column("updated_time", UtcDateTime(length=27), nullable=False),
        sa.Column("deleted_time", UtcDateTime(length=27), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_export_schedules_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_export_schedules_site_id_sites")),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_export_schedules_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["token_id"], ["api_tokens.id"], name=op.f("fk_export_schedules_token_id_api_tokens")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_schedules")),
    )
    op.create_index("ix_export_schedules_site_created", "export_schedules", ["site_id", "created_time"])
    op.create_index("ix_export_schedules_due", "export_schedules", ["active", "next_fire_time"])
    op.create_table(
        "schedule_firings",
        sa.Column("schedule_id", sa.String(length=24), nullable=False),
        sa.Column("slot_time", UtcDateTime(length=27), nullable=False),
        sa.Column("job_id", sa.String(length=24), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("fired_time", UtcDateTime(length=27), nullable=False),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["export_schedules.id"],
            name=op.f("fk_schedule_firings_schedule_id_export_schedules"),
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["export_jobs.id"], name=op.f("fk_schedule_firings_job_id_export_jobs")
        ),
        sa.PrimaryKeyConstraint("schedule_id", "slot_time", name=op.f("pk_schedule_firings")),
    )
    op.create_table(
        "legal_holds",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.String(length=24), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("created_time", UtcDateTime(length=27), nullable=False),
        sa.Column("released_by", sa.String(length=320), nullable=True),
        sa.Column("released_time", UtcDateTime(length=27), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_legal_holds_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_legal_holds_site_id_sites")),
        sa.ForeignKeyConstraint(
            ["job_id"], ["export_jobs.id"], name=op.f("fk_legal_holds_job_id_export_jobs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_holds")),
    )
    op.create_index("ix_legal_holds_site", "legal_holds", ["site_id", "released_time"])


def downgrade() -> None:
    op.drop_index("ix_legal_holds_site", table_name="legal_holds")
    op.drop_table("legal_holds")
    op.drop_table("schedule_firings")
    op.drop_index("ix_export_schedules_due", table_name="export_schedules")
    op.drop_index("ix_export_schedules_site_created", table_name="export_schedules")
    op.drop_table("export_schedules")
    with op.batch_alter_table("export_jobs") as batch:
        batch.drop_column("purged_time")
        batch.drop_column("expired_time")
        batch.drop_column("cancelled_time")
        batch.drop_column("cancelled_by")
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("retention_days")
