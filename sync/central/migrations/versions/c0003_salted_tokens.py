"""salted token hashes

Kiosk and office tokens were stored as unsalted SHA-256 digests. Each row now gets a public
lookup id and a salted scrypt hash. Rows of tokens issued before keep working: their id is
`legacy-` plus the first 16 hex digits of the old digest, and their hash is scrypt over the old
digest, so the stored SHA-256 digests are gone after this step. It cannot be undone (the digests
cannot be recovered from the scrypt hashes).

Revision ID: c0003
Revises: c0002
Create Date: 2026-11-22 22:30:00
"""

import base64
import hashlib
import secrets

import sqlalchemy as sa
from alembic import op

revision = "c0003"
down_revision = "c0002"
branch_labels = None
depends_on = None

# The same form as core.domain.passwords.hash_secret, written out so this step never changes.
N, R, P = 2**14, 8, 1


def _scrypt(text: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(text.encode("utf-8"), salt=salt, n=N, r=R, p=P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${N}${R}${P}${b64(salt).decode()}${b64(digest).decode()}"


def upgrade() -> None:
    conn = op.get_bind()
    for table, key in (("kiosks", "id"), ("office_tokens", "id")):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("token_id", sa.String(length=24), nullable=True))
            batch.alter_column(
                "token_hash", existing_type=sa.String(length=64), type_=sa.String(length=200)
            )
        rows = conn.execute(sa.text(f"SELECT {key}, token_hash FROM {table}")).all()
        for row_key, digest in rows:
            conn.execute(
                sa.text(f"UPDATE {table} SET token_id = :tid, token_hash = :h WHERE {key} = :k"),
                {"tid": "legacy-" + digest[:16], "h": _scrypt(digest), "k": row_key},
            )
        with op.batch_alter_table(table) as batch:
            batch.alter_column("token_id", existing_type=sa.String(length=24), nullable=False)
            batch.create_unique_constraint(op.f(f"uq_{table}_token_id"), ["token_id"])


def downgrade() -> None:
    raise NotImplementedError("salted token hashes cannot be turned back into SHA-256 digests")
