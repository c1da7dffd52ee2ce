"""The kiosk's sync client: push the outbox, pull the change feed, report a heartbeat.

A background worker does both for ever. While central is unreachable it waits longer the longer
central has been gone (not the more often it tried: each checkout wakes it, and a busy outage must
not push the next try far beyond central's return), never more than BACKOFF_CAP. Rows are marked
sent only after central has answered for them, so a lost answer means a harmless duplicate push.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import func, select

from core import __version__
from core.domain.ledger import EntryKind
from kiosk.services.claims import refused_claim
from kiosk.services.common import iso
from kiosk.services.context import Kiosk, SessionStart
from kiosk.services.terminal import session_started
from kiosk.storage.models import OutboxRow
from kiosk.storage.states import OutboxStatus
from kiosk.sync.apply import ALLOWANCE, CURSOR, apply_changes, apply_records, get_state
from sync.protocol import CARD_LOOKUP, MAX_BATCH, MAX_PUSH_BYTES, STORE_SCOPE
from sync.schema import Invalid, validate

log = logging.getLogger(__name__)


class SyncError(Exception):
    """Central could not be reached or refused the request; retry_after is central's ask,
    status the HTTP status it answered with (None: it could not be reached)."""

    def __init__(
        self, message: str, retry_after: float | None = None, status: int | None = None
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.status = status

    @property
    def passing(self) -> bool:
        """Tell whether asking again in a moment may succeed: central was not reached, or
        failed on its side without asking for a pause (not a refusal, not a Retry-After)."""
        return self.retry_after is None and (self.status is None or self.status >= 500)


class _Busy(SyncError):
    """Another request to central held the line for longer than this one could wait."""


class _NoRoute(Exception):
    """Central has no such route: a release older than the combined round."""


# News pulled since the resident's card was shown stand for the checkout's own pull while they
# are no older than this: the card scan starts a pull in the background, so the checkout need not
# wait for a round trip to central (a longer session pulls again at its checkout).
NEWS_FRESH_FOR = 30.0  # seconds
# A checkout whose session's own pull failed moments ago tries central once more (or waits for
# the try under way), this long at most: enough for a line that is back, short for one that
# swallows requests (the resident would otherwise wait out a whole timeout at every checkout of
# an outage).
RETRY_AFTER_FAILED = 0.5  # seconds
# While a resident's session is open and its pull for news could not reach central (or central
# failed on its side), the kiosk asks again this long after each try ends, in the background: a
# line that returns while they choose is heard before they pay, and the checkout, finding a try
# moments old, does not try the line itself. A refusal or a Retry-After ends the asking.
SESSION_RETRY_EVERY = 2.0  # seconds
SESSION_RETRY_FOR = 600.0  # seconds after the last card shown: then the worker's rounds alone
MAX_RETRY_AFTER = 3600.0  # a Retry-After beyond an hour is taken as an hour
BACKOFF_CAP = 50.0  # seconds: with the round itself, a returning central hears from us in a minute
COMBINED_RETRY = 3600.0  # seconds before a central that lacked /api/v1/sync is asked again


def backoff_seconds(offline_for: float) -> float:
    """Return the longest wait before the next try, central having been gone offline_for seconds."""
    return min(max(offline_for / 2, 1.0), BACKOFF_CAP)


def retry_after_seconds(value: str | None) -> float | None:
    """Return the seconds a Retry-After header asks for (delay-seconds form), or None."""
    try:
        seconds = float((value or "").strip())
    except ValueError:
        return None
    if seconds != seconds or seconds < 0:  # NaN or negative
        return None
    return min(seconds, MAX_RETRY_AFTER)


@dataclass
class SyncStatus:
    """What the admin screen shows about sync."""

    online: bool = False
    backlog: int = 0
    rejected: int = 0
    last_success: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    pushed: int = 0
    pulled: int = 0
    failures: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Return the status as JSON-ready values."""
        return {
            "online": self.online,
            "backlog": self.backlog,
            "rejected": self.rejected,
            "last_success": self.last_success.isoformat() + "Z" if self.last_success else None,
            "last_error": self.last_error,
            "last_error_at": self.last_error_at.isoformat() + "Z" if self.last_error_at else None,
            "pushed": self.pushed,
            "pulled": self.pulled,
        }


class SyncClient:
    """Talk to central for one kiosk."""

    def __init__(
        self,
        k: Kiosk,
        url: str,
        token: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 15.0,
        device_state=None,
    ) -> None:
        self.k = k
        self.http = httpx.Client(
            base_url=url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}", "User-Agent": f"kiosk/{__version__}"},
            timeout=timeout,
            transport=transport,
        )
        self.status = SyncStatus()
        self.device_state = device_state or (lambda: {})
        self._lock = threading.Lock()  # one push or pull at a time
        self._more = False  # the last push left pending rows behind (count or size limit)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._offline_since: float | None = None  # monotonic time of the first failed round
        # When the last pull that drained the feed began: kiosk clock (compared with a session's
        # start) and monotonic (its age); None before the first.
        self._news: tuple[datetime, float] | None = None
        self._news_thread: threading.Thread | None = None
        self._news_lock = threading.Lock()
        # The session's pull for news (prefetch): whether it is still asking (it asks again every
        # SESSION_RETRY_EVERY while central does not answer), and whether no try of it is under
        # way this moment (set) or one is (clear). _news_again asks it to try now.
        self._news_running = False
        self._news_idle = threading.Event()
        self._news_idle.set()
        self._news_again = threading.Event()
        self._news_asked_at = 0.0  # monotonic time the last card was shown (prefetch)
        # When the last pull for news that failed began (kiosk clock, monotonic); None: none.
        self._news_failed: tuple[datetime, float] | None = None
        self.news_fresh_for = NEWS_FRESH_FOR
        self._no_combined_until = 0.0  # monotonic time before which central is known to lack /sync
        # Monotonic time before which central asked not to be asked (its last Retry-After): no
        # request goes until then, whoever would send it (worker, card scan, checkout).
        self._quiet_until = 0.0
        k.is_online = lambda: self.status.online
        k.lookup_card = self.lookup_card
        with k.uow(write=False) as uow:
            stored = get_state(uow.session, ALLOWANCE)
        if stored:
            k.offline_allowance = int(stored)

    # -- one round -------------------------------------------------------------------------

    def push_once(self) -> int:
        """Push one batch of pending outbox rows; return how many central answered for."""
        with self._lock:
            entries = self._pending()
            if not entries:
                return 0
            body = {"kiosk_id": self.k.kiosk_id, "version": __version__, "entries": entries}
            answer = self._call("POST", "/api/v1/push", json=body, ok=(200, 409))
            return self._record_results(entries, answer.get("results", []))

    def _pending(self) -> list[dict[str, Any]]:
        """Return the next batch of pending outbox rows as entries (noting in _more whether
        more are left behind, by count or size limit)."""
        with self.k.uow(write=False) as uow:
            rows = uow.session.scalars(
                select(OutboxRow)
                .where(OutboxRow.status == OutboxStatus.PENDING)
                .order_by(OutboxRow.id)
                .limit(MAX_BATCH)
            ).all()
            entries = _within_push_limit(
                [
                    {
                        "id": r.entry_id,
                        "seq": r.id,
                        "kind": r.kind,
                        "created_at": iso(r.created_at),
                        "payload": r.payload,
                    }
                    for r in rows
                ]
            )
            self._more = len(rows) == MAX_BATCH or len(entries) < len(rows)
        return entries

    def _record_results(self, entries: list[dict[str, Any]], answered: list[dict]) -> int:
        """Mark the outbox rows central answered for sent or rejected; return how many."""
        results = {r["id"]: r for r in answered}
        with self.k.uow() as uow:
            now = self.k.clock.now()
            for entry in entries:
                result = results.get(entry["id"])
                if result is None:
                    continue
                fresh = uow.session.get(OutboxRow, entry["seq"])
                if result["status"] in ("applied", "duplicate"):
                    fresh.status, fresh.sent_at = OutboxStatus.SENT, now
                else:
                    fresh.status, fresh.reason = (
                        OutboxStatus.REJECTED,
                        result.get("reason", "")[:200],
                    )
                    log.warning("central rejected outbox row %s: %s", fresh.id, fresh.reason)
                    if fresh.kind == EntryKind.CLAIM:  # the shopkeeper sees it refused
                        refused_claim(uow.session, fresh.payload.get("claim_id"), fresh.reason)
            uow.commit()
        self.status.pushed += len(results)
        return len(results)

    def pull_once(
        self, limit: int = 500, timeout: float | None = None, wait: float | None = None
    ) -> int:
        """Pull and apply the change feed until it is drained; return how many changes.

        wait: how long to wait for another request to central to end first (None: as long as
        it takes); past it, _Busy.
        """
        total = 0
        if not self._lock.acquire(timeout=-1 if wait is None else wait):
            raise _Busy("another request to central is under way")
        try:
            # The last drain's news stand until this one drains: a pull that fails or is not
            # sent (a pause central asked for) learns nothing, and loses nothing known.
            began = (self.k.clock.now(), time.monotonic())
            try:
                while True:
                    with self.k.uow(write=False) as uow:
                        cursor = int(get_state(uow.session, CURSOR, "0"))
                    page = self._call(
                        "GET",
                        "/api/v1/changes",
                        params={"after": cursor, "limit": limit, "scope": STORE_SCOPE},
                        timeout=timeout if timeout is not None else self.http.timeout,
                    )
                    total += apply_changes(self.k, page["changes"], page["cursor"])
                    if not page["more"]:
                        break
            except SyncError:
                self._news_failed = began
                raise
            self._news, self._news_failed = began, None
        finally:
            self._lock.release()
        self.status.pulled += total
        return total

    def lookup_card(self, card_hash: str, timeout: float = 3.0) -> bool | None:
        """Ask central about a card this kiosk does not know; store what it answers.

        Return True when central knows the card (its household has joined this store's set and
        its records are stored here), False when it does not, None when central cannot be
        reached (the kiosk is offline: only the cards it knows work).
        """
        try:
            with self._lock:
                answer = self._call(
                    "GET",
                    f"/api/v1/cards/{card_hash}",
                    ok=(200, 404),
                    timeout=timeout,
                    waited_for=True,
                )
        except SyncError as exc:
            self._failed(str(exc))
            return None
        if "household_id" not in answer:  # 404: no such card for this store
            return False
        try:
            validate(answer, CARD_LOOKUP)
        except Invalid as exc:
            log.warning("central answered a card lookup with something else: %s", exc)
            return None
        apply_records(self.k, answer["changes"])
        return True

    def heartbeat(self) -> None:
        """Tell central our version, backlog and device states."""
        body = {"version": __version__, "backlog": self.backlog(), **self.device_state()}
        if self.status.last_error:
            body["last_error"] = self.status.last_error[:200]
        self._call("POST", "/api/v1/heartbeat", json=body)

    def sync_once(self) -> None:
        """Push everything pending, then pull, then report; raise SyncError on failure.

        Each request is one whole round (`POST /api/v1/sync`: a batch, a page of the feed and
        the heartbeat), repeated while entries or changes are left. A central that has no such
        route (an older release answers 404 or 405) gets the three requests instead, and is
        asked again after COMBINED_RETRY seconds (it may have been upgraded).

        Pushing comes first so that a feed change this kiosk cannot apply never keeps its own
        entries from central; a failed heartbeat is only logged.
        """
        try:
            combined = self._combined_rounds()
            if not combined:
                while self.push_once() and self._more:
                    pass
                self.pull_once()
        except SyncError as exc:
            self._failed(str(exc))
            raise
        self._succeeded()
        if combined:
            return
        try:
            self.heartbeat()
        except SyncError as exc:
            log.warning("heartbeat failed: %s", exc)

    def _combined_rounds(self) -> bool:
        """Sync by whole rounds until nothing is left; return False if central has no /sync."""
        if self._no_combined_until > time.monotonic():
            return False
        pulled = 0
        try:
            with self._lock:
                began = (self.k.clock.now(), time.monotonic())  # the last drain stands till then
                while True:
                    entries = self._pending()
                    with self.k.uow(write=False) as uow:
                        cursor = int(get_state(uow.session, CURSOR, "0"))
                    # What stays pending once central has answered for this batch.
                    heartbeat = {
                        "version": __version__,
                        "backlog": max(0, self.backlog() - len(entries)),
                        **self.device_state(),
                    }
                    body = {
                        "kiosk_id": self.k.kiosk_id,
                        "version": __version__,
                        "entries": entries,
                        "after": cursor,
                        "limit": 500,
                        "heartbeat": heartbeat,
                    }
                    answer = self._call("POST", "/api/v1/sync", json=body, ok=(200, 409))
                    answered = 0
                    if entries:
                        answered = self._record_results(entries, answer.get("results", []))
                    pulled += apply_changes(self.k, answer["changes"], answer["cursor"])
                    if not (answer["more"] or (answered and self._more)):
                        self._news, self._news_failed = began, None
                        break
        except _NoRoute:
            self._no_combined_until = time.monotonic() + COMBINED_RETRY
            log.info("central has no /api/v1/sync; syncing with push, changes and heartbeat")
            return False
        finally:
            self.status.pulled += pulled
        return True

    def refresh(
        self, timeout: float = 2.0, *, since: datetime | SessionStart | None = None
    ) -> bool:
        """Pull what central knows now, quickly; return whether central answered.

        With since (when the resident's session began), a pull that began at or after it and is
        no older than news_fresh_for stands for this one. While the session's pull (prefetch) is
        asking, its tries stand for the checkout's own: the session's first try is waited for,
        up to timeout; a try after a failure for RETRY_AFTER_FAILED at most; and when the last
        try failed the checkout goes on offline without trying the line itself. Otherwise a
        failure within the session is tried once more, for RETRY_AFTER_FAILED at most. Waiting
        for another request to central counts in the timeout.
        """
        started = time.monotonic()
        if self.quiet():  # central asked for a pause: news pulled within the session still serve
            return since is not None and self._news_since(since)
        if since is not None:
            if self._news_running or not self._news_idle.is_set():
                failed = self._fresh(self._news_failed, since)
                wait = min(timeout, RETRY_AFTER_FAILED) if failed else timeout
                if not self._news_idle.wait(wait):
                    # The try has not ended within the checkout's wait: it has taken nothing
                    # away, and news the session drained before it still stand.
                    return self._news_since(since)
                if self._news_since(since):
                    return True
                if self._news_running and self._fresh(self._news_failed, since):
                    return False  # the last try failed moments ago; the session's pull asks on
            if self._news_since(since):
                return True
            timeout = max(timeout - (time.monotonic() - started), 0.1)  # one wait in all
            if self._fresh(self._news_failed, since):
                timeout = min(timeout, RETRY_AFTER_FAILED)
        try:
            self.pull_once(timeout=timeout, wait=timeout)
        except _Busy:
            return False  # the line is taken; nothing was learnt of central
        except SyncError as exc:
            self._failed(str(exc))
            return False
        self._succeeded()
        return True

    def _news_since(self, since: datetime | SessionStart) -> bool:
        return self._fresh(self._news, since)

    def _fresh(self, pull: tuple[datetime, float] | None, since: datetime | SessionStart) -> bool:
        """Tell whether a pull (kiosk clock, monotonic) began within the session and is no
        older than news_fresh_for. A session opened in this process is compared on the
        monotonic clock, so a clock set back cannot make an earlier pull the session's."""
        if pull is None or time.monotonic() - pull[1] > self.news_fresh_for:
            return False
        start = since if isinstance(since, SessionStart) else SessionStart(since)
        return pull[1] >= start.moment if start.moment is not None else pull[0] >= start.at

    def prefetch(self) -> None:
        """Start pulling central's news in the background (a session's pull already asking
        is asked to try now, for this session, instead).

        A card was shown: its checkout will want news from central, and the resident takes
        longer to choose than central takes to answer. While central cannot be reached (or
        fails on its side), the pull asks again SESSION_RETRY_EVERY after each try, until the
        session ends or SESSION_RETRY_FOR after the last card was shown; a refusal or a
        Retry-After ends the asking (the worker's rounds keep to them).
        """
        with self._news_lock:
            if self._stop.is_set() or self.quiet():
                return  # central asked for a pause: the checkout sells as offline meanwhile
            self._news_asked_at = time.monotonic()
            self._news_idle.clear()  # a try for this session is due: a checkout waits for it
            if self._news_running:
                self._news_again.set()
                return
            self._news_running = True
            self._news_again.clear()
            thread = threading.Thread(target=self._session_news, name="sync-news", daemon=True)
            try:
                thread.start()
            except RuntimeError:  # no thread to be had: the checkout asks central itself
                log.exception("starting the pull for a session's news failed")
                self._news_running = False
                self._news_idle.set()
                return
            self._news_thread = thread

    def quiet(self) -> bool:
        """Tell whether central's last Retry-After still holds: nothing is sent until it ends."""
        return time.monotonic() < self._quiet_until

    def wait_for_news(self, timeout: float) -> bool:
        """Wait up to timeout for a try of the session's pull that is under way or due; return
        whether none is."""
        return self._news_idle.wait(timeout)

    def _session_news(self) -> None:
        while True:
            heard, passing = self._try_news()
            # Whether to ask is read outside the lock; a card shown meanwhile asks anyway.
            asked = self._next_try(passing and not heard and self._asking(), after_a_try=True)
            if asked is None:
                return
            if asked:
                continue
            self._news_again.wait(SESSION_RETRY_EVERY)
            if self._next_try(self._asking(), after_a_try=False) is None:
                return

    def _next_try(self, keep: bool, *, after_a_try: bool) -> bool | None:
        """Decide, under the lock prefetch takes, whether the session's pull goes on: None when
        it ends (stopped, or nothing to ask and no card shown since); otherwise whether a card
        shown since asks for a try now. Marks a try due (after the wait) or none (after a try
        with no card shown since) for the checkout."""
        with self._news_lock:
            asked = self._news_again.is_set()
            self._news_again.clear()
            if self._stop.is_set() or not (asked or keep):
                self._news_running = False
                self._news_idle.set()
                return None
            if not after_a_try:
                self._news_idle.clear()
            elif not asked:
                self._news_idle.set()  # none under way or due until the next try
            return asked

    def _try_news(self) -> tuple[bool, bool]:
        """Try the session's pull once; return whether central answered, and whether asking
        again in a moment may succeed."""
        try:
            self.pull_once(timeout=2.0)
        except SyncError as exc:
            self._failed(str(exc))
            return False, exc.passing
        except Exception:  # never let a background pull raise into nowhere: log it
            log.exception("pulling news for a session failed")
            return False, False
        self._succeeded()
        return True, False

    def _asking(self) -> bool:
        """Tell whether the session's pull should ask central again: a resident's session is
        open, and the last card was shown no longer than SESSION_RETRY_FOR ago."""
        if time.monotonic() - self._news_asked_at > SESSION_RETRY_FOR:
            return False
        try:
            return session_started(self.k) is not None
        except Exception:  # the database is unwell: the worker's rounds go on without this
            log.exception("reading whether a session is open failed")
            return False

    def backlog(self) -> int:
        """Return how many outbox rows wait to be sent."""
        with self.k.uow(write=False) as uow:
            return (
                uow.session.scalar(
                    select(func.count()).where(OutboxRow.status == OutboxStatus.PENDING)
                )
                or 0
            )

    # -- the worker --------------------------------------------------------------------------

    def start(self, interval: float = 5.0) -> None:
        """Run the sync loop in a background thread."""
        self._thread = threading.Thread(
            target=self._run, args=(interval,), name="sync", daemon=True
        )
        self._thread.start()

    def wake(self) -> None:
        """Ask the worker to sync now (after a checkout, say)."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the worker and close the connection."""
        self._stop.set()
        self._wake.set()
        self._news_again.set()
        if self._thread is not None:
            self._thread.join(timeout)
        with self._news_lock:
            pending = self._news_thread
        if pending is not None:
            pending.join(timeout)
        self.http.close()

    def _run(self, interval: float) -> None:
        while not self._stop.is_set():
            wait, not_before = self._round(interval)
            self._wake.wait(wait)
            self._wake.clear()
            left = max(not_before, self._quiet_until) - time.monotonic()
            if left > 0:
                self._stop.wait(left)

    def _round(self, interval: float) -> tuple[float, float]:
        """Sync once; return how long to wait for the next round and the monotonic time before
        which no round may start even when woken (central's Retry-After)."""
        try:
            self.sync_once()
        except SyncError as exc:
            wait = self._backoff()
            if exc.retry_after is not None:
                # Central asked us to wait (rate limit, busy): no sooner, even when woken.
                return max(wait, exc.retry_after), time.monotonic() + exc.retry_after
            return wait, 0.0
        except Exception:  # never let the worker die: log, back off, try again
            log.exception("sync round failed")
            return self._backoff(), 0.0
        self._offline_since = None
        return interval, 0.0

    def _backoff(self) -> float:
        now = time.monotonic()
        if self._offline_since is None:
            self._offline_since = now
        delay = backoff_seconds(now - self._offline_since)
        return random.uniform(delay / 2, delay)  # jitter: kiosks don't return in step

    # -- plumbing ----------------------------------------------------------------------------

    def _call(
        self, method: str, path: str, *, ok=(200,), waited_for: bool = False, **kw
    ) -> dict[str, Any]:
        """Send one request to central and return its JSON answer (SyncError: none).

        While central's last Retry-After holds, nothing is sent: whichever thread would send
        it (the worker, a card's pull for news, a checkout, the shopkeeper's "sync now") hears
        at once that central asked for a pause. Only a request a person waits for at the
        counter (waited_for: a card the kiosk does not know) still goes.
        """
        left = self._quiet_until - time.monotonic()
        if left > 0 and not waited_for:
            raise SyncError(f"central asked for a pause ({left:.0f} s left)", left)
        try:
            response = self.http.request(method, path, **kw)
        except httpx.HTTPError as exc:
            raise SyncError(f"central unreachable: {exc.__class__.__name__}") from exc
        if response.status_code in (404, 405) and path == "/api/v1/sync":
            raise _NoRoute()
        if response.status_code not in ok:
            try:
                reason = response.json()["error"]["message"]
            except (ValueError, KeyError, TypeError):
                reason = response.text[:200]
            pause = retry_after_seconds(response.headers.get("Retry-After"))
            if pause is not None:  # central's last word on it holds, longer or shorter
                self._quiet_until = time.monotonic() + pause
            raise SyncError(
                f"central answered {response.status_code}: {reason}", pause, response.status_code
            )
        try:
            return response.json()
        except ValueError as exc:
            raise SyncError(
                "central answered with something that is not JSON", status=response.status_code
            ) from exc

    def _succeeded(self) -> None:
        s = self.status
        # Count first: whoever sees "online" must not see the backlog of the outage with it.
        backlog = self.backlog()
        with self.k.uow(write=False) as uow:
            rejected = (
                uow.session.scalar(
                    select(func.count()).where(OutboxRow.status == OutboxStatus.REJECTED)
                )
                or 0
            )
        s.backlog, s.rejected = backlog, rejected
        s.last_success = self.k.clock.now()
        s.online, s.failures = True, 0
        s.last_error = s.last_error_at = None  # the problem is over once a round succeeds
        self.k.changed("sync")

    def _failed(self, error: str) -> None:
        s = self.status
        s.online = False
        s.failures += 1
        s.last_error, s.last_error_at = error, self.k.clock.now()
        s.backlog = self.backlog()
        self.k.changed("sync")


def _within_push_limit(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the leading entries whose request body stays under central's size limit (at least
    one: a single entry is always within it, as the outbox refuses bigger ones)."""
    budget = MAX_PUSH_BYTES - 4096  # the envelope: kiosk id, version, brackets
    for n, entry in enumerate(entries):
        budget -= len(json.dumps(entry)) + 1  # escaped as ASCII: never less than sent
        if budget < 0 and n > 0:
            return entries[:n]
    return entries
