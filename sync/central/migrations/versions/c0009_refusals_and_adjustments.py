"""refusals and adjustments: entries central refused and their reversals; office corrections

Revision ID: c0009_refusals_and_adjustments
Revises: c0008_office_sessions
Create Date: 2026-12-04 05:00:00

Central now refuses ledger entries its rules do not allow (a check-in worth more than its
activity, an adjustment from a kiosk, …). The refused entry and the kiosk's counter-entry that
reverses it are kept here, outside ledger_entries, so each kiosk's hash chain stays whole at
central while no balance or figure counts them.

A card issued at a kiosk is bound to that kiosk's store until the office confirms it, and
remembers the card it replaced, so revoking the kiosk can undo both.

An office correction of a household's points is a counter-entry on central's own chain; its
reason and who made it are kept in adjustments.
"""

import sqlalchemy as sa
from alembic import op

revision = "c0009_refusals_and_adjustments"
down_revision = "c0008_office_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "uncounted_entries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kiosk_id", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("household_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("reversed_by", sa.String(length=36), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_uncounted_entries")),
        sa.UniqueConstraint("kiosk_id", "seq", name=op.f("uq_uncounted_entries_kiosk_id")),
    )
    op.create_index(
        op.f("ix_uncounted_entries_household_id"), "uncounted_entries", ["household_id"]
    )

    op.create_table(
        "adjustments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("household_id", sa.String(length=40), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("ledger_entry_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adjustments")),
    )
    op.create_index(op.f("ix_adjustments_household_id"), "adjustments", ["household_id"])

    # Central's own chain head exists from the start, so credits can lock it (two office
    # corrections at once must not take the same sequence number).
    op.execute(
        "INSERT INTO chain_heads (kiosk_id, last_seq, last_hash) SELECT 'CENTRAL', 0, '"
        + "0" * 64
        + "' WHERE NOT EXISTS (SELECT 1 FROM chain_heads WHERE kiosk_id = 'CENTRAL')"
    )
    with op.batch_alter_table("cards") as batch:
        batch.add_column(sa.Column("issued_by", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("bound_store_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("replaced_id", sa.Integer(), nullable=True))
        batch.create_index(op.f("ix_cards_issued_by"), ["issued_by"])


def downgrade() -> None:
    with op.batch_alter_table("cards") as batch:
        batch.drop_index(op.f("ix_cards_issued_by"))
        batch.drop_column("replaced_id")
        batch.drop_column("bound_store_id")
        batch.drop_column("issued_by")
    op.drop_index(op.f("ix_adjustments_household_id"), table_name="adjustments")
    op.drop_table("adjustments")
    op.drop_index(op.f("ix_uncounted_entries_household_id"), table_name="uncounted_entries")
    op.drop_table("uncounted_entries")
