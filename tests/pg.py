"""PostgreSQL for the tests: the CI server at 127.0.0.1:5432, and databases made and dropped."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

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


# -- a streaming replica of the test server -------------------------------------------------------

PG_BIN = Path("/usr/lib/postgresql/15/bin")
# Settings a hot standby must hold at least as high as its primary does.
STANDBY_MINIMUMS = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)


def _cannot(reason: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must not skip the replica tests)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres(*args: str, timeout: float = 120) -> None:
    done = subprocess.run(
        ["runuser", "-u", "postgres", "--", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:2])} failed: {done.stderr.strip() or done.stdout}")


@dataclass
class StreamingReplica:
    """A hot standby of the test server, streaming from it, on a port of its own."""

    data: Path
    port: int

    def url(self, name: str) -> str:
        """Return the SQLAlchemy URL of database name on the replica."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def sql(self, statement: str):
        """Run one statement on the replica; return its first row."""
        import psycopg

        with psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{self.port}/test", autocommit=True, connect_timeout=3
        ) as conn:
            return conn.execute(statement).fetchone()

    def caught_up(self, timeout: float = 180) -> None:
        """Wait until the replica has replayed all the primary had written when asked."""
        with pg_admin() as admin:
            target = admin.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0]
        deadline = time.monotonic() + timeout
        while True:
            behind = self.sql(f"SELECT pg_last_wal_replay_lsn() < '{target}'::pg_lsn")[0]
            if not behind:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"the replica did not replay up to {target} in {timeout} s")
            time.sleep(0.05)

    def pause(self) -> None:
        """Stop replaying the WAL the replica receives."""
        self.sql("SELECT pg_wal_replay_pause()")

    def resume(self) -> None:
        """Replay again what the replica received."""
        self.sql("SELECT pg_wal_replay_resume()")

    def start(self) -> None:
        """Start the replica's server (and wait until it takes connections)."""
        _as_postgres(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.data / "log"),
            "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop(self) -> None:
        """Stop the replica's server at once."""
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")


def _base_backup(data: Path, attempts: int = 3) -> None:
    # Without a slot: a slot made while the busy test server checkpoints can be dropped as
    # obsolete at once; the server keeps WAL enough (wal_keep_size, set by .ci/run) instead.
    for attempt in range(attempts):
        try:
            _as_postgres(
                str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", "5432", "-U", "postgres",
                "-D", str(data), "-R", "-X", "stream", "--no-slot", "-c", "fast", "--no-sync",
            )  # fmt: skip
            return
        except RuntimeError as exc:
            shutil.rmtree(data, ignore_errors=True)
            if attempt == attempts - 1:
                _cannot(f"cannot copy the test server for a replica: {exc}")
            time.sleep(1)


@contextmanager
def streaming_replica() -> Iterator[StreamingReplica]:
    """Make a hot standby of the test server (`pg_basebackup -R`), start it, then remove it.

    It needs the server on this machine, root (to run PostgreSQL as the postgres user) and a
    replication entry for 127.0.0.1 in the server's pg_hba.conf (`.ci/run` adds it).
    """
    with pg_admin() as admin:  # skips (fails under CI) without a server
        minimums = {name: admin.execute(f"SHOW {name}").fetchone()[0] for name in STANDBY_MINIMUMS}
        senders = int(minimums["max_wal_senders"])
    if os.geteuid() != 0:
        _cannot("a replica of the test server needs root (to run PostgreSQL as postgres)")
    if not (PG_BIN / "pg_basebackup").exists() or shutil.which("runuser") is None:
        _cannot(f"a replica needs PostgreSQL's programs in {PG_BIN} and runuser")
    if senders < 2:
        _cannot("the test server allows no WAL senders (max_wal_senders)")
    import pwd

    postgres = pwd.getpwnam("postgres")
    home = Path(tempfile.mkdtemp(prefix="kt-replica-"))
    os.chown(home, postgres.pw_uid, postgres.pw_gid)
    data = home / "data"
    replica = StreamingReplica(data, _free_port())
    try:
        _base_backup(data)
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(replica.port),
            "unix_socket_directories": f"'{home}'",
            "hot_standby": "on",
            "shared_buffers": "64MB",
            "fsync": "off",
            "wal_receiver_status_interval": "1s",
            **minimums,
        }
        conf = "".join(f"{name} = {value}\n" for name, value in settings.items())
        (data / "postgresql.conf").write_text(conf)
        (data / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
        (data / "pg_ident.conf").write_text("")
        for name in ("postgresql.conf", "pg_hba.conf", "pg_ident.conf"):
            os.chown(data / name, postgres.pw_uid, postgres.pw_gid)
        replica.start()
        yield replica
    finally:
        with suppress(RuntimeError, subprocess.TimeoutExpired):
            replica.stop()
        shutil.rmtree(home, ignore_errors=True)
