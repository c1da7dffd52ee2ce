"""A central server on 127.0.0.1, a seeded programme, and kiosks bound to it, for the sync tests."""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fault_proxy import FaultProxy
from sqlalchemy import func, select
from waitress import create_server, wasyncore

from core.clock import FixedClock
from core.domain.codes import derived_card_token
from core.domain.ledger import GENESIS_HASH, EntryFacts, chain_hash
from kiosk import config
from kiosk.bootstrap import Runtime, bootstrap
from kiosk.services import doctor, inventory, terminal
from kiosk.services.common import iso
from kiosk.storage import models as km
from printer.simulator import SimulatedPrinter
from sync.central import models as cm
from sync.central.app import create_central_app
from sync.central.context import Central
from sync.central.server import open_central
from sync.central.services import activities, roster, store_feed
from sync.central.services import cards as cards_service
from sync.central.services import goods as goods_service
from sync.central.services import kiosks as kiosks_service
from sync.central.store_set import store_households

START = datetime(2025, 3, 1, 2, 0, 0)  # naive UTC: 10:00 in the stores
SECRET = b"sync-tests-card-secret-32-bytes!"
EAST, WEST = "东村爱心超市", "西村爱心超市"

# (household, members, opening points); ids are given by central in this order: H000001...
ROSTER = [
    ("王建国家", ["王建国", "李秀英"], 300),
    ("李德福家", ["李德福"], 100),
    ("张伟家", ["张伟"], 40),
    ("陈志明家", ["陈志明", "黄丽华"], 0),
]
# (code, name, category, points, unit)
GOODS = [
    ("OIL", "食用油 5升", "粮油", 60, "桶"),
    ("RICE", "大米 10斤", "粮油", 40, "袋"),
    ("SOAP", "肥皂", "日用", 8, "块"),
    ("TISSUE", "抽纸", "日用", 15, "提"),
]
# what each kiosk receives when it is stocked: (code, qty, source, donor, yuan)
DELIVERY = [
    ("OIL", 20, "donation", "县妇联", "69.9"),
    ("RICE", 30, "purchase", "", "38"),
    ("SOAP", 50, "donation", "爱心企业", "3.5"),
    ("TISSUE", 40, "donation", "县妇联", "9.9"),
]
SQLITE_ONLY = pytest.mark.parametrize("central_url", ["sqlite"], indirect=True)
PRICE = {code: points for code, _n, _c, points, _u in GOODS}
# Hand-made (WireKiosk) exchanges draw on these batches, which seed() books at every kiosk, as
# central refuses stock moves from batches a kiosk never received.
WIRE_BATCH = {code: 9001 + i for i, (code, *_rest) in enumerate(GOODS)}


def wait_for(condition, timeout: float = 5.0) -> bool:
    """Poll condition until it holds or the timeout ends; return whether it held."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return bool(condition())


def household_id(n: int) -> str:
    """Return central's id of the n-th household of ROSTER (from 1)."""
    return f"H{n:06d}"


class CentralServer:
    """Central on a database URL, served by waitress on 127.0.0.1 in a daemon thread."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.port = 0
        self.central: Central | None = None
        self._server = None
        self._thread: threading.Thread | None = None
        self.restarts = 0
        self._lock = threading.Lock()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Open (and migrate) the database and serve the app, on the same port as before."""
        with self._lock:
            self.central = open_central(self.url)
            self._server = create_server(
                create_central_app(self.central), host="127.0.0.1", port=self.port, threads=8
            )
            self.port = self._server.effective_port
            self._thread = threading.Thread(target=self._server.run, name="central", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop serving, close every connection and release the database."""
        with self._lock:
            if self._server is None:
                return
            server, self._server = self._server, None
            # Let the worker threads finish their requests first: a worker still answering after
            # its socket and the loop's trigger were closed would write to a recycled descriptor.
            server.task_dispatcher.shutdown(cancel_pending=True, timeout=10)
            # Then close every socket from inside the server's loop, which then ends at once.
            try:
                server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
            except OSError:  # the trigger is gone already: close from here; the loop notices
                wasyncore.close_all(server._map, ignore_all=True)
            self._thread.join(10)
            assert not self._thread.is_alive(), "central did not stop"
            self.central.engine.dispose()

    def restart(self) -> None:
        """Stop central and start it again on the same database, as after a reboot."""
        self.stop()
        self.start()
        self.restarts += 1

    @property
    def running(self) -> bool:
        return self._server is not None


@dataclass
class Programme:
    """A seeded central with two stores and helpers to start kiosks bound to it."""

    server: CentralServer
    data: Path
    kiosk_template: Path | None = None  # an empty migrated kiosk database to start from
    clock: FixedClock = field(default_factory=lambda: FixedClock(START))
    enrolments: dict[str, kiosks_service.Enrolment] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)  # resident name -> card code
    residents: dict[str, str] = field(default_factory=dict)  # resident name -> resident id
    runtimes: list[Runtime] = field(default_factory=list)
    proxies: dict[str, FaultProxy] = field(default_factory=dict)  # kiosk id -> its own line
    activity_id: str = ""

    @property
    def central(self) -> Central:
        return self.server.central

    def seed(self, kiosks: dict[str, str], *, assign: bool = True) -> None:
        """Enrol kiosks (id -> store) and register households, cards, goods and an activity.

        assign: every household is in every store's set (its kiosks learn them from the feed);
        otherwise a household joins a store when a kiosk there looks its card up.
        """
        c = self.central
        for kiosk_id, store in kiosks.items():
            self.enrolments[kiosk_id] = kiosks_service.enroll(c, store, kiosk_id, actor="test")
        rows = [
            roster.RosterRow(i, name, person, "", points)
            for i, (name, members, points) in enumerate(ROSTER, start=2)
            for person in members
        ]
        roster.add_roster(c, rows, actor="test")
        goods_service.save_products(
            c,
            [goods_service.ProductRow(i, *g) for i, g in enumerate(GOODS, start=2)],
            actor="test",
        )
        self.stock_wire_batches(list(kiosks))
        self.activity_id = activities.define_activity(
            c, "SORT", "垃圾分类积分日", "垃圾分类", date(2025, 3, 1), 10, actor="test"
        )
        for card in cards_service.issue_cards(
            c, actor="test", token_for=lambda rid: derived_card_token(SECRET, rid)
        ):
            self.codes[card.resident] = card.code
            self.residents[card.resident] = card.resident_id
        if assign:
            households = sorted({rid.split("-")[0] for rid in self.residents.values()})
            for store in sorted(set(kiosks.values())):
                store_feed.assign(c, store, households, actor="test")

    def stock_wire_batches(self, kiosk_ids: list[str]) -> None:
        """Book the WIRE_BATCH restocks at these kiosks, as if each had pushed them."""
        with self.central.uow() as uow:
            for kiosk_id in kiosk_ids:
                store_id = uow.session.get(cm.Kiosk, kiosk_id).store_id
                for code, batch_id in WIRE_BATCH.items():
                    uow.session.add(
                        cm.Batch(
                            kiosk_id=kiosk_id,
                            batch_id=batch_id,
                            store_id=store_id,
                            product_code=code,
                            qty=1000,
                            source="purchase",
                            donor="",
                            unit_value_cents=None,
                            received_at=START,
                        )
                    )
            uow.commit()

    def kiosk(
        self,
        kiosk_id: str,
        *,
        url: str | None = None,
        sync: bool = True,
        stock: bool = True,
        line: bool = False,
    ) -> Runtime:
        """Start an enrolled kiosk on an empty database; learn from central and stock up.

        line=True puts the kiosk behind its own proxy, so unplug() can take it offline alone.
        """
        enrolment = self.enrolments[kiosk_id]
        if self.kiosk_template is not None:
            copy_database(self.kiosk_template, self.data / kiosk_id / "kiosk.db")
        if line:
            self.proxies[kiosk_id] = FaultProxy(lambda: self.server.port)
            url = self.proxies[kiosk_id].base
        runtime = open_kiosk(
            self.data / kiosk_id,
            kiosk_id,
            enrolment.store,
            url or self.server.base,
            enrolment.token,
            self.clock,
        )
        self.runtimes.append(runtime)
        if sync:
            runtime.sync.sync_once()
        if stock:
            for code, qty, source, donor, value in DELIVERY:
                inventory.restock(runtime.kiosk, code, qty, source, donor, value, actor="test")
        return runtime

    def reopen(self, runtime: Runtime, *, url: str | None = None) -> Runtime:
        """Close a kiosk and start it again on the same data directory."""
        kiosk_id = runtime.kiosk.kiosk_id
        runtime.close()
        self.runtimes.remove(runtime)
        enrolment = self.enrolments[kiosk_id]
        if url is None and kiosk_id in self.proxies:
            url = self.proxies[kiosk_id].base
        again = open_kiosk(
            self.data / kiosk_id,
            kiosk_id,
            enrolment.store,
            url or self.server.base,
            enrolment.token,
            self.clock,
        )
        self.runtimes.append(again)
        return again

    def unplug(self, runtime: Runtime) -> None:
        """Cut a kiosk's line to central; the kiosk finds out at its next attempt."""
        self.proxies[runtime.kiosk.kiosk_id].offline = True
        assert runtime.sync.refresh() is False

    def plug(self, runtime: Runtime) -> None:
        self.proxies[runtime.kiosk.kiosk_id].offline = False

    def close(self) -> None:
        for runtime in self.runtimes:
            runtime.close()
        self.runtimes.clear()
        for proxy in self.proxies.values():
            proxy.stop()
        self.proxies.clear()

    def token(self, kiosk_id: str) -> str:
        return self.enrolments[kiosk_id].token


def copy_database(source: Path, target: Path) -> None:
    """Copy a SQLite database file consistently (through SQLite's backup API)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def open_kiosk(
    data_dir: Path, kiosk_id: str, store: str, url: str, token: str, clock: FixedClock
) -> Runtime:
    """Bootstrap a kiosk whose SQLite file lives in data_dir and which syncs with url."""
    settings = config.load(
        None,
        env={},
        kiosk={"id": kiosk_id, "store": store, "data_dir": str(data_dir)},
        central={"url": url, "token": token},
    )
    return bootstrap(settings, printer=SimulatedPrinter(), clock=clock)


# -- kiosk actions ---------------------------------------------------------------------------


def buy(
    runtime: Runtime, code: str, goods: dict[str, int], *, online: bool | None = None
) -> terminal.CheckoutResult:
    """Scan a card, fill the cart and check out."""
    k = runtime.kiosk
    if online is not None:  # the cart checks spendable points as last known, too
        assert runtime.sync.status.online == online, "make the kiosk really on- or offline"
    if isinstance(k.clock, FixedClock):
        k.clock.advance(seconds=1)
    if terminal.scan(k, code).kind == "another_card":
        terminal.switch_card(k, True)  # a session left open: the new resident says yes, switch
    try:
        for product, qty in goods.items():
            terminal.set_cart_line(k, product, qty)
        return terminal.checkout(k, online=online)
    except Exception:
        terminal.cancel(k)
        raise


# -- what the databases hold -----------------------------------------------------------------


def kiosk_balances(runtime: Runtime) -> dict[str, int]:
    """Return every household's balance as a kiosk holds it."""
    with runtime.kiosk.uow(write=False) as uow:
        return dict(uow.session.execute(select(km.Household.id, km.Household.balance)).all())


def kiosk_ledger_sums(runtime: Runtime) -> dict[str, int]:
    with runtime.kiosk.uow(write=False) as uow:
        sums = dict(
            uow.session.execute(
                select(km.LedgerEntry.household_id, func.sum(km.LedgerEntry.points)).group_by(
                    km.LedgerEntry.household_id
                )
            ).all()
        )
        ids = uow.session.scalars(select(km.Household.id)).all()
    return {h: int(sums.get(h) or 0) for h in ids}


def outbox_statuses(runtime: Runtime) -> dict[str, int]:
    """Return how many outbox rows a kiosk holds per status."""
    with runtime.kiosk.uow(write=False) as uow:
        return dict(
            uow.session.execute(
                select(km.OutboxRow.status, func.count()).group_by(km.OutboxRow.status)
            ).all()
        )


def outbox_ids(runtime: Runtime) -> list[str]:
    with runtime.kiosk.uow(write=False) as uow:
        return list(uow.session.scalars(select(km.OutboxRow.entry_id).order_by(km.OutboxRow.id)))


def central_balances(c: Central) -> dict[str, int]:
    with c.uow(write=False) as uow:
        return dict(uow.session.execute(select(cm.Household.id, cm.Household.balance)).all())


def central_ledger_sums(c: Central) -> dict[str, int]:
    """Return the sum of central's ledger per household (0 for a household without entries)."""
    with c.uow(write=False) as uow:
        sums = dict(
            uow.session.execute(
                select(cm.LedgerEntry.household_id, func.sum(cm.LedgerEntry.points)).group_by(
                    cm.LedgerEntry.household_id
                )
            ).all()
        )
        ids = uow.session.scalars(select(cm.Household.id)).all()
    return {h: int(sums.get(h) or 0) for h in ids}


def pushed_batches(c: Central) -> int:
    """Return how many restock batches central holds, less those seed() booked."""
    return central_count(c, cm.Batch, cm.Batch.batch_id.not_in(list(WIRE_BATCH.values())))


def central_count(c: Central, model, *where) -> int:
    with c.uow(write=False) as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def applied_per_entry(c: Central) -> dict[str, int]:
    """Return how many sync_entries rows central holds per entry id (each must be 1)."""
    with c.uow(write=False) as uow:
        return dict(
            uow.session.execute(
                select(cm.SyncEntry.id, func.count()).group_by(cm.SyncEntry.id)
            ).all()
        )


def alerts(c: Central, kind: str | None = None) -> list[Any]:
    """Return central's alerts (rows with kind, kiosk_id, household_id, detail, amount)."""
    a = cm.Alert
    with c.uow(write=False) as uow:
        stmt = select(a.kind, a.kiosk_id, a.household_id, a.detail, a.amount).order_by(a.id)
        if kind is not None:
            stmt = stmt.where(a.kind == kind)
        return list(uow.session.execute(stmt).all())


def assert_exactly_once(c: Central, *runtimes: Runtime) -> None:
    """Every outbox row of the kiosks is held once by central, and balances equal the ledger."""
    held = applied_per_entry(c)
    for runtime in runtimes:
        ids = outbox_ids(runtime)
        assert all(held.get(i) == 1 for i in ids), "an outbox entry is missing or held twice"
        assert outbox_statuses(runtime) == {"sent": len(ids)}
    assert all(n == 1 for n in held.values())
    with c.uow(write=False) as uow:
        ids = uow.session.scalars(select(cm.LedgerEntry.id)).all()
    assert len(ids) == len(set(ids))
    assert central_balances(c) == central_ledger_sums(c)


def quiet_sync(*runtimes: Runtime) -> None:
    """Sync every kiosk twice: all push, then all pull what the others pushed."""
    for _ in range(2):
        for runtime in runtimes:
            runtime.sync.sync_once()


def assert_converged(c: Central, *runtimes: Runtime) -> None:
    """Central's balances are its ledger's sums; each kiosk shows them for every household of
    its store's set, and its balances are what central confirmed plus its own later entries."""
    expected = central_balances(c)
    assert expected == central_ledger_sums(c)
    for runtime in runtimes:
        held = kiosk_balances(runtime)
        assert held == {h: expected[h] for h in held}, runtime.kiosk.kiosk_id
        assert set(store_set(c, runtime.kiosk.store)) <= set(held), runtime.kiosk.kiosk_id
        assert doctor.check(runtime.kiosk) == [], runtime.kiosk.kiosk_id


def store_set(c: Central, store: str) -> list[str]:
    """Return the households of a store's set (by the store's name)."""
    with c.uow(write=False) as uow:
        s = uow.session
        store_id = s.scalar(select(cm.Store.id).where(cm.Store.name == store))
        return list(s.scalars(store_households(store_id)))


# -- hand-made wire entries ------------------------------------------------------------------


@dataclass
class WireKiosk:
    """Builds push entries for one kiosk by hand, with a correct chain unless told otherwise."""

    kiosk_id: str
    seq: int = 0
    ledger_seq: int = 0
    head: str = GENESIS_HASH
    at: str = "2025-03-01T02:00:00.000000Z"

    def ledger(
        self,
        household: str,
        kind: str,
        points: int,
        *,
        ref: str = "ref",
        prev_hash: str | None = None,
    ) -> dict[str, Any]:
        self.ledger_seq += 1
        prev = self.head if prev_hash is None else prev_hash
        facts = EntryFacts(
            str(uuid.uuid4()),
            self.kiosk_id,
            self.ledger_seq,
            household,
            kind,
            points,
            ref,
            self.at,
        )
        wire = {
            "id": facts.id,
            "kiosk_id": self.kiosk_id,
            "seq": facts.seq,
            "household_id": household,
            "kind": kind,
            "points": points,
            "ref": ref,
            "created_at": self.at,
            "prev_hash": prev,
            "hash": chain_hash(prev, facts),
        }
        self.head = wire["hash"]
        return wire

    def entry(self, kind: str, payload: dict[str, Any], seq: int | None = None) -> dict[str, Any]:
        if seq is None:
            self.seq += 1
            seq = self.seq
        return {
            "id": str(uuid.uuid4()),
            "seq": seq,
            "kind": kind,
            "created_at": self.at,
            "payload": payload,
        }

    def exchange(self, household: str, resident: str, lines: list[tuple[str, int, int]]):
        total = sum(qty * each for _c, qty, each in lines)
        exchange_id = str(uuid.uuid4())
        return self.entry(
            "exchange",
            {
                "exchange_id": exchange_id,
                "number": f"{self.kiosk_id}-{self.ledger_seq + 1:06d}",
                "household_id": household,
                "resident_id": resident,
                "beneficiary_id": None,
                "total": total,
                "lines": [
                    {"product_code": c, "qty": q, "points": q * each} for c, q, each in lines
                ],
                "stock": [
                    {"product_code": c, "batch_id": WIRE_BATCH.get(c, 1), "qty": -q}
                    for c, q, _ in lines
                ],
                "ledger": self.ledger(household, "spend", -total, ref=exchange_id),
            },
        )

    def void(self, exchange: dict[str, Any], reason: str = "拿错了") -> dict[str, Any]:
        """Return the void of an exchange this kiosk made: its points and goods back."""
        p = exchange["payload"]
        return self.entry(
            "void",
            {
                "exchange_id": p["exchange_id"],
                "number": p["number"],
                "reason": reason,
                "stock": [{**move, "qty": -move["qty"]} for move in p["stock"]],
                "ledger": self.ledger(p["household_id"], "void", p["total"], ref=p["exchange_id"]),
            },
        )

    def restock(self, batch_id: int, code: str = "OIL", qty: int = 5, donor: str = "县妇联"):
        return self.entry(
            "restock",
            {
                "batch_id": batch_id,
                "product_code": code,
                "qty": qty,
                "source": "donation",
                "donor": donor,
                "unit_value_cents": 990,
                "received_at": self.at,
            },
        )

    def body(self, *entries: dict[str, Any]) -> dict[str, Any]:
        return {"kiosk_id": self.kiosk_id, "version": "test", "entries": list(entries)}


def push(base: str, token: str, body: Any, **kw) -> httpx.Response:
    """POST a push body (JSON unless content= is given) straight to central."""
    with httpx.Client(base_url=base, timeout=30, verify=False) as http:
        headers = {"Authorization": f"Bearer {token}", **kw.pop("headers", {})}
        if "content" in kw:
            return http.post("/api/v1/push", headers=headers, **kw)
        return http.post("/api/v1/push", headers=headers, json=body, **kw)


def get(base: str, token: str | None, path: str, **kw) -> httpx.Response:
    with httpx.Client(base_url=base, timeout=30, verify=False) as http:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return http.get(path, headers=headers, **kw)


def pending_body(runtime: Runtime, limit: int = 500, skip: int = 0) -> dict[str, Any]:
    """Return the push body a kiosk's client would send now (pending rows, oldest first)."""
    with runtime.kiosk.uow(write=False) as uow:
        rows = uow.session.scalars(
            select(km.OutboxRow)
            .where(km.OutboxRow.status == "pending")
            .order_by(km.OutboxRow.id)
            .offset(skip)
            .limit(limit)
        ).all()
        entries = [
            {
                "id": r.entry_id,
                "seq": r.id,
                "kind": r.kind,
                "created_at": iso(r.created_at),
                "payload": r.payload,
            }
            for r in rows
        ]
    return {"kiosk_id": runtime.kiosk.kiosk_id, "version": "test", "entries": entries}


def checkin_entry(wire: WireKiosk, activity: str, resident: str, household: str, points: int):
    """Return a hand-made check-in entry claiming `points`."""
    ledger = wire.ledger(household, "earn", points, ref=str(uuid.uuid4()))
    return wire.entry(
        "checkin",
        {
            "checkin_id": ledger["ref"],
            "activity_id": activity,
            "resident_id": resident,
            "household_id": household,
            "points": points,
            "ledger": ledger,
        },
    )


def feed(base: str, token: str, after: int = 0, scope: str | None = "store") -> list[dict]:
    query = f"/api/v1/changes?after={after}&limit=1000" + (f"&scope={scope}" if scope else "")
    answer = get(base, token, query)
    assert answer.status_code == 200, answer.text
    return answer.json()["changes"]


def households_in(changes: list[dict]) -> set[str]:
    """Return every household a page of changes says anything about."""
    out = set()
    for change in changes:
        data = change["data"]
        if change["kind"] == "household":
            out.add(data["id"])
        elif change["kind"] in ("resident",):
            out.add(data["household_id"])
        elif change["kind"] == "card":
            out.add(data["resident_id"].split("-")[0])
        elif "household_id" in data:
            out.add(data["household_id"])
    return out
