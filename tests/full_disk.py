"""Small real filesystems for tests: a tmpfs of a few megabytes, to fill or make read-only.

Mounting needs root (CAP_SYS_ADMIN); where it is refused, tests that need it are skipped with
the reason the mount gave.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def tmpfs(path: Path, size: str = "16m", *, readonly: bool = False) -> Iterator[Path]:
    """Mount a tmpfs of that size at path for the block (skip the test if it cannot be)."""
    path.mkdir(parents=True, exist_ok=True)
    options = f"size={size},mode=0700" + (",ro" if readonly else "")
    try:
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (FileNotFoundError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"a small filesystem cannot be mounted here: {exc}")
    if mounted.returncode != 0:
        pytest.skip(
            "a small filesystem cannot be mounted here (needs root with CAP_SYS_ADMIN): "
            + (mounted.stderr.strip() or f"mount exited {mounted.returncode}")
        )
    try:
        yield path
    finally:
        # Lazily: a database engine closing after the test may still hold a file open.
        subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=10)


def remount_read_only(path: Path) -> None:
    """Make a mounted test filesystem read-only (skip the test if it cannot be)."""
    done = subprocess.run(
        ["mount", "-o", "remount,ro", str(path)], capture_output=True, text=True, timeout=10
    )
    if done.returncode:
        pytest.skip(f"the test filesystem cannot be made read-only: {done.stderr.strip()}")


def fill(folder: Path) -> Path:
    """Write a file into folder until the filesystem is full; return it (delete it to free)."""
    filler = folder / "filler.bin"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        size = 1 << 16
        while size:  # the last blocks smaller and smaller, until not one byte fits
            try:
                os.write(fd, b"\0" * size)
            except OSError:
                size //= 2
    finally:
        os.close(fd)
    return filler
