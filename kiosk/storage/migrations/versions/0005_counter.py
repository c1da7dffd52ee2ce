"""counter: staff members with their own PINs, quotas on goods, announcements, exchange days

The single shop PIN becomes the first shopkeeper.

Revision ID: 0005_counter
Revises: 0004
Create Date: 2026-12-04 13:50:00.000000
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0005_counter"
down_revision = "0004"
branch_labels = None
depends_on = None

PIN_KEY = "admin_pin_hash"  # written out here, not imported
FIRST_NAME = "店主"


def upgrade() -> None:
    staff = op.create_table(
        "staff_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("pin_hash", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_members")),
    )
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
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements")),
    )
    op.create_table(
        "exchange_days",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("opens", sa.String(length=5), nullable=False),
        sa.Column("closes", sa.String(length=5), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_days")),
    )
    op.create_index(op.f("ix_exchange_days_day"), "exchange_days", ["day"], unique=False)
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quota_limit", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("quota_period", sa.String(length=8), nullable=True))

    settings = sa.table(
        "kiosk_settings", sa.column("key", sa.String), sa.column("value", sa.String)
    )
    stored = op.get_bind().scalar(sa.select(settings.c.value).where(settings.c.key == PIN_KEY))
    if stored:
        op.bulk_insert(
            staff,
            [
                {
                    "name": FIRST_NAME,
                    "role": "shopkeeper",
                    "pin_hash": stored,
                    "active": True,
                    "created_at": datetime.now(UTC).replace(tzinfo=None),
                }
            ],
        )
        op.execute(settings.delete().where(settings.c.key == PIN_KEY))


def downgrade() -> None:
    # The first active shopkeeper's PIN becomes the shop PIN again; the others are gone.
    staff = sa.table(
        "staff_members",
        sa.column("id", sa.Integer),
        sa.column("role", sa.String),
        sa.column("pin_hash", sa.String),
        sa.column("active", sa.Boolean),
    )
    first = op.get_bind().scalar(
        sa.select(staff.c.pin_hash)
        .where(staff.c.role == "shopkeeper", staff.c.active.is_(True))
        .order_by(staff.c.id)
        .limit(1)
    )
    if first:
        settings = sa.table(
            "kiosk_settings", sa.column("key", sa.String), sa.column("value", sa.String)
        )
        op.execute(settings.delete().where(settings.c.key == PIN_KEY))
        op.execute(settings.insert().values(key=PIN_KEY, value=first))
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("quota_period")
        batch_op.drop_column("quota_limit")
    op.drop_index(op.f("ix_exchange_days_day"), table_name="exchange_days")
    op.drop_table("exchange_days")
    op.drop_table("announcements")
    op.drop_table("quota_uses")
    op.drop_table("staff_members")
