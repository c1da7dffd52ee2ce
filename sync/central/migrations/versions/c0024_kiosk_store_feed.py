"""kiosk store feed: central notes the kiosks that read their store's feed

Revision ID: c0024_kiosk_store_feed
Revises: c0023_line_check
Create Date: 2026-12-05 09:40:00

The whole feed (`GET /api/v1/changes` without `scope`) is kept for kiosks of protocol 1, and it
carries every household, resident and card of the programme. A kiosk of this release never
reads it; once its token has read its store's feed, central refuses that token the whole feed,
so a thief holding it reads no more than the store's own households.
"""

import sqlalchemy as sa
from alembic import op

revision = "c0024_kiosk_store_feed"
down_revision = "c0023_line_check"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("kiosks") as batch:
        batch.add_column(
            sa.Column("store_feed", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("kiosks") as batch:
        batch.drop_column("store_feed")
