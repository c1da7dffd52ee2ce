"""Four gunicorn workers started at once on an empty PostgreSQL database migrate it once.

Each worker imports sync.central.wsgi, which migrates at import; the migration's advisory lock
(core.db.migrate) makes the others wait and then find the schema at head.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psycopg
import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from sync.central import server
from tests.pg import PG_URL, new_database, pg_admin

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 4
# Logged by each worker once it has imported the app (and so migrated).
HOOKS = """
def post_worker_init(worker):
    worker.log.info("worker %s ready", worker.pid)
"""

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _head() -> str:
    cfg = Config()
    cfg.set_main_option("script_location", str(server.MIGRATIONS))
    return ScriptDirectory.from_config(cfg).get_current_head()


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found |= {int(child) for child in task.read_text().split()}
    return found


@pytest.fixture
def empty_database():
    pg_admin().close()  # skips without a server (fails under CI)
    with new_database("kt_wsgi") as name:
        yield name


def test_four_workers_on_an_empty_database_migrate_it_once_and_all_boot(empty_database, tmp_path):
    hooks = tmp_path / "hooks.py"
    hooks.write_text(HOOKS)
    log = tmp_path / "gunicorn.log"
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "KIOSK_CENTRAL_DATABASE_URL": PG_URL.format(name=empty_database),
    }
    command = [sys.executable, "-m", "gunicorn", "-w", str(WORKERS), "-c", str(hooks)]
    command += ["-b", f"127.0.0.1:{port}", "--log-file", str(log), "sync.central.wsgi:app"]
    master = subprocess.Popen(command, cwd=tmp_path, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while len(re.findall(r"worker \d+ ready", _read(log))) < WORKERS:
            assert master.poll() is None, f"gunicorn stopped:\n{_read(log)[-3000:]}"
            assert time.monotonic() < deadline, f"workers not ready:\n{_read(log)[-3000:]}"
            time.sleep(0.3)
        text = _read(log)
        assert "Exception in worker process" not in text, text[-3000:]
        assert len(re.findall(r"Booting worker with pid", text)) == WORKERS, text[-3000:]
        assert len(_children(master.pid)) == WORKERS

        with psycopg.connect(PG_URL.format(name=empty_database).replace("+psycopg", "")) as db:
            versions = db.execute("SELECT version_num FROM alembic_version").fetchall()
            settings = db.execute("SELECT key, value FROM central_settings").fetchall()
        assert versions == [(_head(),)]
        assert settings == [("timezone", "Asia/Shanghai")]

        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/api/v1/health", timeout=30).json() == {"ok": True}
        answer = httpx.get(f"{base}/api/v1/openapi.json", timeout=30)
        assert answer.status_code == 200 and answer.json()["openapi"].startswith("3.1")
    finally:
        os.killpg(master.pid, signal.SIGTERM)
        try:
            master.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(master.pid, signal.SIGKILL)
            master.wait(timeout=10)


def _read(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""
