"""The maintenance commands: restock, doctor, printer-test and --version."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from cli_helpers import run_kiosk

from core import __version__
from sync.central import localtime


def stock_of(data, code: str) -> int:
    with sqlite3.connect(data / "kiosk.db") as con:
        return con.execute("SELECT stock FROM products WHERE code = ?", (code,)).fetchone()[0]


def test_version_is_printed():
    result = run_kiosk("--version")
    assert result.returncode == 0
    assert __version__ in result.stdout


def test_restock_adds_every_row_of_a_delivery_list_with_a_bom(store, tmp_path):
    config, data = store
    before_oil, before_soap = stock_of(data, "OIL5L"), stock_of(data, "SOAP")
    delivery = tmp_path / "delivery.csv"
    delivery.write_text(
        "product_code,qty,source,donor,unit_value\n"
        "OIL5L,6,donation,县农商银行,69.90\n"
        "soap,10,purchase,,3.5\n",
        encoding="utf-8-sig",
    )
    result = run_kiosk("restock", "--config", str(config), str(delivery))
    assert result.returncode == 0, result.stderr
    assert stock_of(data, "OIL5L") == before_oil + 6
    assert stock_of(data, "SOAP") == before_soap + 10
    with sqlite3.connect(data / "kiosk.db") as con:
        donor, cents = con.execute(
            "SELECT donor, unit_value_cents FROM stock_batches WHERE product_code = 'OIL5L'"
            " ORDER BY id DESC LIMIT 1"
        ).fetchone()
    assert (donor, cents) == ("县农商银行", 6990)


def test_restock_with_a_bad_row_names_its_line_and_restocks_nothing(store, tmp_path):
    config, data = store
    before = stock_of(data, "OIL5L")
    delivery = tmp_path / "delivery.csv"
    delivery.write_text(
        "product_code,qty,source,donor,unit_value\n"
        "OIL5L,6,donation,县农商银行,69.90\n"
        "NOSUCH,1,purchase,,1\n"
        "OIL5L,-3,purchase,,1\n"
        "OIL5L,2,donation,,1\n",
        encoding="utf-8",
    )
    result = run_kiosk("restock", "--config", str(config), str(delivery))
    assert result.returncode == 1
    assert "line 3" in result.stderr and "NOSUCH" in result.stderr
    assert "line 4" in result.stderr
    assert "line 5" in result.stderr  # a donation without a donor
    assert "line 2" not in result.stderr
    assert stock_of(data, "OIL5L") == before


def test_restock_refuses_a_file_without_the_columns(store, tmp_path):
    config, _ = store
    delivery = tmp_path / "delivery.csv"
    delivery.write_text("code,amount\nOIL5L,3\n", encoding="utf-8")
    result = run_kiosk("restock", "--config", str(config), str(delivery))
    assert result.returncode == 2
    assert "product_code" in result.stderr


def test_doctor_passes_a_healthy_database_and_names_each_problem_after_tampering(store):
    config, data = store
    healthy = run_kiosk("doctor", "--data", str(data))
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    with sqlite3.connect(data / "kiosk.db") as con:
        con.execute("UPDATE households SET balance = balance + 5 WHERE id = 'H0003'")
        con.execute("UPDATE products SET stock = stock - 1 WHERE code = 'SOAP'")
        con.execute("UPDATE ledger_entries SET points = points + 1 WHERE seq = 2")
    broken = run_kiosk("doctor", "--config", str(config))
    assert broken.returncode == 1
    assert "household H0003" in broken.stdout
    assert "product SOAP" in broken.stdout
    assert "seq 2: hash does not match contents" in broken.stdout


def test_doctor_on_a_folder_without_a_database_says_so(tmp_path):
    result = run_kiosk("doctor", "--data", str(tmp_path))
    assert result.returncode == 2
    assert "no kiosk database" in result.stderr


def test_printer_test_sends_chinese_text_a_qr_and_a_cut_to_a_file_printer(tmp_path):
    out = tmp_path / "lp0"
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[kiosk]\ndata_dir = "{tmp_path}"\n[printer]\nbackend = "file"\npath = "{out}"\n',
        encoding="utf-8",
    )
    result = run_kiosk("printer-test", "--config", str(config))
    assert result.returncode == 0, result.stderr
    data = out.read_bytes()
    assert data.startswith(b"\x1b@")
    assert "湘妹子能量家园".encode("gb18030") in data
    assert b"\x1d(k" in data  # native QR
    assert b"\x1dV" in data  # cut


def test_printer_test_reports_an_unreachable_network_printer(tmp_path):
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[kiosk]\ndata_dir = "{tmp_path}"\n'
        '[printer]\nbackend = "network"\nhost = "127.0.0.1"\nport = 9\n',
        encoding="utf-8",
    )
    result = run_kiosk("printer-test", "--config", str(config))
    assert result.returncode == 1
    assert "offline" in result.stderr


def test_an_unknown_config_key_is_a_clear_error(tmp_path):
    config = tmp_path / "kiosk.toml"
    config.write_text('[printer]\nbakend = "file"\n', encoding="utf-8")
    result = run_kiosk("doctor", "--config", str(config))
    assert result.returncode == 2
    assert "bakend" in result.stderr


def test_scan_image_reads_a_card_from_a_photo_file(tmp_path):
    import cv2

    from kiosk.scan.synth import scene

    photo = tmp_path / "卡片.png"
    cv2.imwrite(str(photo), scene("EKC:ABCDEFGHIJKLMNOPQRSTUVWXYZ", seed=3))
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not an image")
    result = run_kiosk("scan-image", "--json", str(photo), str(junk))
    assert result.returncode == 1  # one file could not be read
    import json

    found = {Path(r["file"]).name: r for r in json.loads(result.stdout)}
    assert found["卡片.png"]["codes"] == ["EKC:ABCDEFGHIJKLMNOPQRSTUVWXYZ"]
    assert found["junk.png"]["error"] == "unreadable image"


def test_central_timezone_is_seeded_shown_and_changed_with_its_figures(tmp_path):
    """A new central database takes $KIOSK_CENTRAL_TIMEZONE; `kiosk central timezone` shows it,
    changes it (recounting the months) and refuses a name that is no time zone."""
    url = f"sqlite:///{tmp_path / 'central.db'}"
    env = {"KIOSK_CENTRAL_TIMEZONE": "Asia/Urumqi"}
    shown = run_kiosk("central", "timezone", "--database-url", url, env=env)
    assert (shown.returncode, shown.stdout.strip()) == (0, "Asia/Urumqi"), shown.stderr
    # An exchange at 23:30 UTC on 31 March: 05:30 on 1 April in Urumqi, still March in UTC.
    with sqlite3.connect(tmp_path / "central.db") as con:
        localtime.register_sqlite(con)  # the summary triggers call it, as central's engine does
        con.execute(
            "INSERT INTO exchanges (id, number, kiosk_id, store_id, household_id, resident_id,"
            " total, status, created_at) VALUES ('e1', 'N1', 'K1', 1, 'H1', 'R1', 60,"
            " 'completed', '2025-03-31 23:30:00.000000')"
        )

    def months() -> list[tuple[str, int]]:
        with sqlite3.connect(tmp_path / "central.db") as con:
            return con.execute("SELECT month, completed FROM exchange_totals").fetchall()

    assert months() == [("2025-04", 1)]
    changed = run_kiosk("central", "timezone", "UTC", "--database-url", url)
    assert changed.returncode == 0, changed.stderr
    assert "UTC" in changed.stdout
    assert months() == [("2025-03", 1)]
    refused = run_kiosk("central", "timezone", "Mars/Olympus", "--database-url", url)
    assert refused.returncode == 2
    assert "Mars/Olympus" in refused.stderr and "Asia/Shanghai" in refused.stderr
    again = run_kiosk("central", "timezone", "--database-url", url, env=env)
    assert again.stdout.strip() == "UTC"  # kept with the data; the environment seeds only
    assert "run `kiosk central timezone Asia/Urumqi`" in again.stderr


def test_doctor_names_a_kiosk_that_cannot_speak(store, tmp_path):
    """Without espeak-ng the kiosk only beeps: doctor says so, and fails if espeak was asked for."""
    _, data = store
    bare = tmp_path / "bin"  # an empty PATH: no espeak-ng on it (the CLI runs by full path)
    bare.mkdir()
    env = {"PATH": str(bare)}
    auto = run_kiosk("doctor", "--data", str(data), env=env)
    assert auto.returncode == 0, auto.stdout + auto.stderr
    assert "note: voice: espeak-ng is not installed" in auto.stdout
    asked = run_kiosk("doctor", "--data", str(data), env={**env, "KIOSK_VOICE_BACKEND": "espeak"})
    assert asked.returncode == 1
    assert "problem: voice: espeak-ng is not installed" in asked.stdout
    wrong = run_kiosk("doctor", "--data", str(data), env={"KIOSK_VOICE_VOICE": "nosuchvoice"})
    assert "voice 'nosuchvoice' cannot speak" in wrong.stdout
    speaking = run_kiosk("doctor", "--data", str(data))
    assert "voice:" not in speaking.stdout  # espeak-ng is installed here and speaks Mandarin


def test_central_points_policy_is_shown_set_and_refused_in_words(tmp_path):
    url = f"sqlite:///{tmp_path / 'central.db'}"
    shown = run_kiosk("central", "points-policy", "--database-url", url)
    assert (shown.returncode, shown.stdout.strip()) == (0, "spendable points never expire")
    wrong = run_kiosk("central", "points-policy", "--clear-on", "02-29", "--database-url", url)
    assert wrong.returncode == 2 and "02-29 is not a day of every year" in wrong.stderr
    both = run_kiosk(
        "central", "points-policy", "--never", "--after-months", "3", "--database-url", url
    )
    assert both.returncode == 2  # one policy at a time
    set_ = run_kiosk("central", "points-policy", "--clear-on", "01-10", "--database-url", url)
    assert set_.returncode == 0, set_.stderr
    assert (
        "cleared every year on 01-10" in set_.stdout and "nothing is cleared before" in set_.stdout
    )
    again = run_kiosk("central", "points-policy", "--database-url", url)
    assert again.stdout.strip() == "spendable points are cleared every year on 01-10"
    ran = run_kiosk("central", "expire", "--database-url", url)
    assert ran.returncode == 0 and "0 points of 0 households cleared" in ran.stdout
