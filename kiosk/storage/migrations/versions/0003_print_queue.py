"""print queue

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 20:08:21.607682
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("receipts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("queued_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("printer_state", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("detail", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("reprint_of", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_receipts_status"), ["status"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_receipts_reprint_of_receipts"), "receipts", ["reprint_of"], ["id"]
        )
    # Before the queue a receipt still "pending" was one nothing would ever print (a slip from
    # the CLI, a crash mid-checkout): the queue must not print it on its own now, years late.
    op.execute("UPDATE receipts SET queued_at = created_at")
    op.execute(
        "UPDATE receipts SET status = 'held', error = 'stale',"
        " detail = 'not printed before the print queue existed' WHERE status = 'pending'"
    )


def downgrade() -> None:
    op.execute("UPDATE receipts SET status = 'failed' WHERE status NOT IN ('pending', 'printed')")
    with op.batch_alter_table("receipts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_receipts_reprint_of_receipts"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_receipts_status"))
        batch_op.drop_column("reprint_of")
        batch_op.drop_column("detail")
        batch_op.drop_column("printer_state")
        batch_op.drop_column("attempts")
        batch_op.drop_column("queued_at")
        batch_op.drop_column("source")
