"""PostgreSQL for the tests: the CI server at 127.0.0.1:5432, and databases made and dropped."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
NO_PG = "no PostgreSQL server at 127.0.0.1:5432"


def pg_admin():
    """Return an autocommit connection to the server; skip without one (fail under CI)."""
    import psycopg

    try:
        return psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        if os.environ.get("CI"):
            pytest.fail(f"{NO_PG} (CI must not skip the PostgreSQL tests)")
        pytest.skip(NO_PG)


@contextmanager
def new_database(prefix: str = "kt", template: str | None = None) -> Iterator[str]:
    """Create a database (empty, or a copy of template), yield its name, then drop it."""
    name = f"{prefix}_{secrets.token_hex(6)}"
    copy = f" TEMPLATE {template}" if template else ""
    with pg_admin() as admin:
        admin.execute(f"CREATE DATABASE {name}{copy}")
    try:
        yield name
    finally:
        with pg_admin() as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
