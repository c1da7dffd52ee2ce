"""The dashboard and load benchmarks run end to end at a tiny size on PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture(autouse=True)
def _postgresql():
    import psycopg

    try:
        psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", connect_timeout=3).close()
    except psycopg.OperationalError:
        if os.environ.get("CI"):
            pytest.fail("no PostgreSQL server at 127.0.0.1:5432")
        pytest.skip("no PostgreSQL server at 127.0.0.1:5432")


def run(script: str, *args: str) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_dashboard_benchmark_times_every_figure_on_a_tiny_programme(tmp_path):
    out = tmp_path / "dashboard.json"
    db = f"ek_smoke_dash_{os.getpid()}"
    run("dashboard.py", "--tiny", "--entries", "3000", "--db", db, "--reps", "1", "--out", str(out))
    [run_] = json.loads(out.read_text())["runs"].values()
    assert run_["rows"]["ledger_entries"] == 3000
    assert run_["rows"]["exchanges"] > 0 and run_["rows"]["checkins"] > 0
    assert {"page: dashboard /", "donors", "page: one household"} <= set(run_["queries"])


def test_the_load_benchmark_finds_every_pushed_entry_held_once(tmp_path):
    out = tmp_path / "load.json"
    run(
        "load.py",
        *("--kiosks", "4", "--duration", "2", "--interval", "0.5", "--households", "10"),
        *("--workers", "1", "--threads", "2", "--office-users", "1", "--office-pause", "0.5"),
        *("--entries-per-hour", "7200", "--out", str(out)),  # about one entry a round
    )
    result = json.loads(out.read_text())
    assert result["ok"] is True
    assert result["entries_pushed"] > 0
    assert result["feed_changes_received_per_second"] > 0  # each kiosk hears the others
    assert result["endpoints"]["POST /api/v1/sync"]["requests"] > 0
    assert set(result["endpoints"]["GET / (office)"]["statuses"]) == {"200"}


@pytest.mark.slow
def test_the_exchange_day_benchmark_lands_every_exchange_once_across_an_offline_window(tmp_path):
    out = tmp_path / "exchange_day.json"
    run(
        "exchange_day.py",
        *("--households", "10", "--hour", "300", "--offline", "100", "200"),
        *("--baseline-households", "200", "--baseline-entries", "2000"),
        *("--baseline-checkouts", "10", "--days", "2", "--out", str(out)),
    )
    result = json.loads(out.read_text())
    checks = result["checks"]
    assert result["ok"] is True and checks["ok"] is True
    assert checks["exchanges_made"] > 0
    assert checks["exchanges_at_central"] == checks["exchanges_made"]
    assert checks["outbox_not_held_once"] == checks["outbox_still_pending"] == 0
    assert checks["quota_overruns_without_alert"] == checks["balances_unequal_to_ledger"] == 0
    assert result["outcomes"]["sync rounds refused"] > 0  # central really was away
    assert result["outcomes"]["sync rounds"] > 0
    assert result["idle_polls"]["/api/announcements 200"] > 0
    assert result["checkout_p95_ratio_to_plain"] > 0
    assert len(result["days"]) == result["days_run"] == 2  # pooled: each day's checks pass too
    assert all(day["checks"]["ok"] for day in result["days"])
    assert result["checkout_http"]["n"] == sum(d["checkout_http"]["n"] for d in result["days"])


def test_the_ingest_benchmark_applies_every_entry_once_and_measures_the_floor(tmp_path):
    out = tmp_path / "central_ingest.json"
    run(
        "central_ingest.py",
        *("--entries", "2000", "--kiosks", "2", "--workers", "1", "--households", "50"),
        *("--home-share", "0.5", "--floor", "--out", str(out)),
    )
    result = json.loads(out.read_text())
    assert result["statuses"] == {"applied": 2000}
    assert result["replay_applied"] == 0
    assert result["households_with_balance_not_ledger_sum"] == 0
    floor = result["floor_all_rows_bare"]
    # Every row the push wrote, inserted again (and the set-up's few besides).
    assert floor["rows"] >= sum(result["rows_written"].values())
    assert floor["ratio_to_bare_insert"] > 0
