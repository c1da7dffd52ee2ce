"""The kiosk's files on disk: a private data folder, private database files and backups.

The database holds residents' names, the books and the PIN's hash; backups hold the same. Only
the kiosk's own user may read them: the folder is 0700 and every file 0600, whatever the umask
of whoever started the kiosk, and files left readable by an older version are fixed at start.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from kiosk.config import Settings

log = logging.getLogger(__name__)

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
UMASK = 0o077  # new files: the owner's only
# What the kiosk (and the demo) keep in the data folder, besides the backups folder.
KIOSK_FILES = ("kiosk.db*", "central.db*", "*.secret", "demo-kiosk.json")
BACKUPS = "backups"
SPEECH = "speech"  # spoken prompts' audio: they can say residents' names
PROBE_BYTES = 64 * 1024  # about what one checkout writes, journal included
# Why a folder cannot be written, in the shopkeeper's words and the technician's.
REASONS = {
    errno.EROFS: ("只读文件系统", "read-only file system"),
    errno.ENOSPC: ("磁盘已满", "the disk is full"),
    errno.EDQUOT: ("磁盘配额已用完", "the disk quota is used up"),
    errno.EACCES: ("没有写入权限", "no permission to write"),
    errno.EPERM: ("没有写入权限", "no permission to write"),
}


class StorageError(Exception):
    """The data folder cannot be written: the kiosk must not start."""


def storage_error(folder: Path, exc: OSError) -> StorageError:
    """Return the error naming a folder and why it cannot be written, in Chinese and English."""
    zh, en = REASONS.get(exc.errno or 0, (exc.strerror or str(exc),) * 2)
    return StorageError(
        f"数据目录无法写入：{folder}（{zh}）。请腾出磁盘空间或以可写方式挂载后再启动。\n"
        f"cannot write to the data folder {folder} ({en}); free some space or mount it "
        "writable, then start again."
    )


def write_refused(exc: BaseException) -> bool:
    """Tell whether an error is the disk refusing a write (full or read-only): inside a unit of
    work it arrives as StorageUnavailable, outside one (a migration) as the driver's error."""
    from sqlalchemy.exc import OperationalError

    from core.db.engine import storage_problem
    from core.domain.errors import StorageUnavailable

    if isinstance(exc, StorageUnavailable):
        return True
    return isinstance(exc, OperationalError) and storage_problem(exc) is not None


def check_writable(folder: Path) -> None:
    """Raise StorageError unless a file can be written to folder and synced to the disk."""
    probe = folder / f".write-test-{os.getpid()}"
    try:
        folder.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
        try:
            left = memoryview(bytes(PROBE_BYTES))
            while left:  # a nearly full disk takes part of a write, then refuses the rest
                left = left[os.write(fd, left) :]
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise storage_error(folder, exc) from None
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()


def check_database_writable(db: Path) -> None:
    """Raise StorageError when the database file exists but may not be written."""
    if db.exists() and not os.access(db, os.W_OK):
        raise storage_error(db, PermissionError(errno.EACCES, "not writable"))


@contextlib.contextmanager
def private_umask() -> Iterator[None]:
    """Create files for the owner only while the block runs (the whole life of a command)."""
    before = os.umask(UMASK)
    try:
        yield
    finally:
        os.umask(before)


def private_dir(path: Path) -> None:
    """Create a folder only its owner may enter, or make an existing one so."""
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    _restrict(path, PRIVATE_DIR)


def private_file(path: Path) -> None:
    """Create an empty file only its owner may read, or make an existing one so."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    except FileExistsError:
        _restrict(path, PRIVATE_FILE)


def _restrict(path: Path, wanted: int) -> None:
    try:
        if stat.S_IMODE(path.stat().st_mode) != wanted:
            path.chmod(wanted)
    except PermissionError:  # another user's file: say so, the kiosk still runs
        log.warning("cannot make %s private (mode %o): not its owner", path, wanted)


def secure_data_dir(data_dir: Path, db: Path | None) -> None:
    """Make the data folder, the database with its journals, the backups and speech private.

    A database not made yet is created empty and private first: SQLite gives its -wal and
    -shm files the database file's own mode.
    """
    private_dir(data_dir)
    found = [p for pattern in KIOSK_FILES for p in data_dir.glob(pattern)]
    if db is not None:
        # A database configured elsewhere: its folder is the operator's, its files are ours.
        db.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        if not db.exists():
            private_file(db)
        found += list(db.parent.glob(db.name + "*"))
    for path in found:
        if path.is_file():
            _restrict(path, PRIVATE_FILE)
    for folder in (data_dir / BACKUPS, data_dir / SPEECH):
        if folder.is_dir():
            _restrict(folder, PRIVATE_DIR)
            for path in folder.rglob("*"):
                _restrict(path, PRIVATE_DIR if path.is_dir() else PRIVATE_FILE)


def protect_config(path: Path, settings: Settings) -> None:
    """Make a configuration file that holds the central token readable by its owner only."""
    if not settings.central.token:
        return
    try:
        found = path.stat()
    except OSError:
        return
    if not found.st_mode & 0o077:
        return
    if found.st_uid == os.geteuid():
        with contextlib.suppress(OSError):
            path.chmod(stat.S_IMODE(found.st_mode) & ~0o077)
            return
    log.warning(
        "%s holds the central token and others may read it: chmod 600 %s "
        "（配置文件含中心令牌，其他用户可读，请执行 chmod 600）",
        path,
        path,
    )
