"""Filter indexes that also give the export order: (site, signer | contract, created_time, id).

With `id` last, a filter on signer_id or contract is answered by an index range that already
comes in the export's default order (-created_time, -id), so the planner prefers it to the
window index without statistics, on SQLite and PostgreSQL alike.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_activities_site_signer", table_name="activities")
    op.drop_index("ix_activities_site_contract", table_name="activities")
    op.create_index("ix_activities_site_signer", "activities", ["site_id", "signer_id", "created_time", "id"])
    op.create_index(
        "ix_activities_site_contract", "activities", ["site_id", "contract_id", "created_time", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_activities_site_signer", table_name="activities")
    op.drop_index("ix_activities_site_contract", table_name="activities")
    op.create_index("ix_activities_site_signer", "activities", ["site_id", "signer_id"])
    op.create_index("ix_activities_site_contract", "activities", ["site_id", "contract_id", "created_time"])
