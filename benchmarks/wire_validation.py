"""How fast central checks push bodies against the wire protocol's schemas, library by library.

Realistic batches (500 entries: a restock, then exchanges with lines and stock moves, and voids,
with chained ledger entries, as benchmarks/central_ingest.py pushes them) are encoded and read back
with orjson, as central's API reads them. Each candidate checks the envelope (PUSH_REQUEST) and
then every entry's payload against its kind's schema, as `validate_push` and ingest do. Timed, in
one run: the compiler sync/schema.py held until it was replaced (read from git at OLD_COMMIT),
what sync.schema ships now (jsonschema-rs on a stricter copy of each schema, with the protocol's
formats and messages), jsonschema-rs on the bare schemas, fastjsonschema and jsonschema (if
installed). Ratios are against the old compiler. A refused batch (a fault in its last entry) is
timed too: refusing costs more than accepting with the library, since every break is listed.

    python benchmarks/wire_validation.py [--batches 20] [--reps 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import types
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from central_ingest import make_entries

from sync import protocol, schema

OLD_COMMIT = "d360768"  # the last commit with the compiler that generated Python with exec
BATCH = protocol.MAX_BATCH

Check = Callable[[Any], None]


def batches(count: int) -> list[dict[str, Any]]:
    """Return push bodies as central's API reads them (orjson-decoded)."""
    rng = random.Random(16)
    households = [f"H{n:05d}" for n in range(2000)]
    out = []
    for k in range(count):
        kiosk = f"K{k:03d}"
        body = {
            "kiosk_id": kiosk,
            "version": "0.2.0",
            "entries": make_entries(kiosk, BATCH, households, rng),
        }
        out.append(orjson.loads(orjson.dumps(body)))
    return out


def refused(body: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of a batch whose last entry's ledger points are out of range."""
    bad = orjson.loads(orjson.dumps(body))
    last = next(e for e in reversed(bad["entries"]) if "ledger" in e["payload"])
    last["payload"]["ledger"]["points"] = 10**9
    return bad


def old_compiler() -> types.ModuleType | None:
    """Return the exec-based compiler as it was at OLD_COMMIT, or None without git history."""
    try:
        source = subprocess.run(
            ["git", "show", f"{OLD_COMMIT}:sync/schema.py"],
            cwd=Path(__file__).resolve().parents[1],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    module = types.ModuleType("old_schema")
    exec(compile(source, "old_schema.py", "exec"), module.__dict__)  # the code being compared
    return module


def candidates() -> dict[str, tuple[Check, Check]]:
    """Return each validator as (check envelope, check one entry's payload)."""
    found: dict[str, tuple[Check, Check]] = {}
    old = old_compiler()
    if old is not None:
        found["old compiler (exec)"] = _pair(old.compile_schema)
    found["sync.schema (jsonschema-rs)"] = _pair(schema.compile_schema)
    import jsonschema_rs

    found["jsonschema-rs, bare schemas"] = _pair(
        lambda s: _raising(jsonschema_rs.Draft4Validator(_draft4(s)).is_valid)
    )
    try:
        import fastjsonschema
    except ImportError:
        pass
    else:
        formats = {"uuid": schema.is_uuid, "date-time": schema._is_time}
        found["fastjsonschema (draft 4)"] = _pair(
            lambda s: fastjsonschema.compile(
                {"$schema": "http://json-schema.org/draft-04/schema#", **_draft4(s)},
                formats=formats,
            )
        )
    try:
        import jsonschema
    except ImportError:
        pass
    else:
        found["jsonschema (pure Python)"] = _pair(
            lambda s: (
                jsonschema.Draft4Validator(
                    _draft4(s), format_checker=jsonschema.FormatChecker()
                ).validate
            )
        )
    return found


def _draft4(s: dict[str, Any]) -> dict[str, Any]:
    """Return a schema without empty `required` lists, which Draft 4 does not allow."""
    if isinstance(s, dict):
        return {k: _draft4(v) for k, v in s.items() if not (k == "required" and v == [])}
    return s


def _raising(is_valid: Callable[[Any], bool]) -> Check:
    def check(value: Any) -> None:
        if not is_valid(value):
            raise ValueError("invalid")

    return check


def _pair(compile_: Callable[[dict[str, Any]], Check]) -> tuple[Check, Check]:
    envelope = compile_(protocol.PUSH_REQUEST)
    payloads = {kind: compile_(s) for kind, s in protocol.PAYLOADS.items()}

    def payload(entry: dict[str, Any]) -> None:
        payloads[entry["kind"]](entry["payload"])

    return envelope, payload


def accept_once(pair: tuple[Check, Check], bodies: list[dict[str, Any]]) -> float:
    """Return the seconds per batch to check whole batches (envelope and payloads)."""
    envelope, payload = pair
    start = time.perf_counter()
    for body in bodies:
        envelope(body)
        for entry in body["entries"]:
            payload(entry)
    return (time.perf_counter() - start) / len(bodies)


def refuse_once(pair: tuple[Check, Check], bodies: list[dict[str, Any]]) -> float:
    """Return the seconds per batch to refuse batches whose last entry breaks its payload schema."""
    envelope, payload = pair
    start = time.perf_counter()
    for body in bodies:
        envelope(body)
        try:
            for entry in body["entries"]:
                payload(entry)
        except Exception:  # each library raises its own error
            pass
        else:
            raise AssertionError("a faulty batch was accepted")
    return (time.perf_counter() - start) / len(bodies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).with_name("results") / "wire_validation.json"
    )
    args = parser.parse_args()
    bodies = batches(args.batches)
    faulty = [refused(body) for body in bodies]
    found = candidates()
    accept: dict[str, list[float]] = {name: [] for name in found}
    refuse: dict[str, list[float]] = {name: [] for name in found}
    # Round robin, so a busy moment on a shared machine falls on every candidate alike; the
    # minimum is the figure (noise only ever adds), the median is kept beside it.
    for _ in range(args.reps):
        for name, pair in found.items():
            slow = name.startswith("jsonschema (")  # ~50x slower: two batches are enough
            accept[name].append(accept_once(pair, bodies[:2] if slow else bodies))
            refuse[name].append(refuse_once(pair, faulty[:2] if slow else faulty))
    results: dict[str, dict[str, float]] = {}
    for name in found:
        best = min(accept[name])
        results[name] = {
            "ms_per_batch": round(best * 1e3, 3),
            "ms_per_batch_median": round(statistics.median(accept[name]) * 1e3, 3),
            "entries_per_s": round(BATCH / best),
            "refuse_ms_per_batch": round(min(refuse[name]) * 1e3, 3),
        }
    base = results.get("old compiler (exec)")
    if base:
        for row in results.values():
            row["speedup_vs_old"] = round(base["ms_per_batch"] / row["ms_per_batch"], 2)
            row["refuse_speedup_vs_old"] = round(
                base["refuse_ms_per_batch"] / row["refuse_ms_per_batch"], 2
            )
    run = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "batches": args.batches,
        "entries_per_batch": BATCH,
        "reps": args.reps,
        "old_commit": OLD_COMMIT,
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(run, ensure_ascii=False, indent=2) + "\n")
    for name, row in results.items():
        print(
            f"{name:30} {row['ms_per_batch']:8.2f} ms/batch {row['entries_per_s']:9} entries/s"
            f"  x{row.get('speedup_vs_old', '-')}"
            f"  refused {row['refuse_ms_per_batch']:8.2f} ms/batch"
            f"  x{row.get('refuse_speedup_vs_old', '-')}"
        )


if __name__ == "__main__":
    main()
