"""When the open session began, as a checkout weighs central's news: never earlier than it did.

A pull for news counts for the checkout only if it began within the resident's session; a
start taken too early would let news from before the card was shown stand for the session's.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from kiosk.services import terminal
from kiosk.storage.models import TerminalSession


def _open_started(runtime):
    with runtime.kiosk.uow(write=False) as uow:
        return uow.session.scalars(
            select(TerminalSession.started_at).where(TerminalSession.status == "open")
        ).one()


def test_a_card_shown_gives_the_start_without_asking_the_database(
    client, card, runtime, monkeypatch
):
    client.post("/api/scan", json={"code": card("王建国")["code"]})
    began = _open_started(runtime)

    def asked(*_args, **_kwargs):
        raise AssertionError("the database was asked")

    monkeypatch.setattr(terminal, "session_started", asked)
    assert terminal.session_began(runtime.kiosk) == began


def test_each_new_session_moves_the_start_on(client, card, runtime):
    client.post("/api/scan", json={"code": card("王建国")["code"]})
    client.post("/api/session/cart", json={"product_code": "SOAP", "qty": 1})
    assert client.post("/api/session/checkout").status_code == 200
    client.post("/api/scan", json={"code": card("张伟")["code"]})
    assert terminal.session_began(runtime.kiosk) == _open_started(runtime)
    # Another card, and yes to the switch: the start is the new session's, not the first's.
    client.post("/api/scan", json={"code": card("李德福")["code"]})
    client.post("/api/session/switch", json={"confirm": True})
    assert terminal.session_began(runtime.kiosk) == _open_started(runtime)


def test_after_a_restart_the_database_is_asked(client, card, runtime):
    client.post("/api/scan", json={"code": card("王建国")["code"]})
    runtime.kiosk.session_opened_at = None  # as a kiosk started again finds it
    assert terminal.session_began(runtime.kiosk) == _open_started(runtime)
    client.post("/api/session/cancel")
    assert terminal.session_began(runtime.kiosk) is None


def test_a_session_opened_is_noted_before_anyone_is_told(client, runtime, card):
    # A camera thread's scan commits the session, then tells the runtime; a checkout from the
    # screen in between must already find the new session's start, not the last one's.
    client.post("/api/scan", json={"code": card("张伟")["code"]})
    client.post("/api/session/cancel")
    terminal.scan(runtime.kiosk, card("王建国")["code"])  # nobody told (no session_opened)
    assert terminal.session_began(runtime.kiosk) == _open_started(runtime)


def test_an_earlier_time_never_replaces_a_later_sessions_start(client, card, runtime):
    client.post("/api/scan", json={"code": card("王建国")["code"]})
    began = _open_started(runtime)
    client.post("/api/scan", json={"code": card("王建国")["code"]})  # the same card again
    assert terminal.session_began(runtime.kiosk) == began  # no new session: nothing moves
    runtime.kiosk.note_session_opened(began - timedelta(minutes=3))  # a late, stale note
    assert terminal.session_began(runtime.kiosk) == began
