"""counter: quotas on scarce goods and their uses, announcements, collective exchange days

Revision ID: c0015_counter
Revises: c0014_store_feed
Create Date: 2026-12-04 14:00:00

A product may carry a limit per household per week or month. Central counts each household's
uses per kiosk and period as exchanges arrive and tells every kiosk, so a kiosk counts what the
household took elsewhere; an overrun that still happens (two offline stores) is an office alert.
The office posts announcements for stores' idle screens and schedules exchange days per store.
"""

import sqlalchemy as sa
from alembic import op

revision = "c0015_counter"
down_revision = "c0014_store_feed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quota_limit", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("quota_period", sa.String(length=8), nullable=True))
    op.create_table(
        "quota_uses",
        sa.Column("household_id", sa.String(length=40), nullable=False),
        sa.Column("product_code", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("kiosk_id", sa.String(length=40), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "household_id", "product_code", "period", "kiosk_id", name=op.f("pk_quota_uses")
        ),
    )
    op.create_table(
        "announcements",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("starts", sa.Date(), nullable=False),
        sa.Column("ends", sa.Date(), nullable=False),
        sa.Column("store_ids", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements")),
    )
    op.create_table(
        "exchange_days",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("opens", sa.String(length=5), nullable=False),
        sa.Column("closes", sa.String(length=5), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_exchange_days_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_days")),
    )
    op.create_index(op.f("ix_exchange_days_store_id"), "exchange_days", ["store_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_exchange_days_store_id"), table_name="exchange_days")
    op.drop_table("exchange_days")
    op.drop_table("announcements")
    op.drop_table("quota_uses")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("quota_period")
        batch_op.drop_column("quota_limit")
