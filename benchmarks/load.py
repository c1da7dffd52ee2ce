"""A load run: a thousand kiosks syncing with central while the office reads its figures.

Central runs under gunicorn (several workers and threads) on PostgreSQL. 1,000 kiosks are
enrolled in 20 stores; each one, at its own moment, every --interval seconds (jittered): pushes
the new entries it made since (chained exchanges and adjustments, --entries-per-hour on average,
Poisson-distributed per round; often none, and then it pushes nothing, as the real client does),
pulls the change feed from its cursor until drained, and sends a heartbeat. Failed pushes stay
pending and go again next round, as at a kiosk. Office users meanwhile read the dashboard, the
monthly report, a household search and the stats API.

Reported per endpoint: requests, p50/p95/p99 latency and errors by status. At the end every
kiosk pushes what is still pending, and central must hold every pushed entry exactly once, with
every balance equal to its ledger sum. One asyncio client drives all kiosks (entries are made
before the clock starts), so the load generator takes little of the two cores it shares.

    python benchmarks/load.py [--kiosks 1000] [--duration 180] [--interval 20] [--workers 4]
                              [--entries-per-hour 60] [--three-requests]
                              [--db NAME]   # an existing central database (e.g. the dashboard's)

Each round is one request by default, `POST /api/v1/sync` (the batch, a page of the store's feed,
the heartbeat; repeated while entries or changes are left); --three-requests syncs as kiosks
before it did: push (when it has entries), changes until drained, heartbeat. Each kiosk reads
its store's feed (`scope=store`): the households of its store's set and their
confirmed balances, not every other kiosk's entries, so what a kiosk receives follows its own
store's work. The households are spread over the stores' sets; a kiosk's entries are for its
store's households, and --elsewhere of them (2% by default) for households of other stores,
which join its store's set as they shop there. --whole-feed makes the kiosks read the feed as
kiosks of protocol 1 do (every kiosk's entries), as earlier runs measured.
60 entries an hour is a busy village store's counter all day (exchanges, check-ins, voids);
--entries-per-hour 200 is the heavier load of earlier runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import re
import secrets
import signal
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import httpx
import orjson
import psycopg
from central_ingest import ADMIN, BENCH_PRODUCT, make_entries, serve
from sqlalchemy import select

from sync.central.models import Household
from sync.central.server import open_central
from sync.central.services import goods, roster, store_feed
from sync.central.services import kiosks as kiosks_service
from sync.central.services import tokens as tokens_service
from sync.central.services.users import add_user, site_secret

STORES = 20
OFFICE_PAGES = ("/", "/reports/monthly", "/households?q=居民1")


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)


class Recorder:
    """Latencies and statuses per endpoint."""

    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.changes = 0  # feed changes received by all kiosks

    async def call(self, name: str, client: httpx.AsyncClient, method: str, path: str, **kw):
        t = time.perf_counter()
        try:
            answer = await client.request(method, path, **kw)
        except httpx.HTTPError as exc:
            self.statuses[name][type(exc).__name__] += 1
            return None
        self.latencies[name].append(time.perf_counter() - t)
        self.statuses[name][str(answer.status_code)] += 1
        return answer

    def report(self, seconds: float) -> dict[str, dict]:
        out = {}
        for name in sorted(self.statuses):
            done = self.latencies[name]
            statuses = dict(self.statuses[name])
            out[name] = {
                "requests": sum(statuses.values()),
                "per_second": round(sum(statuses.values()) / seconds, 1),
                "p50_ms": pct(done, 0.50),
                "p95_ms": pct(done, 0.95),
                "p99_ms": pct(done, 0.99),
                "max_ms": round(max(done) * 1000, 1) if done else None,
                "statuses": statuses,
                "errors": sum(n for s, n in statuses.items() if not s.startswith("2")),
            }
        return out


def poisson(rng: random.Random, mean: float) -> int:
    """Draw from a Poisson distribution (Knuth's method; the means here are small)."""
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


class SimKiosk:
    """One kiosk: its token, its chained entries not yet made, pending and acknowledged."""

    def __init__(
        self, kiosk_id: str, token: str, entries: list[dict], cursor: int, scope: str | None
    ) -> None:
        self.kiosk_id = kiosk_id
        self.scope = {"scope": scope} if scope else {}
        self.headers = {"Authorization": f"Bearer {token}"}
        self.future = entries
        self.pending: list[dict] = []
        self.acknowledged: dict[str, str] = {}  # entry id -> ledger id
        self.cursor = cursor
        self.rounds = 0

    def make(self, rng: random.Random, mean: float) -> None:
        count = min(poisson(rng, mean), len(self.future))
        self.pending += self.future[:count]
        del self.future[:count]

    async def push(self, client: httpx.AsyncClient, rec: Recorder) -> bool:
        if not self.pending:
            return True
        body = {"kiosk_id": self.kiosk_id, "version": "load", "entries": self.pending[:500]}
        answer = await rec.call(
            "POST /api/v1/push", client, "POST", "/api/v1/push", json=body, headers=self.headers
        )
        if answer is None or answer.status_code != 200:
            return False
        self._acknowledge(body["entries"], answer.json()["results"])
        return True

    async def pull(self, client: httpx.AsyncClient, rec: Recorder) -> None:
        while True:
            answer = await rec.call(
                "GET /api/v1/changes",
                client,
                "GET",
                "/api/v1/changes",
                params={"after": self.cursor, "limit": 500, **self.scope},
                headers=self.headers,
            )
            if answer is None or answer.status_code != 200:
                return
            page = orjson.loads(answer.content)
            rec.changes += len(page["changes"])
            self.cursor = page["cursor"]
            if not page["more"]:
                return

    async def sync(self, client: httpx.AsyncClient, rec: Recorder) -> bool:
        """One whole round per request (`POST /api/v1/sync`), repeated while anything is left."""
        while True:
            entries = self.pending[:500]
            body = {
                "kiosk_id": self.kiosk_id,
                "version": "load",
                "entries": entries,
                "after": self.cursor,
                "limit": 500,
                "heartbeat": {
                    "version": "load",
                    "backlog": len(self.pending) - len(entries),
                    "printer": "ok",
                    "camera": "ok",
                },
            }
            answer = await rec.call(
                "POST /api/v1/sync", client, "POST", "/api/v1/sync", json=body, headers=self.headers
            )
            if answer is None or answer.status_code != 200:
                return False
            page = orjson.loads(answer.content)
            self._acknowledge(entries, page["results"])
            rec.changes += len(page["changes"])
            self.cursor = page["cursor"]
            if not page["more"] and len(self.pending) == 0:
                return True

    def _acknowledge(self, entries: list[dict], results: list[dict]) -> None:
        sent = {e["id"]: e for e in entries}
        for result in results:
            entry = sent[result["id"]]
            if result["status"] not in ("applied", "duplicate"):
                raise AssertionError(f"{self.kiosk_id}: {result}")
            ledger = entry["payload"].get("ledger")  # a restock carries none
            self.acknowledged[entry["id"]] = ledger["id"] if ledger else ""
        self.pending = [e for e in self.pending if e["id"] not in self.acknowledged]

    async def heartbeat(self, client: httpx.AsyncClient, rec: Recorder) -> None:
        body = {"version": "load", "backlog": len(self.pending), "printer": "ok", "camera": "ok"}
        await rec.call(
            "POST /api/v1/heartbeat",
            client,
            "POST",
            "/api/v1/heartbeat",
            json=body,
            headers=self.headers,
        )


async def run_kiosk(
    k: SimKiosk,
    client,
    rec: Recorder,
    interval: float,
    until: float,
    rng: random.Random,
    per_round: float,
    three_requests: bool,
) -> None:
    await asyncio.sleep(rng.uniform(0, interval))  # kiosks are switched on at different times
    while time.monotonic() < until:
        k.make(rng, per_round)
        if not three_requests:
            await k.sync(client, rec)
        elif await k.push(client, rec):
            await k.pull(client, rec)
            await k.heartbeat(client, rec)
        k.rounds += 1
        await asyncio.sleep(interval * rng.uniform(0.8, 1.2))


async def run_office(
    n: int, base: str, token: str, rec: Recorder, pause: float, until: float
) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        for attempt in range(5):  # the sign-in meets the thousand kiosks' first round
            try:
                page = await client.get("/login")
                csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
                signed = await client.post(
                    "/login",
                    data={"csrf_token": csrf, "username": "load", "password": "load-password"},
                )
                break
            except httpx.TransportError:
                rec.statuses["office sign-in"]["retried"] += 1
                if attempt == 4:
                    raise
        assert signed.status_code == 302, signed.status_code
        await asyncio.sleep(n * pause / 4)
        stats_headers = {"Authorization": f"Bearer {token}"}
        while True:  # at least one round, however long the sign-in took
            for path in OFFICE_PAGES:
                await rec.call(f"GET {path.split('?')[0]} (office)", client, "GET", path)
            await rec.call(
                "GET /api/v1/stats (office)", client, "GET", "/api/v1/stats", headers=stats_headers
            )
            if time.monotonic() >= until:
                break
            await asyncio.sleep(pause)


async def drive(args, base: str, kiosks: list[SimKiosk], office_token: str) -> tuple:
    rec = Recorder()
    rng = random.Random(7)
    limits = httpx.Limits(max_connections=args.connections, max_keepalive_connections=64)
    start = time.monotonic()
    until = start + args.duration
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        tasks = [
            run_kiosk(
                k,
                client,
                rec,
                args.interval,
                until,
                random.Random(rng.random()),
                args.entries_per_hour * args.interval / 3600,
                args.three_requests or args.whole_feed,
            )
            for k in kiosks
        ]
        tasks += [
            run_office(i, base, office_token, rec, args.office_pause, until)
            for i in range(args.office_users)
        ]
        await asyncio.gather(*tasks)
        seconds = time.monotonic() - start
        # Afterwards every kiosk catches up, as it would when the rush is over.
        drain = Recorder()
        for _ in range(20):
            left = [k for k in kiosks if k.pending]
            if not left:
                break
            await asyncio.gather(*(k.push(client, drain) for k in left))
    return rec, seconds, drain


def store_name(i: int) -> str:
    return f"第{i % STORES + 1}村爱心超市"


def setup(url: str, kiosks: int, households: int, fresh: bool) -> tuple[dict[str, str], str]:
    """Enrol the kiosks, an office user and an office token; spread the households over the
    stores' sets; return the tokens."""
    c = open_central(url)
    if fresh:
        rows = [roster.RosterRow(i, f"户{i}", f"居民{i}", "", 100) for i in range(households)]
        roster.add_roster(c, rows)
        goods.save_products(c, [BENCH_PRODUCT])
    site_secret(c)  # made once here, not raced for by the server's workers as they start
    add_user(c, "load", "load-password", "viewer")
    office = tokens_service.office_token(c, "viewer", "load run")
    tokens = {}
    for i in range(kiosks):
        done = kiosks_service.enroll(c, store_name(i), f"L{secrets.token_hex(3)}{i:04d}")
        tokens[done.kiosk_id] = done.token
    if fresh:
        with c.uow(write=False) as uow:
            ids = sorted(uow.session.scalars(select(Household.id)))
        for store in range(min(STORES, kiosks)):
            store_feed.assign(c, store_name(store), ids[store::STORES], actor="load")
    c.engine.dispose()
    return tokens, office


def held(url: str, kiosk_ids: list[str]) -> dict:
    with psycopg.connect(url) as con:
        sync = con.execute(
            "SELECT id::text FROM sync_entries WHERE kiosk_id = ANY(%s) AND status = 'applied'",
            (kiosk_ids,),
        ).fetchall()
        ledger = con.execute(
            "SELECT id::text FROM ledger_entries WHERE kiosk_id = ANY(%s)", (kiosk_ids,)
        ).fetchall()
        mismatched = con.execute(
            "SELECT count(*) FROM households h WHERE h.balance <> (SELECT coalesce(sum("
            "points), 0) FROM ledger_entries l WHERE l.household_id = h.id)"
        ).fetchone()[0]
    return {
        "sync_ids": [r[0] for r in sync],
        "ledger_ids": [r[0] for r in ledger],
        "balances_not_ledger_sum": mismatched,
    }


def main() -> None:
    """Set up, load, drain, check and save."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiosks", type=int, default=1000)
    parser.add_argument("--duration", type=float, default=180, help="seconds of load")
    parser.add_argument("--interval", type=float, default=20, help="seconds between syncs")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--households", type=int, default=5000)
    parser.add_argument(
        "--entries-per-hour", type=float, default=60, help="a kiosk's outbox entries an hour"
    )
    parser.add_argument("--office-users", type=int, default=3)
    parser.add_argument("--office-pause", type=float, default=5, help="seconds between reads")
    parser.add_argument("--connections", type=int, default=64, help="client connection pool")
    parser.add_argument("--db", help="run against this existing central database, keeping it")
    parser.add_argument(
        "--elsewhere",
        type=float,
        default=0.02,
        help="share of entries for other stores' households",
    )
    parser.add_argument(
        "--whole-feed", action="store_true", help="kiosks read the whole feed (protocol 1)"
    )
    parser.add_argument(
        "--three-requests",
        action="store_true",
        help="kiosks sync with push, changes and heartbeat (three requests a round), not /sync",
    )
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).with_name("results") / "load.json"
    )
    args = parser.parse_args()

    name = args.db or f"ek_bench_load_{secrets.token_hex(4)}"
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        parser.error("--db must be a plain lower-case name")
    if not args.db:
        with psycopg.connect(ADMIN, autocommit=True) as con:
            con.execute(f"CREATE DATABASE {name}")
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    plain = f"postgresql://postgres@127.0.0.1:5432/{name}"
    server = None
    try:
        t = time.perf_counter()
        tokens, office = setup(url, args.kiosks, args.households, fresh=not args.db)
        with psycopg.connect(plain) as con:
            households = [r[0] for r in con.execute("SELECT id FROM households")]
            cursor = con.execute("SELECT coalesce(max(id), 0) FROM changes").fetchone()[0]
        print(f"set up {args.kiosks} kiosks in {time.perf_counter() - t:.1f} s", flush=True)
        # Enough entries for every round; a kiosk starts in step with the feed (as after its
        # first sync), so the run measures steady syncing, not a thousand first downloads.
        rounds = int(args.duration / args.interval / 0.8) + 2
        per_round = args.entries_per_hour * args.interval / 3600
        enough = rounds * math.ceil(3 * per_round + 3)
        rng = random.Random(5)
        ordered = sorted(households)
        kiosks = []
        for i, (k, tok) in enumerate(tokens.items()):
            own = ordered[i % STORES :: STORES]
            others = rng.sample(ordered, max(1, round(len(own) * args.elsewhere)))
            chosen = own + others if args.elsewhere > 0 else own
            scope = None if args.whole_feed else "store"
            kiosks.append(SimKiosk(k, tok, make_entries(k, enough, chosen, rng), cursor, scope))
        server, base = serve(url, args.workers, "-k", "gthread", "--threads", str(args.threads))
        rec, seconds, drain = asyncio.run(drive(args, base, kiosks, office))
        pushed = {e: led for k in kiosks for e, led in k.acknowledged.items()}
        pending = sum(len(k.pending) for k in kiosks)
        found = held(plain, list(tokens))
        sync_ids, ledger_ids = found["sync_ids"], found["ledger_ids"]
        result = {
            "benchmark": "load",
            "when": datetime.now().isoformat(timespec="seconds"),
            "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
            "database": "existing: " + name if args.db else "fresh",
            "kiosks": args.kiosks,
            "stores": STORES,
            "households": len(households),
            "office_users": args.office_users,
            "server": f"gunicorn gthread, {args.workers} workers × {args.threads} threads",
            "duration_seconds": round(seconds, 1),
            "sync_interval_seconds": args.interval,
            "entries_per_hour_per_kiosk": args.entries_per_hour,
            "feed": "whole (protocol 1)" if args.whole_feed else "store (scope=store)",
            "round": "push, changes, heartbeat (three requests)"
            if args.three_requests or args.whole_feed
            else "POST /api/v1/sync (one request)",
            "entries_for_other_stores_households": 0 if args.whole_feed else args.elsewhere,
            "kiosk_rounds": sum(k.rounds for k in kiosks),
            "requests_per_second": round(
                sum(sum(s.values()) for s in rec.statuses.values()) / seconds, 1
            ),
            "endpoints": rec.report(seconds),
            "entries_pushed": len(pushed),
            "entries_per_second": round(len(pushed) / seconds, 1),
            "feed_changes_received_per_second": round(rec.changes / seconds),
            "drain_after_run": drain.report(max(seconds, 1)),
            "still_pending": pending,
            "exactly_once": {
                "acknowledged": len(pushed),
                "held_sync_entries": len(sync_ids),
                "held_distinct": len(set(sync_ids)),
                "every_acknowledged_held": set(pushed) <= set(sync_ids),
                "nothing_held_unacknowledged": set(sync_ids) <= set(pushed),
                "ledger_rows_equal_acknowledged": sorted(ledger_ids)
                == sorted(v for v in pushed.values() if v),
                "balances_not_ledger_sum": found["balances_not_ledger_sum"],
            },
        }
        once = result["exactly_once"]
        result["ok"] = (
            pending == 0
            and once["held_sync_entries"] == once["held_distinct"] == len(pushed)
            and once["every_acknowledged_held"]
            and once["nothing_held_unacknowledged"]
            and once["ledger_rows_equal_acknowledged"]
            and once["balances_not_ledger_sum"] == 0
        )
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
        print(json.dumps(result, ensure_ascii=False, indent=2))
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(30)
        if not args.db:
            with psycopg.connect(ADMIN, autocommit=True) as con:
                con.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    main()
