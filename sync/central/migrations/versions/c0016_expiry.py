"""expiry: spendable points cleared under the programme's policy, and notices ahead

Revision ID: c0016_expiry
Revises: c0015_counter
Create Date: 2026-12-04 14:00:00

Each expiry is a counter-entry on central's own chain (kind "expire"); `expiries` keeps which
boundary it belongs to, so a boundary is cleared once per household however often the job
runs. `expiry_notices` holds what each household is told ahead ("N 分将于 1 月 10 日清零"),
so kiosks learn of a change only when it changes. The policy itself is a central setting.
"""

import sqlalchemy as sa
from alembic import op

revision = "c0016_expiry"
down_revision = "c0015_counter"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "expiries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("household_id", sa.String(length=40), nullable=False),
        sa.Column("boundary", sa.Date(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("policy", sa.String(length=200), nullable=False),
        sa.Column("ledger_entry_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expiries")),
        sa.UniqueConstraint("household_id", "boundary", name=op.f("uq_expiries_household_id")),
    )
    op.create_table(
        "expiry_notices",
        sa.Column("household_id", sa.String(length=40), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("household_id", name=op.f("pk_expiry_notices")),
    )


def downgrade() -> None:
    op.drop_table("expiry_notices")
    op.drop_table("expiries")
