"""announcement pictures: an announcement may carry a picture and name villages

Revision ID: c0021_announcement_pictures
Revises: c0018_partitions
Create Date: 2026-12-04 18:15:00

The office's announcements may carry one small JPEG or PNG picture, which the feed takes to
the kiosks, and may be aimed at villages (area paths) as well as at stores.
"""

import sqlalchemy as sa
from alembic import op

revision = "c0021_announcement_pictures"
down_revision = "c0018_partitions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("announcements") as batch:
        batch.add_column(
            sa.Column("villages", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch.add_column(sa.Column("picture_type", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("picture", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("announcements") as batch:
        batch.drop_column("picture")
        batch.drop_column("picture_type")
        batch.drop_column("villages")
