"""Checkout and balance-lookup latency on a large SQLite kiosk, through the real HTTP API.

Builds a kiosk database with 50,000 households, 500 products and 1,000,000 chained ledger
entries, serves it with waitress on 127.0.0.1 and times POST /api/session/checkout and the card
scan that shows a household's balance. The baseline, measured in the same run on the same
database, is a balance computed by summing the household's ledger entries: what the cached
balance saves.

    python benchmarks/checkout.py [--households 50000] [--entries 1000000] [--checkouts 500]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import random
import sqlite3
import statistics
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import text

from core.domain.codes import card_code, derived_card_token, token_hash
from core.domain.ledger import GENESIS_HASH, EntryFacts, chain_hash
from kiosk.bootstrap import bootstrap
from kiosk.config import load
from printer.simulator import SimulatedPrinter

SECRET = b"benchmark-cards"
KIOSK = "BENCH"


def build(path: Path, households: int, products: int, entries: int) -> None:
    """Fill a migrated kiosk database with a large programme's data."""
    rng = random.Random(7)
    start = datetime(2025, 1, 1)
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    with con:
        con.executemany(
            "INSERT INTO households (id, name, balance, created_at) VALUES (?, ?, 0, ?)",
            ((f"H{i:06d}", f"第{i}户", start) for i in range(households)),
        )
        con.executemany(
            "INSERT INTO residents (id, household_id, name, phone, created_at)"
            " VALUES (?, ?, ?, NULL, ?)",
            ((f"H{i:06d}-1", f"H{i:06d}", f"居民{i}", start) for i in range(households)),
        )
        con.executemany(
            "INSERT INTO cards (resident_id, token_hash, status, issued_at)"
            " VALUES (?, ?, 'active', ?)",
            (
                (f"H{i:06d}-1", token_hash(derived_card_token(SECRET, str(i))), start)
                for i in range(households)
            ),
        )
        con.executemany(
            "INSERT INTO products (code, name, unit, category, points, active, stock)"
            " VALUES (?, ?, '件', ?, ?, 1, 1000000)",
            ((f"P{i:04d}", f"商品{i}", f"类{i % 8}", 1 + i % 20) for i in range(products)),
        )
        con.executemany(
            "INSERT INTO stock_batches (product_code, source, donor, unit_value_cents, qty_in,"
            " remaining, received_at) VALUES (?, 'donation', '基准捐赠方', 100, 1000000,"
            " 1000000, ?)",
            ((f"P{i:04d}", start) for i in range(products)),
        )
        con.execute(
            "INSERT INTO stock_movements (product_code, batch_id, kind, qty, ref, created_at)"
            " SELECT product_code, id, 'restock', qty_in, 'batch-' || id, received_at"
            " FROM stock_batches"
        )
        prev = GENESIS_HASH
        balances = [0] * households
        rows = []
        for seq in range(1, entries + 1):
            h = rng.randrange(households)
            kind, points = ("earn", rng.randrange(5, 40)) if seq % 3 else ("spend", -1)
            if kind == "spend":
                points = -min(balances[h], rng.randrange(1, 30))
            balances[h] += points
            at = start + timedelta(seconds=seq * 30)
            facts = EntryFacts(
                id=f"00000000-0000-4000-8000-{seq:012d}",
                kiosk_id=KIOSK,
                seq=seq,
                household_id=f"H{h:06d}",
                kind=kind,
                points=points,
                ref="bench",
                created_at=at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            )
            own = chain_hash(prev, facts)
            rows.append(
                (facts.id, KIOSK, seq, facts.household_id, kind, points, "bench", at, prev, own)
            )
            prev = own
            if len(rows) == 50_000:
                _insert_entries(con, rows)
                rows = []
        _insert_entries(con, rows)
        con.executemany(
            "UPDATE households SET balance = ? WHERE id = ?",
            ((b + 10_000, f"H{i:06d}") for i, b in enumerate(balances)),
        )
        # Top every household up by one entry so the cache stays equal to the ledger sum.
        topups = []
        for i in range(households):
            seq = entries + i + 1
            at = start + timedelta(seconds=seq * 30)
            facts = EntryFacts(
                f"00000000-0000-4000-9000-{seq:012d}",
                KIOSK,
                seq,
                f"H{i:06d}",
                "adjust",
                10_000,
                "bench",
                at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            )
            own = chain_hash(prev, facts)
            topups.append(
                (facts.id, KIOSK, seq, facts.household_id, "adjust", 10_000, "bench", at, prev, own)
            )
            prev = own
        _insert_entries(con, topups)
        con.execute(
            "INSERT INTO kiosk_state (kiosk_id, last_seq, last_hash) VALUES (?, ?, ?)",
            (KIOSK, entries + households, prev),
        )
    con.execute("ANALYZE")
    con.close()


def _insert_entries(con: sqlite3.Connection, rows: list[tuple]) -> None:
    con.executemany(
        "INSERT INTO ledger_entries (id, kiosk_id, seq, household_id, kind, points, ref,"
        " created_at, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


def percentiles(samples: list[float]) -> dict[str, float]:
    """Return p50/p95/p99 and the mean in milliseconds."""
    ordered = sorted(samples)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 3)

    return {
        "n": len(ordered),
        "p50_ms": at(0.50),
        "p95_ms": at(0.95),
        "p99_ms": at(0.99),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 3),
    }


def measure(
    households: int,
    products: int,
    entries: int,
    checkouts: int,
    cart_sizes: list[int] | None = None,
) -> dict:
    """Build a kiosk of this size, serve it, time checkouts and balance lookups; return figures.

    cart_sizes: the goods a cart holds, drawn from this list for each checkout (default: one
    to three), so that another benchmark can compare like carts with like.
    """
    from waitress import create_server

    from terminal_ui import create_app

    with tempfile.TemporaryDirectory() as tmp:
        settings = load(None, kiosk={"id": KIOSK, "store": "基准超市", "data_dir": tmp})
        runtime = bootstrap(settings, printer=SimulatedPrinter())
        db = Path(tmp) / "kiosk.db"
        t0 = time.perf_counter()
        build(db, households, products, entries)
        built = time.perf_counter() - t0
        print(f"built {entries:,} entries, {households:,} households in {built:.1f} s")

        server = create_server(create_app(runtime), host="127.0.0.1", port=0, threads=8)
        threading.Thread(target=server.run, daemon=True).start()
        base = f"http://127.0.0.1:{server.effective_port}"
        rng = random.Random(11)
        checkout_s, scan_s = [], []
        with httpx.Client(base_url=base, timeout=30) as client:
            for _ in range(checkouts):
                i = rng.randrange(households)
                code = card_code(derived_card_token(SECRET, str(i)))
                t = time.perf_counter()
                r = client.post("/api/scan", json={"code": code})
                scan_s.append(time.perf_counter() - t)
                r.raise_for_status()
                lines = rng.choice(cart_sizes) if cart_sizes else rng.randrange(1, 4)
                for _ in range(lines):
                    product = f"P{rng.randrange(products):04d}"
                    client.post(
                        "/api/session/cart",
                        json={"product_code": product, "qty": rng.randrange(1, 3)},
                    )
                t = time.perf_counter()
                r = client.post("/api/session/checkout")
                checkout_s.append(time.perf_counter() - t)
                r.raise_for_status()
        server.close()

        cached_s, summed_s = [], []
        with runtime.kiosk.engine.connect() as conn:
            for _ in range(2000):
                hid = f"H{rng.randrange(households):06d}"
                t = time.perf_counter()
                conn.execute(text("SELECT balance FROM households WHERE id = :h"), {"h": hid})
                cached_s.append(time.perf_counter() - t)
                t = time.perf_counter()
                conn.execute(
                    text("SELECT sum(points) FROM ledger_entries WHERE household_id = :h"),
                    {"h": hid},
                ).scalar()
                summed_s.append(time.perf_counter() - t)
            plan = conn.execute(
                text("EXPLAIN QUERY PLAN SELECT balance FROM households WHERE id = 'H000001'")
            ).all()
        from kiosk.services import doctor

        problems = doctor.check(runtime.kiosk)
        runtime.close()

    return {
        "benchmark": "checkout",
        "when": datetime.now().isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "sizes": {
            "households": households,
            "products": products,
            "ledger_entries": entries + households,
        },
        "build_seconds": round(built, 1),
        "checkout_http": percentiles(checkout_s),
        "card_scan_http": percentiles(scan_s),
        "balance_cached": percentiles(cached_s),
        "baseline_balance_ledger_sum": percentiles(summed_s),
        "ratio_cached_to_ledger_sum_p50": round(
            statistics.median(cached_s) / statistics.median(summed_s), 3
        ),
        "balance_query_plan": [str(row[-1]) for row in plan],
        "target_checkout_p95_ms": 50,
        "meets_target": percentiles(checkout_s)["p95_ms"] <= 50,
        "doctor_problems_after": problems,
    }


def main() -> None:
    """Build, serve, measure and save the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=50_000)
    parser.add_argument("--products", type=int, default=500)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--checkouts", type=int, default=500)
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).with_name("results") / "checkout.json"
    )
    args = parser.parse_args()
    result = measure(args.households, args.products, args.entries, args.checkouts)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    hashlib.sha256()  # fail fast on a broken OpenSSL before spending minutes building
    main()
