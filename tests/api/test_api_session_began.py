"""When the open session began, as a checkout weighs central's news: never earlier than it did.

A pull for news counts for the checkout only if it began within the resident's session; a
start taken too early would let news from before the card was shown stand for the session's.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.clock import FixedClock
from kiosk.services import terminal
from kiosk.storage.models import TerminalSession


def _open_started(runtime):
    return _open(runtime).started_at


def _open(runtime):
    with runtime.kiosk.uow(write=False) as uow:
        return uow.session.execute(
            select(TerminalSession.id, TerminalSession.started_at).where(
                TerminalSession.status == "open"
            )
        ).one()


def _began(runtime):
    """When the open session began, as a checkout naming it asks (the screen always does)."""
    return terminal.session_began(runtime.kiosk, _open(runtime).id).at


def test_a_card_shown_gives_the_start_without_asking_the_database(
    client, card, runtime, monkeypatch
):
    client.post("/api/scan", json={"code": card("王建国")["code"]})
    began, session_id = _open_started(runtime), _open(runtime).id

    def asked(*_args, **_kwargs):
        raise AssertionError("the database was asked")

    monkeypatch.setattr(terminal, "session_started", asked)
    assert terminal.session_began(runtime.kiosk, session_id).at == began


def test_each_new_session_moves_the_start_on(client, card, runtime):
    client.post("/api/scan", json={"code": card("王建国")["code"]})
    client.post("/api/session/cart", json={"product_code": "SOAP", "qty": 1})
    assert client.post("/api/session/checkout").status_code == 200
    client.post("/api/scan", json={"code": card("张伟")["code"]})
    assert _began(runtime) == _open_started(runtime)
    # Another card, and yes to the switch: the start is the new session's, not the first's.
    client.post("/api/scan", json={"code": card("李德福")["code"]})
    client.post("/api/session/switch", json={"confirm": True})
    assert _began(runtime) == _open_started(runtime)
    assert terminal.session_began(runtime.kiosk).at == _open_started(runtime)  # no id: as committed


def test_after_a_restart_the_database_is_asked(client, card, runtime):
    client.post("/api/scan", json={"code": card("王建国")["code"]})
    session_id = _open(runtime).id
    runtime.kiosk.sessions_opened.clear()  # as a kiosk started again finds it
    assert terminal.session_began(runtime.kiosk, session_id).at == _open_started(runtime)
    client.post("/api/session/cancel")
    assert terminal.session_began(runtime.kiosk) is None
    assert terminal.session_began(runtime.kiosk, session_id) is None


def test_a_session_opened_is_noted_before_anyone_is_told(client, runtime, card):
    # A camera thread's scan commits the session, then tells the runtime; a checkout from the
    # screen in between must already find the new session's start, not the last one's.
    client.post("/api/scan", json={"code": card("张伟")["code"]})
    client.post("/api/session/cancel")
    terminal.scan(runtime.kiosk, card("王建国")["code"])  # nobody told (no session_opened)
    assert _began(runtime) == _open_started(runtime)


def test_each_session_keeps_its_own_start_whatever_order_the_notes_came_in(client, card, runtime):
    client.post("/api/scan", json={"code": card("王建国")["code"]})
    first = _open(runtime)
    client.post("/api/scan", json={"code": card("王建国")["code"]})  # the same card again
    assert _began(runtime) == first.started_at  # no new session: nothing moves
    # A late, stale note of another session (a camera thread that lost the race) moves nothing.
    runtime.kiosk.note_session_opened("another", first.started_at - timedelta(minutes=3))
    assert _began(runtime) == first.started_at


def test_a_clock_set_back_gives_the_next_session_its_own_start(client, card, runtime):
    # NTP puts back a clock that ran ahead: the next session opens at an earlier time than the
    # last. Its own start is what its checkout weighs news against, not the last session's
    # later one (after which no pull of the new session would have counted).
    runtime.kiosk.clock = FixedClock(runtime.kiosk.clock.now())
    client.post("/api/scan", json={"code": card("王建国")["code"]})
    client.post("/api/session/cancel")
    runtime.kiosk.clock.current -= timedelta(hours=1)
    client.post("/api/scan", json={"code": card("张伟")["code"]})
    assert _began(runtime) == _open_started(runtime) == runtime.kiosk.clock.now()
