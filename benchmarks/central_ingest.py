"""Central ingest throughput into PostgreSQL through the real HTTP push endpoint.

Simulated kiosks push chained entries (exchanges with lines and stock moves, check-ins,
adjustments) in batches of 500 to central served by gunicorn with several workers. Reported:
entries/s, p50/p99 batch latency, the same rows through a bare batched
`INSERT … ON CONFLICT DO NOTHING` measured in the same run (the ratio says what validation,
exactly-once bookkeeping, chain checks and HTTP cost), and a full replay, which must apply 0.

Kiosks make time-ordered ids (UUIDv7, core.domain.ids) for their entries, exchanges and ledger
entries; `--ids v4` pushes random ids instead, as kiosks of earlier releases did.

    python benchmarks/central_ingest.py [--entries 1000000] [--kiosks 8] [--workers 4] [--ids v4]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx
import psycopg

from core.domain.ids import Uuid7
from core.domain.ledger import GENESIS_HASH, EntryFacts, chain_hash
from sync.central.server import open_central
from sync.central.services import goods as goods_service
from sync.central.services import kiosks as kiosks_service
from sync.central.services import partitions as partitions_service
from sync.central.services import roster as roster_service
from sync.central.services.users import site_secret

ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


# The tables a push writes rows to (summary tables, updated in place, aside).
WRITTEN = (
    "sync_entries",
    "ledger_entries",
    "exchanges",
    "exchange_lines",
    "stock_moves",
    "changes",
    "store_members",
)
BENCH_PRODUCT = goods_service.ProductRow(2, "RICE", "大米 10斤", "粮油", 40, "袋")


def make_entries(
    kiosk_id: str,
    count: int,
    households: list[str],
    rng: random.Random,
    ids: str = "v7",
    home: list[str] | None = None,
    home_share: float = 0.0,
):
    """Return a kiosk's outbox entries with a valid ledger chain, as central's rules allow.

    The first entry receives a batch of rice; then three exchanges in four draw on it and the
    fourth voids the exchange before it (points back, goods back). Kiosks do not adjust
    points, so the credits in the mix are voids. Ids are made as the kiosk makes them at the
    entry's time (v7), or random (v4). With home, that share of the exchanges is by households
    of the kiosk's own village (a quarter of all here), the rest by any household.
    """
    prev, out = GENESIS_HASH, []
    start = datetime(2026, 1, 1)
    ledger_seq = 0
    last: dict | None = None
    clock = [0]
    v7 = Uuid7(clock_ms=lambda: clock[0], random_bits=rng.getrandbits)

    def new_id() -> str:
        return (
            str(v7.next_uuid())
            if ids == "v7"
            else str(uuid.UUID(int=rng.getrandbits(128), version=4))
        )

    for seq in range(1, count + 1):
        at = start + timedelta(seconds=seq)
        clock[0] = int((at - datetime(1970, 1, 1)).total_seconds() * 1000)
        stamp = at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        if seq == 1:
            payload = {
                "batch_id": 1,
                "product_code": "RICE",
                "qty": 100_000,
                "source": "purchase",
                "donor": "",
                "unit_value_cents": 3800,
                "received_at": stamp,
            }
            out.append(_entry(new_id(), seq, "restock", stamp, payload))
            continue
        kind = "void" if seq % 4 == 0 and last is not None else "exchange"
        if kind == "void":
            household, points, ref = last["household_id"], last["total"], last["exchange_id"]
        else:
            local = home is not None and home_share > 0 and rng.random() < home_share
            household = rng.choice(home if local else households)
            points, ref = -rng.randrange(5, 60), new_id()
        ledger_seq += 1
        ledger_kind = "spend" if kind == "exchange" else "void"
        facts = EntryFacts(
            new_id(),
            kiosk_id,
            ledger_seq,
            household,
            ledger_kind,
            points,
            ref,
            stamp,
        )
        own = chain_hash(prev, facts)
        ledger = {
            "id": facts.id,
            "kiosk_id": kiosk_id,
            "seq": ledger_seq,
            "household_id": household,
            "kind": ledger_kind,
            "points": points,
            "ref": ref,
            "created_at": stamp,
            "prev_hash": prev,
            "hash": own,
        }
        prev = own
        if kind == "exchange":
            payload = last = {
                "exchange_id": ref,
                "number": f"{kiosk_id}-{ledger_seq:06d}",
                "household_id": household,
                "resident_id": f"{household}-1",
                "beneficiary_id": None,
                "total": -points,
                "lines": [{"product_code": "RICE", "qty": 1, "points": -points}],
                "stock": [{"product_code": "RICE", "batch_id": 1, "qty": -1}],
                "ledger": ledger,
            }
        else:
            payload = {
                "exchange_id": ref,
                "number": last["number"],
                "reason": "benchmark",
                "stock": [{"product_code": "RICE", "batch_id": 1, "qty": 1}],
                "ledger": ledger,
            }
            last = None
        out.append(_entry(new_id(), seq, kind, stamp, payload))
    return out


def _entry(entry_id: str, seq: int, kind: str, stamp: str, payload: dict) -> dict:
    return {
        "id": entry_id,
        "seq": seq,
        "kind": kind,
        "created_at": stamp,
        "payload": payload,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(
    url: str, workers: int, *extra: str, port: int | None = None
) -> tuple[subprocess.Popen, str]:
    """Start central under gunicorn (on port, or a free one); return the process and its base
    URL once it answers."""
    port = port or free_port()
    env = {**os.environ, "KIOSK_CENTRAL_DATABASE_URL": url}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(workers),
            *extra,
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "300",
            "--log-level",
            "warning",
            "sync.central.wsgi:app",
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if httpx.get(base + "/api/v1/health").status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    return server, base


def push_all(base: str, tokens: dict[str, str], batches: dict[str, list[bytes]]):
    """Push every kiosk's batches concurrently; return latencies and per-status counts.

    Bodies are encoded before the clock starts: real kiosks are other machines, and here the
    clients share the two cores with the server and the database.
    """
    latencies: list[float] = []
    counts: dict[str, int] = {}
    lock = threading.Lock()

    def run(kiosk_id: str) -> None:
        headers = {
            "Authorization": f"Bearer {tokens[kiosk_id]}",
            "Content-Type": "application/json",
        }
        with httpx.Client(base_url=base, timeout=120, headers=headers) as client:
            for body in batches[kiosk_id]:
                t = time.perf_counter()
                r = client.post("/api/v1/push", content=body)
                elapsed = time.perf_counter() - t
                r.raise_for_status()
                with lock:
                    latencies.append(elapsed)
                    for result in r.json()["results"]:
                        counts[result["status"]] = counts.get(result["status"], 0) + 1

    with ThreadPoolExecutor(len(batches)) as pool:
        list(pool.map(run, batches))
    return latencies, counts


def bare_insert(url: str, entries: list[dict]) -> float:
    """Insert the same ledger rows with batched INSERT … ON CONFLICT DO NOTHING; return seconds."""
    rows = [
        (
            e["payload"]["ledger"]["id"],
            e["payload"]["ledger"]["kiosk_id"],
            e["payload"]["ledger"]["seq"],
            e["payload"]["ledger"]["household_id"],
            e["payload"]["ledger"]["kind"],
            e["payload"]["ledger"]["points"],
            e["payload"]["ledger"]["ref"],
            e["payload"]["ledger"]["created_at"],
            e["payload"]["ledger"]["prev_hash"],
            e["payload"]["ledger"]["hash"],
        )
        for e in entries
        if "ledger" in e["payload"]
    ]
    with psycopg.connect(url) as con:
        con.execute(
            "CREATE TABLE bare_ledger (id uuid PRIMARY KEY, kiosk_id text, seq bigint,"
            " household_id text, kind text, points int, ref text, created_at timestamp,"
            " prev_hash text, hash text, UNIQUE (kiosk_id, seq))"
        )
        con.commit()
        t = time.perf_counter()
        with con.cursor() as cur:
            for i in range(0, len(rows), 500):
                cur.executemany(
                    "INSERT INTO bare_ledger VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"
                    " ON CONFLICT DO NOTHING",
                    rows[i : i + 500],
                )
                con.commit()
        return time.perf_counter() - t


def floor_insert(url: str, entries: int, batch: int = 500, copy: bool = False) -> dict:
    """Insert every row the push wrote again, bare: the database's own floor for the push.

    Each written table gets an empty copy with its columns, indexes and checks (not its
    foreign keys); its rows are read back and inserted with batched `INSERT`s as the bare
    baseline inserts the ledger rows, a batch's share of every table per transaction (as many
    transactions as the push had batches). No validation, no lookups, no summary rows, no
    HTTP: what the push's own rows cost the database and the protocol, nothing else. With
    copy, each batch's rows go in by `COPY … FROM STDIN` instead.
    """
    into = "floor_copy" if copy else "floor"
    rows: dict[str, list[tuple]] = {}
    with psycopg.connect(url) as con:
        for table in WRITTEN:
            columns = [
                name
                for (name,) in con.execute(
                    "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass"
                    " AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
                    (table,),
                )
            ]
            con.execute(f"CREATE TABLE {into}_{table} (LIKE {table} INCLUDING ALL)")
            # Read as text: the server casts each value back to its column's type on insert.
            rows[table] = con.execute(
                f"SELECT {', '.join(f'{c}::text' for c in columns)} FROM {table}"
            ).fetchall()
        con.commit()
        count = sum(len(v) for v in rows.values())
        batches = max(1, -(-entries // batch))
        spent = dict.fromkeys(rows, 0.0)
        t = time.perf_counter()
        with con.cursor() as cur:
            for i in range(batches):
                for table, table_rows in rows.items():
                    size = -(-len(table_rows) // batches)
                    part = table_rows[i * size : (i + 1) * size]
                    if part:
                        begun = time.perf_counter()
                        if copy:
                            with cur.copy(f"COPY {into}_{table} FROM STDIN") as out:
                                for row in part:
                                    out.write_row(row)
                        else:
                            marks = ", ".join(["%s"] * len(part[0]))
                            cur.executemany(f"INSERT INTO {into}_{table} VALUES ({marks})", part)
                        spent[table] += time.perf_counter() - begun
                con.commit()
        seconds = time.perf_counter() - t
    return {
        "rows": count,
        "seconds": round(seconds, 2),
        "rows_by_table": {table: len(v) for table, v in rows.items()},
        "seconds_by_table": {table: round(v, 2) for table, v in spent.items()},
    }


def count_rows(url: str) -> dict[str, int]:
    """Return how many rows each table a push writes holds."""
    with psycopg.connect(url) as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in WRITTEN}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)


def main() -> None:
    """Set up, push, replay, compare and save."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--kiosks", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3)  # 2 cores: PostgreSQL needs its share
    parser.add_argument("--households", type=int, default=5_000)
    parser.add_argument(
        "--home-share",
        type=float,
        default=0.0,
        help="share of a kiosk's exchanges by households of its own store's village (the rest"
        " drawn from all households); 0, the default, draws every one from all households",
    )
    parser.add_argument(
        "--opening-points",
        type=int,
        default=1_000,
        help="each household's opening balance from the roster (0: most spends overdraw)",
    )
    parser.add_argument(
        "--ids",
        choices=("v7", "v4"),
        default="v7",
        help="ids the kiosks make: time-ordered (v7, as kiosks do) or random (v4, older releases)",
    )
    parser.add_argument(
        "--close-whole-feed",
        action="store_true",
        help="close the programme's whole feed first (`kiosk central whole-feed close`), as a"
        " programme whose kiosks are all of this release may: entries are not copied to it",
    )
    parser.add_argument(
        "--months",
        type=int,
        default=0,
        help="make the monthly partitions of this many months before the current one first, as"
        " a central that has run that long holds them (the entries' own month among them)",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also insert every row the push wrote again, bare (the database's own floor)",
    )
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).with_name("results") / "central_ingest.json"
    )
    args = parser.parse_args()

    name = f"kt_bench_{secrets.token_hex(4)}"
    with psycopg.connect(ADMIN, autocommit=True) as con:
        con.execute(f"CREATE DATABASE {name}")
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    server = None
    try:
        central = open_central(url)
        rows = [
            roster_service.RosterRow(i, f"户{i}", f"居民{i}", "", args.opening_points)
            for i in range(args.households)
        ]
        roster_service.add_roster(central, rows)
        goods_service.save_products(central, [BENCH_PRODUCT])
        tokens = {}
        for i in range(args.kiosks):
            done = kiosks_service.enroll(central, f"门店{i % 4}", f"K{i:03d}")
            tokens[done.kiosk_id] = done.token
        households = [f"H{i:06d}" for i in range(1, args.households + 1)]
        if args.close_whole_feed:
            kiosks_service.close_whole_feed(central)
        if args.months:
            this_month = date.today().replace(day=1)
            first = partitions_service.month_after(this_month, -args.months)
            partitions_service.ensure_months(central, first, this_month)
        # Made here, once: gunicorn's workers starting together would race to create it.
        site_secret(central)
        central.engine.dispose()

        rng = random.Random(5)
        per_kiosk = args.entries // args.kiosks
        t = time.perf_counter()
        stores = {k: i % 4 for i, k in enumerate(tokens)}  # enrolled above: 门店{i % 4}
        entries = {
            k: make_entries(
                k,
                per_kiosk,
                households,
                rng,
                args.ids,
                home=households[stores[k] :: 4],
                home_share=args.home_share,
            )
            for k in tokens
        }
        print(f"generated {per_kiosk * args.kiosks:,} entries in {time.perf_counter() - t:.1f} s")
        batches = {
            k: [
                json.dumps({"kiosk_id": k, "entries": v[i : i + 500]}).encode()
                for i in range(0, len(v), 500)
            ]
            for k, v in entries.items()
        }

        server, base = serve(url, args.workers)
        load_before = os.getloadavg()
        plain = f"postgresql://postgres@127.0.0.1:5432/{name}"
        setup_rows = count_rows(plain)

        t, cpu = time.perf_counter(), time.process_time()
        latencies, counts = push_all(base, tokens, batches)
        pushed = time.perf_counter() - t
        client_cpu = time.process_time() - cpu
        total = sum(len(v) for v in entries.values())
        t = time.perf_counter()
        _, replay = push_all(base, tokens, batches)
        replayed = time.perf_counter() - t

        flat = [e for v in entries.values() for e in v]
        bare = bare_insert(f"postgresql://postgres@127.0.0.1:5432/{name}", flat)
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{name}") as con:
            held = con.execute(
                "SELECT count(*) FROM ledger_entries WHERE kiosk_id <> 'CENTRAL'"
            ).fetchone()[0]
            partitions = con.execute(
                "SELECT count(*) FROM pg_inherits WHERE inhparent = 'ledger_entries'::regclass"
            ).fetchone()[0]
            mismatched = con.execute(
                "SELECT count(*) FROM households h WHERE h.balance <> (SELECT coalesce(sum("
                "points), 0) FROM ledger_entries l WHERE l.household_id = h.id)"
            ).fetchone()[0]
            alerts = con.execute("SELECT kind, count(*) FROM alerts GROUP BY kind").fetchall()
            # What the push wrote besides the ledger rows the bare insert writes (like for like?)
            written = {t: n - setup_rows[t] for t, n in count_rows(plain).items()}
            load = os.getloadavg()
        result = {
            "benchmark": "central_ingest",
            "when": datetime.now().isoformat(timespec="seconds"),
            "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
            "entries": total,
            "kiosks": args.kiosks,
            "server_workers": args.workers,
            "batch_size": 500,
            "ids": args.ids,
            "home_share": args.home_share,
            "opening_points": args.opening_points,
            "whole_feed_closed": args.close_whole_feed,
            "months_before_partitioned": args.months,
            "partitions": partitions,
            "push_seconds": round(pushed, 2),
            "entries_per_second": round(total / pushed),
            "batch_latency_p50_ms": pct(latencies, 0.50),
            "batch_latency_p99_ms": pct(latencies, 0.99),
            "statuses": counts,
            "client_cpu_share": round(client_cpu / (pushed * (os.cpu_count() or 1)), 3),
            "replay_seconds": round(replayed, 2),
            "replay_statuses": replay,
            "replay_applied": replay.get("applied", 0),
            "baseline_bare_insert_seconds": round(bare, 2),
            "baseline_entries_per_second": round(total / bare),
            "ratio_http_to_bare_insert": round((total / pushed) / (total / bare), 3),
            "ledger_rows_held": held,
            "households_with_balance_not_ledger_sum": mismatched,
            "alerts": dict(alerts),
            "rows_written": written,
            "rows_written_per_entry": round(sum(written.values()) / total, 2),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in load],
            "target_entries_per_second": 5000,
            "meets_target": total / pushed >= 5000,
        }
        if args.floor:
            for key, copy in (("floor_all_rows_bare", False), ("floor_all_rows_copy", True)):
                floor = floor_insert(plain, total, copy=copy)
                result[key] = {
                    **floor,
                    "entries_per_second": round(total / floor["seconds"]),
                    # The most the push's ratio could be if all but its rows cost nothing.
                    "ratio_to_bare_insert": round(bare / floor["seconds"], 3),
                }
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
        print(json.dumps(result, ensure_ascii=False, indent=2))
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(30)
        with psycopg.connect(ADMIN, autocommit=True) as con:
            con.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    main()
