"""A database written by the first release (kept as a file) upgrades in place and keeps its books.

tests/fixtures/old_versions/build.py made the file with that release's own code; see its
docstring for how to make it again.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from core.clock import FixedClock
from core.domain import errors
from core.domain.codes import card_code, derived_card_token
from kiosk import demo
from kiosk.bootstrap import bootstrap
from kiosk.config import load
from kiosk.services import doctor, queries, terminal
from kiosk.storage.migrate import MIGRATIONS
from printer.simulator import SimulatedPrinter

FIRST_RELEASE = Path(__file__).parents[1] / "fixtures" / "old_versions" / "f277fe0"


def _books(db: Path) -> dict[str, object]:
    """Read what must survive an upgrade straight from the file, without the application."""
    with sqlite3.connect(db) as con:
        one = lambda sql: con.execute(sql).fetchall()  # noqa: E731
        return {
            "balances": one("SELECT id, balance FROM households ORDER BY id"),
            "ledger": one("SELECT id, household_id, points FROM ledger_entries ORDER BY id"),
            "exchanges": one("SELECT id, number, total, status FROM exchanges ORDER BY id"),
            "lines": one("SELECT exchange_id, product_code, qty FROM exchange_lines ORDER BY 1, 2"),
            "stock": one("SELECT code, stock FROM products ORDER BY code"),
            "moves": one("SELECT product_code, qty FROM stock_movements ORDER BY id"),
            "checkins": one("SELECT activity_id, resident_id FROM checkins ORDER BY id"),
            "cards": one("SELECT resident_id, status FROM cards ORDER BY id"),
            "outbox": one("SELECT entry_id, kind FROM outbox ORDER BY id"),
        }


@pytest.fixture
def upgraded(tmp_path):
    data = tmp_path / "kiosk"
    shutil.copytree(FIRST_RELEASE, data)
    before = _books(data / "kiosk.db")
    with sqlite3.connect(data / "kiosk.db") as con:
        assert con.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
    runtime = bootstrap(
        load(None, env={}, kiosk={"data_dir": str(data), "id": "OLD01", "store": demo.STORE}),
        printer=SimulatedPrinter(),
        clock=FixedClock(datetime(2026, 11, 2, 2, 0)),
    )
    yield runtime, data, before
    runtime.close()


def test_the_file_is_at_the_latest_revision_with_the_same_books(upgraded):
    runtime, data, before = upgraded
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    with sqlite3.connect(data / "kiosk.db") as con:
        assert con.execute("SELECT version_num FROM alembic_version").fetchone() == (head,)
        statuses = con.execute("SELECT DISTINCT status FROM outbox").fetchall()
    assert _books(data / "kiosk.db") == before
    assert len(before["ledger"]) > 20 and any(e[3] == "voided" for e in before["exchanges"])
    assert statuses == [("pending",)]  # the first release never synced
    assert doctor.check(runtime.kiosk) == []


def test_the_old_cards_still_work_and_the_revoked_one_does_not(upgraded):
    runtime, data, _ = upgraded
    k = runtime.kiosk
    secret = demo.secret_path(data).read_bytes()
    with sqlite3.connect(data / "kiosk.db") as con:
        (lost,) = con.execute("SELECT resident_id FROM cards WHERE status = 'revoked'").fetchone()
        balance = dict(con.execute("SELECT id, balance FROM households").fetchall())
    with pytest.raises(errors.RevokedCard):
        terminal.scan(k, card_code(derived_card_token(secret, lost)))

    card = demo.cards(k, data)[0]
    terminal.scan(k, card["code"])
    terminal.set_cart_line(k, "SALT", 2)
    assert queries.session_view(k)["total"] == 10
    done = terminal.checkout(k)
    household = card["resident_id"].rsplit("-", 1)[0]
    assert done.balance_after == balance[household] - 10
    assert doctor.check(k) == []
    with sqlite3.connect(data / "kiosk.db") as con:
        pending = con.execute("SELECT count(*) FROM outbox WHERE status = 'pending'").fetchone()
    assert pending == (len(_books(data / "kiosk.db")["outbox"]),)
