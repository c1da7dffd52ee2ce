"""What the kiosk leaves on its disk: private files, and nothing that opens the admin screen."""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from kiosk import cli, config
from kiosk.backup import DailyBackups, backup, restore
from kiosk.bootstrap import bootstrap
from kiosk.services import staff
from printer.simulator import SimulatedPrinter
from terminal_ui import create_app

PIN = "135790"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask():
    """Run as a careless service would: files made readable by everyone unless told otherwise."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def _kiosk(data: Path, clock=None):
    settings = config.load(None, env={}, kiosk={"data_dir": str(data), "id": "T01"})
    return bootstrap(settings, clock=clock, printer=SimulatedPrinter())


def _forge(secret: str | bytes, session: dict) -> str:
    """Sign an admin session cookie with a key, as Flask would."""
    signer = Flask("forger")
    signer.secret_key = secret
    return SecureCookieSessionInterface().get_signing_serializer(signer).dumps(session)


def test_a_cookie_signed_with_anything_on_the_kiosks_disk_does_not_open_the_admin_screen(
    seeded, tmp_path
):
    rt, cards = seeded
    staff.set_pin(rt.kiosk, PIN, actor="test")
    app = create_app(rt, {"DEMO_CARDS": cards})
    client = app.test_client()
    assert client.get("/admin/login").status_code == 200  # the screen is up and has signed
    # Someone copies the disk (a stolen SD card, a backup on a USB stick) and reads it all.
    with sqlite3.connect(tmp_path / "kiosk.db") as con:
        facts = dict(con.execute("SELECT key, value FROM sync_state"))
    epoch = int(facts.get("admin_session_epoch", "0") or 0)
    forged = {"admin": True, "epoch": epoch, "seen": datetime.now().isoformat(), "csrf": "x"}
    candidates = [value for value in facts.values() if value] + [
        path.read_bytes() for path in tmp_path.iterdir() if path.is_file()
    ]
    assert candidates

    for secret in candidates:
        intruder = app.test_client()
        intruder.set_cookie("kiosk_admin", _forge(secret, forged), path="/admin")
        answer = intruder.get("/admin/")
        assert answer.status_code == 302 and "/admin/login" in answer.location


def test_the_shopkeeper_still_signs_in_with_the_pin_and_stays_signed_in(seeded):
    rt, cards = seeded
    staff.set_pin(rt.kiosk, PIN, actor="test")
    client = create_app(rt, {"DEMO_CARDS": cards}).test_client()
    page = client.get("/admin/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]

    assert client.post("/admin/login", data={"csrf_token": token, "pin": PIN}).status_code == 302
    assert client.get("/admin/").status_code == 200
    # A second app of the same running kiosk (a reload of the app) keeps the session.
    again = create_app(rt, {"DEMO_CARDS": cards}).test_client()
    again.set_cookie("kiosk_admin", client.get_cookie("kiosk_admin", path="/admin").value)
    assert again.get("/admin/").status_code == 200


def test_an_admin_session_ends_when_the_kiosk_restarts(seeded, tmp_path):
    rt, cards = seeded
    staff.set_pin(rt.kiosk, PIN, actor="test")
    client = create_app(rt, {"DEMO_CARDS": cards}).test_client()
    page = client.get("/admin/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    client.post("/admin/login", data={"csrf_token": token, "pin": PIN})
    cookie = client.get_cookie("kiosk_admin", path="/admin").value

    restarted = _kiosk(tmp_path, clock=rt.kiosk.clock)  # no time has passed
    try:
        after = create_app(restarted, {"DEMO_CARDS": cards}).test_client()
        after.set_cookie("kiosk_admin", cookie, path="/admin")
        assert after.get("/admin/").status_code == 302
    finally:
        restarted.close()


def test_the_data_folder_database_and_its_journal_files_are_private(tmp_path, loose_umask):
    data = tmp_path / "data"
    rt = _kiosk(data)
    try:
        staff.set_pin(rt.kiosk, PIN, actor="test")  # a write: the WAL and its index exist
        files = {p.name: mode(p) for p in data.iterdir()}
    finally:
        rt.close()

    assert mode(data) == 0o700
    assert {"kiosk.db", "kiosk.db-wal", "kiosk.db-shm"} <= set(files)
    assert {name: m for name, m in files.items() if name.startswith("kiosk.db")} == {
        name: 0o600 for name in files if name.startswith("kiosk.db")
    }


def test_files_left_readable_by_an_older_kiosk_are_made_private_at_start(tmp_path, loose_umask):
    data = tmp_path / "data"
    _kiosk(data).close()
    (data / "backups").mkdir()
    (data / "backups" / "kiosk-20260101-030000.db").write_bytes(b"old")
    (data / "kiosk.db.before-restore-20260101-030000").write_bytes(b"old")
    (data / "demo-cards.secret").write_bytes(b"secret")
    for path in [data, data / "backups", *data.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)

    _kiosk(data).close()

    assert mode(data) == 0o700 and mode(data / "backups") == 0o700
    loose = {str(p.relative_to(data)): oct(mode(p)) for p in data.rglob("*") if mode(p) & 0o077}
    assert loose == {}


def test_backups_made_any_way_are_private(tmp_path, loose_umask):
    data = tmp_path / "data"
    _kiosk(data).close()
    db = data / "kiosk.db"

    made = [backup(db, tmp_path / "usb"), backup(db, tmp_path / "copy.db")]
    daily = DailyBackups(db, tmp_path / "daily", keep=2)
    daily.start()
    daily.stop()
    made.append(daily.last)
    kept = restore(made[0], db)
    made += [kept, db]

    assert [oct(mode(path)) for path in made] == ["0o600"] * len(made)
    assert mode(tmp_path / "usb") == 0o700 and mode(tmp_path / "daily") == 0o700


def test_kiosk_backup_to_a_folder_writes_a_private_copy(tmp_path, loose_umask):
    data = tmp_path / "data"
    _kiosk(data).close()

    assert cli.main(["backup", "--data", str(data), "--to", str(tmp_path / "usb")]) == 0

    (copy,) = (tmp_path / "usb").glob("kiosk-*.db")
    assert mode(copy) == 0o600
    assert os.umask(0o022) == 0o022  # the command gave back the umask it found


def test_a_config_file_holding_the_central_token_is_made_private(tmp_path, loose_umask):
    from kiosk.storage.files import protect_config

    toml = tmp_path / "kiosk.toml"
    toml.write_text('[central]\nurl = "http://central"\ntoken = "ekt_secret"\n', "utf-8")
    toml.chmod(0o644)
    plain = tmp_path / "plain.toml"
    plain.write_text('[kiosk]\nstore = "店"\n', "utf-8")
    plain.chmod(0o644)

    protect_config(toml, config.load(toml, env={}))
    protect_config(plain, config.load(plain, env={}))

    assert mode(toml) == 0o600
    assert mode(plain) == 0o644  # nothing secret in it
