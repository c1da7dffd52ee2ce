"""kiosk settings: the PIN, its lock and the screen settings leave sync_state

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 10:05:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Written out here, not imported: a migration stays as it was written whatever the app becomes.
KEYS = (
    "admin_pin_hash",
    "admin_pin_failures",
    "admin_pin_locked_until",
    "admin_session_epoch",
    "ui_voice",
    "ui_low_stock",
)


def _move(source: str, target: str) -> None:
    """Copy the kiosk's own keys from one key/value table to the other, then drop them there."""
    old = sa.table(source, sa.column("key", sa.String), sa.column("value", sa.String))
    new = sa.table(target, sa.column("key", sa.String), sa.column("value", sa.String))
    mine = old.c.key.in_(KEYS)
    op.execute(
        new.insert().from_select(["key", "value"], sa.select(old.c.key, old.c.value).where(mine))
    )
    op.execute(old.delete().where(mine))


def upgrade() -> None:
    op.create_table(
        "kiosk_settings",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_kiosk_settings")),
    )
    _move("sync_state", "kiosk_settings")


def downgrade() -> None:
    _move("kiosk_settings", "sync_state")
    op.drop_table("kiosk_settings")
