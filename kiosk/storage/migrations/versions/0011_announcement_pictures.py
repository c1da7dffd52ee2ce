"""announcement pictures: the picture the office sent with an announcement

Revision ID: 0011_announcement_pictures
Revises: 0010_history
Create Date: 2026-12-04 18:15:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_announcement_pictures"
down_revision = "0010_history"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("announcements") as batch:
        batch.add_column(sa.Column("picture_type", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("picture", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("announcements") as batch:
        batch.drop_column("picture")
        batch.drop_column("picture_type")
