"""`kiosk backup` and `kiosk restore`: online copies, retention, and a checked restore."""

from __future__ import annotations

import sqlite3

from cli_helpers import run_kiosk

from kiosk.backup import backup, prune


def balance(db, household: str) -> int:
    with sqlite3.connect(db) as con:
        return con.execute("SELECT balance FROM households WHERE id = ?", (household,)).fetchone()[
            0
        ]


def test_a_backup_restored_brings_back_the_books_as_they_were(store, tmp_path):
    config, data = store
    db = data / "kiosk.db"
    made = run_kiosk("backup", "--config", str(config), "--to", str(tmp_path / "usb"))
    assert made.returncode == 0, made.stderr
    copy = next((tmp_path / "usb").glob("kiosk-*.db"))
    before = balance(db, "H0001")
    with sqlite3.connect(db) as con:
        con.execute("UPDATE households SET balance = 0 WHERE id = 'H0001'")
    restored = run_kiosk("restore", "--config", str(config), str(copy))
    assert restored.returncode == 0, restored.stderr
    assert balance(db, "H0001") == before
    assert list(data.glob("kiosk.db.before-restore-*"))  # the replaced file is kept
    assert run_kiosk("doctor", "--data", str(data)).returncode == 0


def test_restore_refuses_a_file_that_is_not_a_kiosk_database(store, tmp_path):
    config, data = store
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    before = (data / "kiosk.db").read_bytes()
    result = run_kiosk("restore", "--config", str(config), str(junk))
    assert result.returncode == 1
    assert "nothing was changed" in result.stderr
    assert (data / "kiosk.db").read_bytes() == before


def test_backups_in_a_folder_keep_only_the_newest(store, tmp_path):
    from datetime import datetime, timedelta

    _, data = store
    folder = tmp_path / "daily"
    start = datetime(2026, 11, 1, 3, 0)
    for day in range(5):
        backup(data / "kiosk.db", folder, keep=3, now=start + timedelta(days=day))
    names = sorted(p.name for p in folder.glob("kiosk-*.db"))
    assert names == [
        "kiosk-20261103-030000.db",
        "kiosk-20261104-030000.db",
        "kiosk-20261105-030000.db",
    ]
    assert prune(folder, 1) and len(list(folder.glob("kiosk-*.db"))) == 1
