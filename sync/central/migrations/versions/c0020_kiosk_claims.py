"""kiosk claims: a claim remembers the kiosk that recorded it

Revision ID: c0020_kiosk_claims
Revises: c0016_expiry
Create Date: 2026-12-04 17:30:00

A claim recorded at a kiosk's admin screen arrives in that kiosk's push; the office's decision
goes back to the kiosk's store through its feed, so the claim keeps the kiosk's id (null for a
claim recorded in the office).
"""

import sqlalchemy as sa
from alembic import op

revision = "c0020_kiosk_claims"
down_revision = "c0016_expiry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("claims") as batch:
        batch.add_column(sa.Column("kiosk_id", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("claims") as batch:
        batch.drop_column("kiosk_id")
