"""News pulled within a resident's session stand for its checkout through central's pause and a
clock set back: a request refused or never sent learns nothing and loses nothing known, and each
session is weighed against its own start."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update

from kiosk.services import terminal
from kiosk.storage.models import OutboxRow, TerminalSession
from kiosk.storage.states import OutboxStatus
from kiosk.sync.client import SyncClient, SyncError
from terminal_ui import create_app

EMPTY_PAGE = {"changes": [], "cursor": 0, "more": False}


class Central:
    """A mock central: the change feed answers (empty, drained); /api/v1/sync answers as told."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.sync_answer = 429
        self.down = False  # the line drops every request
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.asked.append(request.url.path)
        if self.down:
            raise httpx.ConnectError("the line is down", request=request)
        if request.url.path == "/api/v1/changes":
            return httpx.Response(200, json=EMPTY_PAGE)
        if request.url.path == "/api/v1/sync" and self.sync_answer == 429:
            body = {"error": {"code": "rate_limited", "message": "too many requests"}}
            return httpx.Response(429, json=body, headers={"Retry-After": "60"})
        return httpx.Response(200, json={**EMPTY_PAGE, "results": []})

    def pulls(self) -> int:
        return self.asked.count("/api/v1/changes")


@pytest.fixture
def synced(seeded):
    runtime, cards = seeded
    central = Central()
    client = SyncClient(
        runtime.kiosk, "http://central", "ekt_x", transport=httpx.MockTransport(central)
    )
    yield runtime, cards, client, central
    client.stop(timeout=5)


def test_news_pulled_in_the_session_still_count_after_the_worker_round_draws_a_pause(synced):
    # docs/sync-protocol.md: during a pause, news pulled earlier in the session still count.
    runtime, _cards, sync, _central = synced
    k = runtime.kiosk
    began = k.clock.now()  # the resident's card was shown
    k.clock.advance(seconds=1)
    sync.pull_once(timeout=2.0)  # the session's pull (prefetch) drains the feed
    assert sync.refresh(since=began) is True  # fresh news of this session stand for a checkout

    # The worker's round, woken meanwhile, is answered 429 Retry-After: 60.
    with pytest.raises(SyncError):
        sync.sync_once()
    assert sync.quiet()

    # Nothing new was learnt or lost about central; the news of this session are as fresh as
    # they were a moment ago (the round had cleared them before its request, and the checkout
    # sold as offline, held to the allowance).
    assert sync.refresh(since=began) is True


def test_sync_now_pressed_during_a_pause_sends_nothing_and_keeps_the_sessions_news(synced):
    runtime, _cards, sync, central = synced
    k = runtime.kiosk
    began = k.clock.now()
    k.clock.advance(seconds=1)
    sync.pull_once(timeout=2.0)  # the session's pull, within the session
    sync._quiet_until = time.monotonic() + 60  # central's pause (drawn by a card lookup, say)
    assert sync.refresh(since=began) is True  # the pause: the session's news still serve
    sent = len(central.asked)

    with pytest.raises(SyncError):
        sync.sync_once()  # the shopkeeper's "sync now" (or a worker round) within the pause
    assert len(central.asked) == sent  # nothing was sent, nothing learnt

    assert sync.refresh(since=began) is True


def test_a_checkout_sells_online_after_the_worker_round_draws_a_pause(synced):
    # End to end: a synced kiosk (allowance 0, the default), the card scan's pull succeeds,
    # then the worker's round is answered 429. The resident has plenty of points and the
    # session's news are seconds old: the checkout was refused as if the network were down.
    runtime, cards, sync, central = synced
    runtime.kiosk.synced = True
    with runtime.kiosk.uow() as uow:  # the demo's credits were confirmed by central long ago
        uow.session.execute(update(OutboxRow).values(status=OutboxStatus.SENT))
        uow.commit()
    runtime.sync = sync
    client = create_app(runtime).test_client()
    rich = max(cards, key=lambda c: c["balance"])
    assert client.post("/api/scan", json={"code": rich["code"]}).status_code == 200
    assert sync.wait_for_news(5)  # the scan's pull (prefetch) has answered
    assert central.pulls() == 1
    cart = client.post("/api/session/cart", json={"product_code": "SOAP", "qty": 1})
    assert cart.status_code == 200, cart.get_json()
    with pytest.raises(SyncError):
        sync.sync_once()  # the worker's round (woken, say): 429 Retry-After: 60

    answer = client.post("/api/session/checkout", json={})
    assert answer.status_code == 200, answer.get_json()


def test_a_clock_set_back_does_not_make_the_sessions_own_news_count_as_stale(synced):
    # The kiosk's clock is put back (NTP corrects a clock that ran ahead). The next session
    # opens at the corrected time; its checkout weighs news against that start, not the first
    # session's later one (after which no pull of the new session would count).
    runtime, cards, sync, central = synced
    k = runtime.kiosk
    code = cards[0]["code"]
    terminal.scan(k, code)  # a session at 10:00
    terminal.cancel(k)
    k.clock.current -= timedelta(hours=1)  # the clock is corrected: now 09:00
    k.clock.advance(seconds=5)
    terminal.scan(k, code)  # the next resident's session opens at 09:00:05
    k.clock.advance(seconds=1)
    sync.pull_once(timeout=2.0)  # the session's pull, 09:00:06: within the session
    before = central.pulls()

    # As the checkout asks (terminal_ui/api.py): news pulled since session_began stand.
    assert sync.refresh(timeout=2.0, since=terminal.session_began(k, _open_id(k))) is True
    assert central.pulls() == before  # the session's news served; the checkout did not ask


def test_during_a_pause_after_a_clock_set_back_the_sessions_news_still_serve(synced):
    runtime, cards, sync, _central = synced
    k = runtime.kiosk
    code = cards[0]["code"]
    terminal.scan(k, code)
    terminal.cancel(k)
    k.clock.current -= timedelta(hours=1)
    terminal.scan(k, code)
    k.clock.advance(seconds=1)
    sync.pull_once(timeout=2.0)  # within the new session
    sync._quiet_until = time.monotonic() + 60  # then central asks for a pause
    # news pulled within the session still serve during a pause (refresh's own comment)
    assert sync.refresh(timeout=2.0, since=terminal.session_began(k, _open_id(k))) is True


def _open_id(k) -> str:
    with k.uow(write=False) as uow:
        return uow.session.scalars(
            select(TerminalSession.id).where(TerminalSession.status == "open")
        ).one()


def test_a_pull_that_fails_keeps_the_news_the_session_pulled_while_they_are_fresh(synced):
    runtime, _cards, sync, central = synced
    k = runtime.kiosk
    began = k.clock.now()
    k.clock.advance(seconds=1)
    sync.pull_once(timeout=2.0)  # the session's pull drains the feed
    central.down = True
    with pytest.raises(SyncError):
        sync.pull_once(timeout=2.0)  # a later try fails: nothing learnt, nothing lost
    asked = len(central.asked)
    assert sync.refresh(since=began) is True  # the drain's news stand, seconds old
    assert len(central.asked) == asked
    sync.news_fresh_for = 0.0  # once they are stale, the checkout does not sell on them
    assert sync.refresh(timeout=0.2, since=began) is False


def test_news_pulled_in_the_last_session_do_not_count_for_the_next_after_a_clock_set_back(synced):
    # Session A opens at 10:00:00 and its pull drains the feed at 10:00:01. NTP puts the
    # clock back an hour; seconds later session B opens at 09:00:05. A's pull began before
    # B's card was shown, though "within" B's session by the kiosk clock: it must not stand
    # for B's checkout (sessions are weighed on the monotonic clock).
    runtime, cards, sync, central = synced
    k = runtime.kiosk
    terminal.scan(k, cards[0]["code"])  # session A, 10:00:00
    k.clock.advance(seconds=1)
    sync.pull_once(timeout=2.0)  # A's pull, 10:00:01: drains the feed
    terminal.cancel(k)
    k.clock.current -= timedelta(hours=1)  # the clock is corrected
    k.clock.advance(seconds=5)
    terminal.scan(k, cards[1]["code"])  # session B opens at 09:00:05, after A's pull
    before = central.pulls()

    since = terminal.session_began(k, _open_id(k))
    assert since.at == k.clock.now()
    online = sync.refresh(timeout=2.0, since=since)
    # B had no pull of its own: the checkout must ask central (or sell offline), not reuse A's.
    assert central.pulls() > before or online is False


def test_after_a_clock_set_back_the_last_sessions_news_do_not_stand_when_the_next_ones_pull_fails(
    synced,
):
    # As above, but B's own pull (the card scan's prefetch) fails: the line is down. A's drain
    # must not stand for B, or B would sell online on news pulled before its card was shown.
    runtime, cards, sync, central = synced
    k = runtime.kiosk
    terminal.scan(k, cards[0]["code"])  # session A, 10:00:00
    k.clock.advance(seconds=1)
    sync.pull_once(timeout=2.0)  # A's pull drains the feed
    terminal.cancel(k)
    k.clock.current -= timedelta(hours=1)  # NTP puts the clock back
    k.clock.advance(seconds=5)
    terminal.scan(k, cards[1]["code"])  # session B, 09:00:05
    central.down = True
    k.clock.advance(seconds=1)
    with pytest.raises(SyncError):
        sync.pull_once(timeout=2.0)  # B's own pull fails: nothing heard of central in B
    online = sync.refresh(timeout=0.3, since=terminal.session_began(k, _open_id(k)))
    assert online is False  # central was never heard within B's session


def test_a_slow_later_try_takes_no_news_away_either(synced):
    # A later try that is merely slow (the line hangs) takes nothing away either: past the
    # checkout's wait for it, the session's news of a second ago still stand.
    runtime, _cards, sync, central = synced
    k = runtime.kiosk
    began = k.clock.now()
    k.clock.advance(seconds=1)
    sync.pull_once(timeout=2.0)  # the session's pull drains the feed
    hang = threading.Event()
    answer = central.__call__

    def slow(request):
        if request.url.path == "/api/v1/changes":
            hang.wait(3)
            raise httpx.ConnectTimeout("the line hangs", request=request)
        return answer(request)

    sync.http._transport = httpx.MockTransport(slow)
    try:
        sync.prefetch()  # the card is shown again: another try, which hangs
        assert sync.refresh(timeout=2.0, since=began) is True
    finally:
        hang.set()
        sync.wait_for_news(5)
