"""store feed: a household's balance as central confirmed it, and up to which own entry

Revision ID: 0006_store_feed
Revises: 0005_counter
Create Date: 2026-12-04 14:05:00

The kiosk reads its store's feed: central sends each household's confirmed balance instead of
every other kiosk's entries. The kiosk keeps it (confirmed_balance, None until the first one
arrives) and the highest sequence of its own ledger entries central said it took in
(confirmed_seq); the balance it shows is the confirmed one plus its own later entries.

An own entry central has answered for is taken in already, so confirmed_seq starts at the
highest such entry of each household.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_store_feed"
down_revision = "0005_counter"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("households") as batch:
        batch.add_column(sa.Column("confirmed_balance", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("confirmed_seq", sa.Integer(), nullable=False, server_default="0")
        )
    op.execute(
        "UPDATE households SET confirmed_seq = coalesce(("
        " SELECT max(l.seq) FROM ledger_entries l"
        " JOIN outbox o ON json_extract(o.payload, '$.ledger.id') = l.id"
        " WHERE l.household_id = households.id AND o.status <> 'pending'), 0)"
    )


def downgrade() -> None:
    with op.batch_alter_table("households") as batch:
        batch.drop_column("confirmed_seq")
        batch.drop_column("confirmed_balance")
