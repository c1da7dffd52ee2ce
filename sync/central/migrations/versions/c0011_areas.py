"""areas: county, town, village and villagers' group; households, stores and users placed in them

Revision ID: c0011_areas
Revises: c0010_rules_claims
Create Date: 2026-12-04 14:00:00

The programme's areas form a tree (county → town → village → group, 村民小组), each row naming
its parent and its whole path (县/镇/村/组) for display and lookup. A household belongs to a
group, a store to a village, an office user to any area (none: the whole programme), and an
office token may belong to a user, whose role and area it then takes.
"""

import sqlalchemy as sa
from alembic import op

revision = "c0011_areas"
down_revision = "c0010_rules_claims"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "areas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("path", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_areas")),
        sa.UniqueConstraint("path", name=op.f("uq_areas_path")),
    )
    op.create_index(op.f("ix_areas_parent_id"), "areas", ["parent_id"])
    op.add_column("households", sa.Column("area_id", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_households_area_id"), "households", ["area_id"])
    op.add_column("stores", sa.Column("area_id", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_stores_area_id"), "stores", ["area_id"])
    op.add_column("office_users", sa.Column("area_id", sa.Integer(), nullable=True))
    op.add_column("office_tokens", sa.Column("user_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    # SQLite drops a column in place (3.35+): no table is rebuilt, so no trigger is lost.
    op.drop_column("office_tokens", "user_id")
    op.drop_column("office_users", "area_id")
    op.drop_index(op.f("ix_stores_area_id"), table_name="stores")
    op.drop_column("stores", "area_id")
    op.drop_index(op.f("ix_households_area_id"), table_name="households")
    op.drop_column("households", "area_id")
    op.drop_index(op.f("ix_areas_parent_id"), table_name="areas")
    op.drop_table("areas")
