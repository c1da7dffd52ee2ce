"""rules and claims: the rule book, claims with photos waiting for approval, activity rules

Revision ID: c0010_rules_claims
Revises: c0009_refusals_and_adjustments
Create Date: 2026-12-04 14:00:00

The rule book (积分细则) says what a deed adds or a fault deducts, what evidence it needs, who
approves it and how often it may count. A claim names a rule and a household (and, for a rule
counted per resident, its residents); it waits until an approver approves it, which books the
points on central's own chain, or rejects it with a reason. A deduction never takes a balance
below zero: what could not be deducted is kept as the claim's shortfall. Photos are stored in
the database with their claim, so a claim and its photos are written in one transaction.
"""

import sqlalchemy as sa
from alembic import op

revision = "c0010_rules_claims"
down_revision = "c0009_refusals_and_adjustments"
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
        sa.Column("cap_period", sa.String(length=8), nullable=False),
        sa.Column("cap_count", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_rules")),
    )
    op.create_table(
        "claims",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("rule_code", sa.String(length=32), nullable=False),
        sa.Column("household_id", sa.String(length=40), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=True),
        sa.Column("shortfall", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.String(length=80), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("ledger_entry_id", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claims")),
    )
    op.create_index(op.f("ix_claims_rule_code"), "claims", ["rule_code"])
    op.create_index(op.f("ix_claims_household_id"), "claims", ["household_id"])
    op.create_index("ix_claims_status_recorded", "claims", ["status", "recorded_at"])
    op.create_table(
        "claim_residents",
        sa.Column("claim_id", sa.String(length=36), nullable=False),
        sa.Column("resident_id", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("claim_id", "resident_id", name=op.f("pk_claim_residents")),
    )
    op.create_index(op.f("ix_claim_residents_resident_id"), "claim_residents", ["resident_id"])
    op.create_table(
        "claim_photos",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("claim_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(length=16), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_photos")),
    )
    op.create_index(op.f("ix_claim_photos_claim_id"), "claim_photos", ["claim_id"])
    with op.batch_alter_table("activities") as batch:
        batch.add_column(sa.Column("rule_code", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("activities") as batch:
        batch.drop_column("rule_code")
    op.drop_index(op.f("ix_claim_photos_claim_id"), table_name="claim_photos")
    op.drop_table("claim_photos")
    op.drop_index(op.f("ix_claim_residents_resident_id"), table_name="claim_residents")
    op.drop_table("claim_residents")
    op.drop_index("ix_claims_status_recorded", table_name="claims")
    op.drop_index(op.f("ix_claims_household_id"), table_name="claims")
    op.drop_index(op.f("ix_claims_rule_code"), table_name="claims")
    op.drop_table("claims")
    op.drop_table("rules")
