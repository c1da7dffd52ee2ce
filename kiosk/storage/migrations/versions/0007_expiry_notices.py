"""expiry notices: what central tells each household ahead of a clearing of its points

Revision ID: 0007_expiry
Revises: 0006_store_feed
Create Date: 2026-12-04 14:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_expiry"
down_revision = "0006_store_feed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "expiry_notices",
        sa.Column("household_id", sa.String(length=40), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("household_id", name=op.f("pk_expiry_notices")),
    )


def downgrade() -> None:
    op.drop_table("expiry_notices")
