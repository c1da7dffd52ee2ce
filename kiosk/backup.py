"""Backups of the kiosk database: online copies with retention, checked before a restore.

Every copy is private (0600, in a 0700 folder when the folder is new): a backup holds
everything the database does.
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
from datetime import datetime
from pathlib import Path

from kiosk.storage.files import PRIVATE_DIR, private_file

PREFIX = "kiosk-"
SUFFIX = ".db"


class BackupError(Exception):
    """A backup or restore could not be made; nothing was replaced."""


def sqlite_path(url: str) -> Path:
    """Return the file of a SQLite URL."""
    if not url.startswith("sqlite:///"):
        raise BackupError("backups are made of SQLite kiosk databases only")
    return Path(url.removeprefix("sqlite:///"))


def backup(db: Path, target: Path, *, keep: int | None = None, now: datetime | None = None) -> Path:
    """Copy a live database with SQLite's online backup; a folder target gets a dated file."""
    if not db.exists():
        raise BackupError(f"no database at {db}")
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    if target.is_dir() or target.suffix == "":
        target.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        out = target / f"{PREFIX}{stamp}{SUFFIX}"
    else:
        target.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        out = target
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)  # left by a copy cut short
    private_file(partial)  # SQLite writes into it, and gives its journal the same mode
    source = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        dest = sqlite3.connect(partial)
        try:
            source.backup(dest, pages=1024)
            if dest.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError("the copy failed its integrity check")
        finally:
            dest.close()
    finally:
        source.close()
    partial.replace(out)  # a backup is either whole or absent
    if keep is not None and out.parent == target:
        prune(target, keep)
    return out


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest keep backups in a folder; return what was deleted."""
    found = sorted(folder.glob(f"{PREFIX}*{SUFFIX}"))
    doomed = found[:-keep] if keep > 0 else found
    for path in doomed:
        path.unlink()
    return doomed


def check(path: Path) -> None:
    """Refuse a file that is not an intact kiosk database."""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if con.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{path} is damaged")
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a kiosk database: {exc}") from None
    if not {"ledger_entries", "households", "alembic_version"} <= tables:
        raise BackupError(f"{path} is not a kiosk database")


def restore(backup_file: Path, db: Path, *, now: datetime | None = None) -> Path | None:
    """Put a checked backup in place of the database; keep the replaced one beside it."""
    check(backup_file)
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    kept = None
    if db.exists():
        kept = db.with_name(f"{db.name}.before-restore-{stamp}")
        backup(db, kept)
    for extra in (db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        extra.unlink(missing_ok=True)
    incoming = db.with_name(db.name + ".restoring")
    incoming.unlink(missing_ok=True)
    private_file(incoming)
    shutil.copyfile(backup_file, incoming)
    incoming.replace(db)
    return kept


class DailyBackups:
    """Back the database up once a day into a folder, keeping the newest few."""

    def __init__(self, db: Path, folder: Path, keep: int = 14, hours: float = 24.0) -> None:
        self.db, self.folder, self.keep, self.interval = db, folder, keep, hours * 3600
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last: Path | None = None
        self.error: str | None = None

    def start(self) -> None:
        """Make a backup now and then every interval, in a background thread."""
        self._thread = threading.Thread(target=self._run, name="backups", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.last = backup(self.db, self.folder, keep=self.keep)
                self.error = None
            except (BackupError, OSError, sqlite3.Error) as exc:
                self.error = str(exc)
            self._stop.wait(self.interval)
