"""office sessions: a signed-in office browser is a row that sign-out and user changes delete

Revision ID: c0008_office_sessions
Revises: c0007_local_months
Create Date: 2026-12-04 09:00:00

The office web kept who was signed in only in its signed cookie, so a copy of the cookie worked
after sign-out, and a demoted or deactivated user kept their rights until it expired. Each
sign-in now adds a row keyed by the SHA-256 of a random token the cookie carries; every request
looks the row up with its user, and sign-out, a new password, a new role or deactivation delete
rows. Cookies from before the upgrade carry no token: everyone signs in again once.
"""

import sqlalchemy as sa
from alembic import op

revision = "c0008_office_sessions"
down_revision = "c0007_local_months"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "office_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["office_users.id"],
            name=op.f("fk_office_sessions_user_id_office_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_office_sessions")),
    )
    op.create_index(op.f("ix_office_sessions_user_id"), "office_sessions", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_office_sessions_user_id"), table_name="office_sessions")
    op.drop_table("office_sessions")
