"""claims: the rule book the kiosk holds, and the claims its staff recorded

Revision ID: 0009_claims
Revises: 0008_board
Create Date: 2026-12-04 17:30:00.000000

`rules` is central's rule book as the feed brings it; `claims` keeps what the kiosk recorded
(the photos travel in the claim's outbox entry and are not kept twice) and the office's
decision once the feed brings it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_claims"
down_revision = "0008_board"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rules",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("evidence", sa.String(length=8), nullable=False),
        sa.Column("approver", sa.String(length=8), nullable=False),
        sa.Column("cap_scope", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_rules")),
    )
    op.create_table(
        "claims",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("rule_code", sa.String(length=32), nullable=False),
        sa.Column("household_id", sa.String(length=40), nullable=False),
        sa.Column("residents", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("photos", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.String(length=80), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claims")),
    )
    op.create_index(op.f("ix_claims_recorded_at"), "claims", ["recorded_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_claims_recorded_at"), table_name="claims")
    op.drop_table("claims")
    op.drop_table("rules")
