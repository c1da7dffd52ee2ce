"""The kiosk's own small facts (the PIN, its lock, the screen settings), kept as key and value."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kiosk.storage.models import KioskSetting


def read(s: Session, key: str, default: str = "") -> str:
    """Return a stored setting, or ``default`` when it was never set."""
    row = s.get(KioskSetting, key)
    return row.value if row is not None else default


def write(s: Session, key: str, value: str) -> None:
    """Store a setting in the current transaction."""
    row = s.get(KioskSetting, key)
    if row is None:
        s.add(KioskSetting(key=key, value=value))
    else:
        row.value = value
