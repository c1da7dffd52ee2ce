"""Crash safety: SIGKILL the running kiosk at random moments and check nothing was lost.

A central server and a kiosk run as real processes. A client streams checkouts through the
kiosk's HTTP API while `kiosk restock` runs beside it and the sync worker pushes to central;
the kiosk is killed with SIGKILL at a random moment, restarted on the same data, and killed
again. At the end the kiosk runs once more until its outbox is empty, and the harness checks:
SQLite integrity and the books (`kiosk doctor`), every acknowledged checkout present exactly
once at the kiosk and at central, no partial exchange, and every outbox entry applied at
central exactly once.

    python benchmarks/crash.py [--kills 100] [--seed 1]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import select

from kiosk import demo

STREAMED = ["SALT", "SOAP", "TOWEL", "NOODLE"]  # what the stream puts in its carts, one each
STOCK = 5_000  # of each, received before the first kill
POINTS = 50_000  # given to every household before the first kill


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def _kiosk(args: list[str], env: dict) -> subprocess.Popen:
    log = Path(env["CRASH_LOG_DIR"]) / f"{args[0]}.log"
    with log.open("a", encoding="utf-8") as out:  # the child keeps its own copy of the handle
        return subprocess.Popen(
            [sys.executable, "-m", "kiosk.cli", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
        )


class Harness:
    """Central, a kiosk that gets killed, and the record of what the kiosk acknowledged."""

    def __init__(self, root: Path, seed: int) -> None:
        self.root = root
        self.rng = random.Random(seed)  # the harness's choices: when to kill, restocks
        self.stream_rng = random.Random(seed + 1)  # the checkout stream's, in its own thread
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", "CRASH_LOG_DIR": str(root)}
        self.data = root / "kiosk"
        self.data.mkdir()
        self.central_url_db = f"sqlite:///{root / 'central.db'}"
        self.acked: dict[str, int] = {}  # exchange id -> total
        self.errors: list[str] = []
        self.lives: list[dict] = []  # per kiosk life: what the stream was answered

    def set_up(self) -> None:
        from sync.central.server import open_central

        central = open_central(self.central_url_db)
        token = demo.seed_central(central, self.data)
        self._fund(central)
        central.engine.dispose()
        self.central_port = free_port()
        self.central = _kiosk(
            ["central", "--database-url", self.central_url_db, "--port", str(self.central_port)],
            self.env,
        )
        _wait(f"http://127.0.0.1:{self.central_port}/api/v1/health", self.central)
        self.port = free_port()
        self.config = self.root / "kiosk.toml"
        self.config.write_text(
            f'[kiosk]\nid = "{demo.KIOSK_ID}"\nstore = "{demo.STORE}"\n'
            f'data_dir = "{self.data}"\n[printer]\nbackend = "simulator"\n'
            f'[central]\nurl = "http://127.0.0.1:{self.central_port}/"\ntoken = "{token}"\n',
            encoding="utf-8",
        )
        self.delivery = self.root / "delivery.csv"
        self.delivery.write_text(
            "product_code,qty,source,donor,unit_value\n"
            "SALT,5,donation,县妇联,2\nSOAP,5,purchase,,3.5\n",
            encoding="utf-8",
        )
        proc = self.start()
        self._sync_quietly(proc)
        self.codes = [c["code"] for c in demo.cards(self._runtime_view(), self.data)]
        self.stop(proc)
        # Enough goods on the shelf for every life's stream: without them the stream soon
        # meets only "out of stock" and the kills land on a kiosk that sells nothing.
        first = self.root / "first-delivery.csv"
        first.write_text(
            "product_code,qty,source,donor,unit_value\n"
            + "".join(f"{code},{STOCK},purchase,,1\n" for code in STREAMED),
            encoding="utf-8",
        )
        _kiosk(["restock", "--config", str(self.config), str(first)], self.env).wait(120)

    def _fund(self, central) -> None:
        """Give every household enough points for the whole stream (an office correction)."""
        from sync.central.models import Household
        from sync.central.services.adjustments import adjust_points

        with central.uow() as uow:
            households = list(uow.session.scalars(select(Household.id)))
        for household in households:
            adjust_points(central, household, POINTS, "崩溃测试：足够的积分", actor="crash")

    def _runtime_view(self):
        from kiosk.bootstrap import bootstrap
        from kiosk.config import load

        runtime = bootstrap(load(self.config, env={}))
        runtime.sync = None  # read only: no worker
        self._views = [*getattr(self, "_views", []), runtime]
        return runtime.kiosk

    def start(self) -> subprocess.Popen:
        """Start the kiosk on a fresh port (another program may have taken the last one)."""
        self.port = free_port()
        proc = _kiosk(["run", "--config", str(self.config), "--port", str(self.port)], self.env)
        self.live = [*getattr(self, "live", []), proc]
        try:
            _wait(f"http://127.0.0.1:{self.port}/api/session", proc)
        except RuntimeError as exc:
            log = (self.root / "run.log").read_text(encoding="utf-8", errors="replace")
            raise RuntimeError(f"{exc}; the end of run.log:\n{log[-3000:]}") from None
        return proc

    def stop(self, proc: subprocess.Popen) -> None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def _sync_quietly(self, proc: subprocess.Popen, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        db = self.data / "kiosk.db"
        while time.monotonic() < deadline:
            with sqlite3.connect(db) as con:
                pending = con.execute(
                    "SELECT count(*) FROM outbox WHERE status = 'pending'"
                ).fetchone()[0]
            if pending == 0:
                return
            time.sleep(0.3)
        raise RuntimeError("the outbox did not drain")

    def stream(self, stop: threading.Event, life: dict) -> None:
        """Check out small carts until told to stop; remember what the kiosk acknowledged,
        and in life what each answer was (so a run that acknowledged little says why)."""
        answers = life["answers"]
        with httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=10) as client:
            while not stop.is_set():
                try:
                    steps = (
                        ("scan", "/api/scan", {"code": self.stream_rng.choice(self.codes)}),
                        (
                            "cart",
                            "/api/session/cart",
                            {
                                "product_code": self.stream_rng.choice(STREAMED),
                                "qty": 1,
                            },
                        ),
                        ("checkout", "/api/session/checkout", None),
                    )
                    for name, path, body in steps:
                        r = client.post(path, json=body)
                        key = f"{name} {r.status_code}"
                        if r.status_code >= 400:
                            with contextlib.suppress(ValueError):
                                key += f" {r.json().get('error', {}).get('code', '')}"
                        answers[key] = answers.get(key, 0) + 1
                    if r.status_code == 200:
                        body = r.json()
                        self.acked[body["exchange_id"]] = body["total"]
                        life["acked"] += 1
                except httpx.TransportError as exc:
                    life["ended"] = type(exc).__name__
                    return  # the kiosk died under us

    def one_kill(self, after_an_ack: bool) -> None:
        """Start the kiosk, stream checkouts, kill it; after_an_ack: only once this life has
        acknowledged a checkout (or 30 s have passed), else at any moment, start-up included."""
        proc = self.start()
        stop = self.streaming = threading.Event()
        life = {"after_an_ack": after_an_ack, "acked": 0, "answers": {}, "ended": None}
        self.lives.append(life)
        client = threading.Thread(target=self.stream, args=(stop, life), daemon=True)
        client.start()
        restock = None
        if self.rng.random() < 0.3:
            restock = _kiosk(
                ["restock", "--config", str(self.config), str(self.delivery)], self.env
            )
        if after_an_ack:
            # Every other kill comes only after this life acknowledged a checkout, so the
            # stream makes progress however slow the machine is; the others may hit start-up.
            seen = len(self.acked)
            deadline = time.monotonic() + 30
            while len(self.acked) == seen and time.monotonic() < deadline:
                time.sleep(0.02)
        time.sleep(self.rng.uniform(0.05, 1.2))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        stop.set()
        client.join(15)
        if restock is not None:
            restock.wait(60)

    def verify(self) -> dict:
        proc = self.start()
        try:
            self._sync_quietly(proc)
        finally:
            self.stop(proc)
        doctor = subprocess.run(
            [sys.executable, "-m", "kiosk.cli", "doctor", "--config", str(self.config)],
            capture_output=True,
            text=True,
            env=self.env,
        )
        problems = [] if doctor.returncode == 0 else doctor.stdout.splitlines()
        kiosk_db = sqlite3.connect(self.data / "kiosk.db")
        central_db = sqlite3.connect(self.root / "central.db")
        try:
            for exchange_id, total in self.acked.items():
                rows = kiosk_db.execute(
                    "SELECT total FROM exchanges WHERE id = ?", (exchange_id,)
                ).fetchall()
                if rows != [(total,)]:
                    problems.append(f"acknowledged exchange {exchange_id} held {len(rows)}x")
                at_central = central_db.execute(
                    "SELECT count(*) FROM exchanges WHERE id = ?", (exchange_id,)
                ).fetchone()[0]
                if at_central != 1:
                    problems.append(f"exchange {exchange_id} at central {at_central}x")
            partial = kiosk_db.execute(
                "SELECT count(*) FROM exchanges e WHERE NOT EXISTS (SELECT 1 FROM exchange_lines"
                " l WHERE l.exchange_id = e.id) OR NOT EXISTS (SELECT 1 FROM ledger_entries g"
                " WHERE g.id = e.ledger_entry_id) OR NOT EXISTS (SELECT 1 FROM receipts r"
                " WHERE r.ref = e.id)"
            ).fetchone()[0]
            if partial:
                problems.append(f"{partial} partial exchanges")
            outbox = kiosk_db.execute(
                "SELECT count(*), sum(status = 'sent') FROM outbox"
            ).fetchone()
            if outbox[0] != outbox[1]:
                problems.append(f"{outbox[0] - outbox[1]} outbox rows not delivered")
            held = central_db.execute(
                "SELECT count(*), count(DISTINCT id) FROM sync_entries WHERE kiosk_id = ?",
                (demo.KIOSK_ID,),
            ).fetchone()
            if held[0] != outbox[0] or held[0] != held[1]:
                problems.append(f"central holds {held[0]} entries for {outbox[0]} outbox rows")
            exchanges = kiosk_db.execute("SELECT count(*) FROM exchanges").fetchone()[0]
        finally:
            kiosk_db.close()
            central_db.close()
        return {
            "acknowledged_checkouts": len(self.acked),
            "exchanges_at_kiosk": exchanges,
            "outbox_rows": outbox[0],
            "problems": problems,
            "lives": self.lives,
        }

    def tear_down(self) -> None:
        # Interrupted mid-kill (a test's time limit), the stream and that life's kiosk are
        # still running: stop them too, or the kiosk outlives the run.
        if getattr(self, "streaming", None) is not None:
            self.streaming.set()
        for proc in getattr(self, "live", []):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        for runtime in getattr(self, "_views", []):
            runtime.close()
        self.central.terminate()
        self.central.wait(20)


def run(kills: int, seed: int = 1, root: Path | None = None) -> dict:
    """Kill the kiosk kills times; return the figures and every problem found."""
    with tempfile.TemporaryDirectory() as tmp:
        h = Harness(Path(root or tmp), seed)
        h.set_up()
        t = time.perf_counter()
        try:
            for i in range(kills):
                h.one_kill(after_an_ack=i % 2 == 0)
            report = h.verify()
        finally:
            h.tear_down()
        report.update({"kills": kills, "seed": seed, "seconds": round(time.perf_counter() - t, 1)})
        return report


def main() -> None:
    """Run the harness and save its report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).with_name("results") / "crash.json"
    )
    args = parser.parse_args()
    report = run(args.kills, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps(report, ensure_ascii=False, indent=2))
    sys.exit(1 if report["problems"] else 0)


if __name__ == "__main__":
    main()
