"""outbox confirmation and sync state

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 19:46:09.369408
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_state",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sync_state")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("household_id", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("points", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(
            sa.Column("status", sa.String(length=16), server_default="pending", nullable=False)
        )
        batch_op.add_column(sa.Column("reason", sa.String(length=200), nullable=True))
        batch_op.create_index(
            "ix_outbox_household_pending", ["household_id", "status"], unique=False
        )
    # Rows written before this revision: what was sent is confirmed, and the points each row
    # moves are read from the ledger entry it carries.
    op.execute("UPDATE outbox SET status = 'sent' WHERE sent_at IS NOT NULL")
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "UPDATE outbox SET household_id = json_extract(payload, '$.ledger.household_id'),"
            " points = json_extract(payload, '$.ledger.points')"
            " WHERE json_extract(payload, '$.ledger') IS NOT NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_household_pending")
        batch_op.drop_column("reason")
        batch_op.drop_column("status")
        batch_op.drop_column("points")
        batch_op.drop_column("household_id")

    op.drop_table("sync_state")
