"""history notes: what each of central's own entries for a household was for

Revision ID: 0010_history
Revises: 0009_claims
Create Date: 2026-12-04 17:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_history"
down_revision = "0009_claims"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "history_notes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("household_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("what", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_history_notes")),
    )
    op.create_index(
        "ix_history_notes_household_created", "history_notes", ["household_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_history_notes_household_created", table_name="history_notes")
    op.drop_table("history_notes")
