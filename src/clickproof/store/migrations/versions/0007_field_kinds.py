"""the JSON kinds seen per key of the custom and render families

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 15:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# The stored rows' kinds, as the write path records them from now on (store/activities.py).
_SQLITE_BACKFILL = """
INSERT OR IGNORE INTO field_kinds (site_id, family, key, kind)
SELECT DISTINCT a.site_id, '{family}', j.key,
       CASE j.type WHEN 'text' THEN 'string' WHEN 'integer' THEN 'number' WHEN 'real' THEN 'number'
                   WHEN 'true' THEN 'boolean' WHEN 'false' THEN 'boolean' ELSE j.type END
FROM activities a, json_each(a.{family}_data) j
WHERE j.type <> 'null'
"""
_POSTGRES_BACKFILL = """
INSERT INTO field_kinds (site_id, family, key, kind)
SELECT DISTINCT a.site_id, '{family}', j.key, jsonb_typeof(j.value)
FROM activities a, jsonb_each(a.{family}_data) j
WHERE jsonb_typeof(j.value) <> 'null'
ON CONFLICT DO NOTHING
"""


def upgrade() -> None:
    op.create_table(
        "field_kinds",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("family", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=256), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_field_kinds_site_id_sites")),
        sa.PrimaryKeyConstraint("site_id", "family", "key", "kind", name=op.f("pk_field_kinds")),
    )
    backfill = _POSTGRES_BACKFILL if op.get_bind().dialect.name == "postgresql" else _SQLITE_BACKFILL
    for family in ("custom", "render"):
        op.execute(backfill.format(family=family))


def downgrade() -> None:
    op.drop_table("field_kinds")
