"""office: partner stores settled in money

Revision ID: c0012_office
Revises: c0011_areas
Create Date: 2026-12-04 14:00:00

A partner shop (商家联盟) is paid for the points it redeems: each store has a rate in yuan per
point, kept exactly as a decimal (NULL: not settled in money), and a settlement period
(monthly or quarterly).
"""

import sqlalchemy as sa
from alembic import op

revision = "c0012_office"
down_revision = "c0011_areas"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stores") as batch:
        batch.add_column(sa.Column("settlement_rate", sa.Numeric(12, 4), nullable=True))
        batch.add_column(
            sa.Column(
                "settlement_period", sa.String(length=16), nullable=False, server_default="monthly"
            )
        )


def downgrade() -> None:
    # Dropped in place (SQLite 3.35+), not by copying the table: kiosks refer to stores.
    op.drop_column("stores", "settlement_period")
    op.drop_column("stores", "settlement_rate")
