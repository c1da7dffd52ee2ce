"""store feed: each store's set of households, and the feed indexed by store

Revision ID: c0014_store_feed
Revises: c0013_ingest
Create Date: 2026-12-04 14:00:00

A kiosk that asks for its store's feed receives the households of its store's set (those that
have shopped or been looked up there), their confirmed balances and the programme's catalogue,
instead of every kiosk's ledger entries. store_members holds the set; a household joins it when
its first entry at the store arrives or a kiosk of the store looks its card up. `announced`
says whether its records have been written to the store's feed yet (the households that had
shopped at a store before this revision are announced when a kiosk of it first asks).

The feed is read by (store, cursor) and, for the changes meant for every store, through a
partial index that leaves the per-entry ledger changes (kept for older kiosks) out.
"""

import sqlalchemy as sa
from alembic import op

revision = "c0014_store_feed"
down_revision = "c0013_ingest"
branch_labels = None
depends_on = None


# The changes every store's feed carries (sync.protocol.EVERY_STORE_KINDS), written out here.
EVERYONE = "store_id IS NULL AND kind IN ('product', 'activity', 'announcement')"


def upgrade() -> None:
    op.create_table(
        "store_members",
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.String(length=40), nullable=False),
        sa.Column("joined_at", sa.DateTime(), nullable=False),
        sa.Column("announced", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.PrimaryKeyConstraint("store_id", "household_id", name=op.f("pk_store_members")),
    )
    op.create_index("ix_store_members_household", "store_members", ["household_id", "store_id"])
    op.create_index(
        "ix_store_members_unannounced",
        "store_members",
        ["store_id"],
        postgresql_where=sa.text("NOT announced"),
        sqlite_where=sa.text("NOT announced"),
    )
    op.create_index("ix_changes_store_cursor", "changes", ["store_id", "id"])
    op.create_index(
        "ix_changes_everyone",
        "changes",
        ["id"],
        postgresql_where=sa.text(EVERYONE),
        sqlite_where=sa.text(EVERYONE),
    )
    # The households each store has served so far: its ledger entries and its exchanges.
    op.execute(
        "INSERT INTO store_members (store_id, household_id, joined_at, announced) "
        "SELECT store_id, household_id, min(created_at), false FROM ("
        " SELECT store_id, household_id, created_at FROM ledger_entries"
        " WHERE store_id IS NOT NULL AND store_id > 0"
        " UNION ALL SELECT store_id, household_id, created_at FROM exchanges"
        ") served GROUP BY store_id, household_id"
    )


def downgrade() -> None:
    op.drop_index("ix_changes_everyone", table_name="changes")
    op.drop_index("ix_changes_store_cursor", table_name="changes")
    op.drop_index("ix_store_members_unannounced", table_name="store_members")
    op.drop_index("ix_store_members_household", table_name="store_members")
    op.drop_table("store_members")
