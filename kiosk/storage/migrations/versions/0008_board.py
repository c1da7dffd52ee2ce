"""board: the village's 公示 board for the month, as central posted it to this store

Revision ID: 0008_board
Revises: 0007_expiry
Create Date: 2026-12-04 17:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_board"
down_revision = "0007_expiry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "board_postings",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("month", name=op.f("pk_board_postings")),
    )


def downgrade() -> None:
    op.drop_table("board_postings")
