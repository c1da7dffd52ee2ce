"""void lookup: stock moves indexed by the exchange they belong to

Revision ID: c0025_void_lookup
Revises: c0024_kiosk_store_feed
Create Date: 2026-12-05 18:40:00

A void pushed by a kiosk may return only the goods its exchange handed out; ingest reads the
exchange's stock moves to check it. With no index on the moves' exchange, every batch holding a
void read the whole table (each month of it): at a million moves, most of a batch's time.

Building the index holds off writes to the stock moves until it is built (longer the more
moves central holds): on a large central, upgrade while the kiosks are quiet; their pushes
wait, none is lost.
"""

import sqlalchemy as sa
from alembic import op

revision = "c0025_void_lookup"
down_revision = "c0024_kiosk_store_feed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_stock_moves_exchange",
        "stock_moves",
        ["exchange_id"],
        postgresql_where=sa.text("exchange_id IS NOT NULL"),
        sqlite_where=sa.text("exchange_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_stock_moves_exchange", table_name="stock_moves")
