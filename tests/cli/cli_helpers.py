"""Run the `kiosk` command as a user would."""

from __future__ import annotations

import os
import subprocess
import sys


def run_kiosk(*args: str, timeout: float = 60, **kw) -> subprocess.CompletedProcess[str]:
    """Run the kiosk CLI in a fresh interpreter and capture what it prints; env adds to (or
    overrides) this process's environment."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **kw.pop("env", {})}
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        stdin=subprocess.DEVNULL,
        **kw,
    )
