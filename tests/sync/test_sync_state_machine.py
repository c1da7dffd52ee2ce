"""Random days at several kiosks, on- and offline, against one central: the books always agree.

Each kiosk reads its store's feed. Households start in every store's set or in none (then a
kiosk looks a card up on first scan, online only); they shop wherever they like and the office
moves them to other stores' sets. At the end of the day every kiosk holds exactly its store's
set, each household at central's balance.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select
from sync_helpers import (
    EAST,
    WEST,
    CentralServer,
    Programme,
    buy,
    central_balances,
    central_ledger_sums,
    kiosk_balances,
    outbox_statuses,
    quiet_sync,
    store_set,
)

from core.domain import errors
from kiosk.services import admin, checkin, doctor
from kiosk.storage import models as km
from kiosk.sync.client import SyncError
from sync.central import models as cm
from sync.central.services import activities, store_feed
from sync.central.services import kiosks as kiosks_service

NORTH = "北村爱心超市"
STORES = {"K1": EAST, "K2": WEST, "K3": NORTH}
ALLOWANCE = {EAST: 50, WEST: 80, NORTH: 120}  # small, so that overdrafts happen
RESIDENTS = ["王建国", "李秀英", "李德福", "张伟", "陈志明", "黄丽华"]
CARTS = st.dictionaries(
    st.sampled_from(["SOAP", "SOAP", "TISSUE", "RICE", "OIL"]),
    st.integers(1, 3),
    min_size=1,
    max_size=2,
)
KIOSK = st.integers(0, 2)
SETTINGS = settings(
    max_examples=15,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
EXPECTED = (
    errors.InsufficientPoints,
    errors.OutOfStock,
    errors.AlreadyCheckedIn,
    errors.UnknownCardOffline,  # a household from elsewhere, while the kiosk is offline
)


class SyncMachine(RuleBasedStateMachine):
    """Kiosks check out, void and check in, go off- and online and sync; central awards."""

    def __init__(self, workdir: Path, kiosk_template: Path) -> None:
        super().__init__()
        self.data = Path(tempfile.mkdtemp(dir=workdir))
        self.server = CentralServer(f"sqlite:///{self.data / 'central.db'}")
        self.server.start()
        self.p = Programme(self.server, self.data, kiosk_template=kiosk_template)
        self.kiosks = []
        self.sales: dict[str, list[str]] = {}  # kiosk id -> exchange numbers
        self.offline_stores: dict[str, set[str]] = {}  # household -> stores it spent at offline

    @initialize(count=st.integers(2, 3), assign=st.booleans())
    def open_kiosks(self, count: int, assign: bool) -> None:
        ids = list(STORES)[:count]
        self.p.seed({k: STORES[k] for k in ids}, assign=assign)
        event("households assigned to every store" if assign else "households in no store")
        for store, points in ALLOWANCE.items():
            if store in STORES.values() and any(STORES[k] == store for k in ids):
                kiosks_service.set_allowance(self.p.central, store, points, actor="test")
        self.kiosks = [self.p.kiosk(k, line=True) for k in ids]
        self.sales = {k: [] for k in ids}

    def teardown(self) -> None:
        try:
            if self.kiosks:
                self.converge()
        finally:
            self.p.close()
            self.server.stop()
            shutil.rmtree(self.data, ignore_errors=True)

    def kiosk(self, i: int):
        return self.kiosks[i % len(self.kiosks)]

    def line(self, runtime):
        return self.p.proxies[runtime.kiosk.kiosk_id]

    # -- rules ---------------------------------------------------------------------------------

    @rule(i=KIOSK, who=st.sampled_from(RESIDENTS), cart=CARTS)
    def checkout_online(self, i: int, who: str, cart: dict[str, int]) -> None:
        runtime = self.kiosk(i)
        self.line(runtime).offline = False
        assert runtime.sync.refresh(timeout=15)  # online: however slow a loaded machine is
        if self.sell(runtime, who, cart, online=True):
            runtime.sync.push_once()

    @rule(i=KIOSK, who=st.sampled_from(RESIDENTS), cart=CARTS)
    def checkout_offline(self, i: int, who: str, cart: dict[str, int]) -> None:
        runtime = self.kiosk(i)
        self.line(runtime).offline = True
        assert not runtime.sync.refresh()
        if self.sell(runtime, who, cart, online=False):
            household = self.p.residents[who].split("-")[0]
            self.offline_stores.setdefault(household, set()).add(runtime.kiosk.store)

    def sell(self, runtime, who: str, cart: dict[str, int], *, online: bool) -> bool:
        try:
            result = buy(runtime, self.p.codes[who], cart, online=online)
        except EXPECTED as exc:
            event(f"checkout refused: {exc.code}")
            return False
        event("online checkout" if online else "offline checkout")
        self.sales[runtime.kiosk.kiosk_id].append(result.number)
        return True

    @precondition(lambda self: any(self.sales.values()))
    @rule(i=KIOSK, pick=st.integers(0, 50))
    def void(self, i: int, pick: int) -> None:
        runtime = self.kiosk(i)
        sales = self.sales[runtime.kiosk.kiosk_id]
        if not sales:
            return
        with contextlib.suppress(errors.AlreadyVoided):
            admin.void_exchange(runtime.kiosk, sales[pick % len(sales)], "选错了", actor="店长")

    @rule(i=KIOSK, who=st.sampled_from(RESIDENTS))
    def check_in(self, i: int, who: str) -> None:
        runtime = self.kiosk(i)
        with contextlib.suppress(*EXPECTED):
            checkin.check_in(runtime.kiosk, self.p.activity_id, card_code=self.p.codes[who])

    @rule(i=KIOSK)
    def go_offline(self, i: int) -> None:
        self.line(self.kiosk(i)).offline = True

    @rule(i=KIOSK)
    def go_online(self, i: int) -> None:
        self.line(self.kiosk(i)).offline = False

    @rule(i=KIOSK)
    def sync(self, i: int) -> None:
        runtime = self.kiosk(i)
        try:
            runtime.sync.sync_once()
        except SyncError:
            assert self.line(runtime).offline

    @rule(who=st.sampled_from(RESIDENTS))
    def award(self, who: str) -> None:
        activities.award(self.p.central, self.p.activity_id, [self.p.residents[who]], actor="test")

    @rule(who=st.sampled_from(RESIDENTS), i=KIOSK)
    def move(self, who: str, i: int) -> None:
        """The office puts a household in another store's set (it has moved there)."""
        household = self.p.residents[who].split("-")[0]
        store_feed.assign(self.p.central, self.kiosk(i).kiosk.store, [household], actor="test")

    @rule()
    def quiet_sync(self) -> None:
        self.converge()

    # -- invariants ----------------------------------------------------------------------------

    @invariant()
    def every_sent_entry_is_held_once_and_nothing_else(self) -> None:
        if not self.kiosks:
            return
        c = self.p.central
        with c.uow(write=False) as uow:
            s = uow.session
            held = dict(s.execute(select(cm.SyncEntry.id, cm.SyncEntry.status)).all())
            ledger = s.execute(select(cm.LedgerEntry.id, cm.LedgerEntry.kiosk_id)).all()
            # The one refusal honest kiosks meet: a resident checked in offline whom central
            # (the office, or another kiosk) had credited for the activity already.
            refusals = s.execute(
                select(cm.SyncEntry.kind, cm.SyncEntry.reason).where(
                    cm.SyncEntry.status == "rejected"
                )
            ).all()
        for kind, reason in refusals:
            assert kind == "checkin" and "already credited" in reason, (kind, reason)
        assert len({row.id for row in ledger}) == len(ledger)
        for runtime in self.kiosks:
            with runtime.kiosk.uow(write=False) as uow:
                rows = uow.session.execute(select(km.OutboxRow.entry_id, km.OutboxRow.status))
                rows = dict(rows.all())
                own = set(
                    uow.session.scalars(
                        select(km.LedgerEntry.id).where(
                            km.LedgerEntry.kiosk_id == runtime.kiosk.kiosk_id
                        )
                    )
                )
            sent = {i for i, status in rows.items() if status in ("sent", "rejected")}
            assert sent <= set(held), "a row marked sent is not held by central"
            assert set(rows.values()) <= {"pending", "sent", "rejected"}
            assert {i for i, status in rows.items() if status == "rejected"} == {
                i for i in sent if held[i] == "rejected"
            }
            theirs = {row.id for row in ledger if row.kiosk_id == runtime.kiosk.kiosk_id}
            assert theirs <= own, "central holds a ledger entry the kiosk never wrote"
        kiosk_entries = {i for i in held}
        all_rows = set()
        for runtime in self.kiosks:
            with runtime.kiosk.uow(write=False) as uow:
                all_rows |= set(uow.session.scalars(select(km.OutboxRow.entry_id)))
        assert kiosk_entries <= all_rows

    @invariant()
    def central_balances_equal_the_ledger(self) -> None:
        if self.kiosks:
            assert central_balances(self.p.central) == central_ledger_sums(self.p.central)

    @invariant()
    def an_overdraft_never_exceeds_the_allowance_at_each_store_visited_offline(self) -> None:
        if not self.kiosks:
            return
        for household, balance in central_balances(self.p.central).items():
            if balance < 0:
                event("a household overdrawn at central")
                stores = self.offline_stores.get(household, set())
                assert -balance <= sum(ALLOWANCE[s] for s in stores), (household, balance, stores)

    # -- the end of a day ------------------------------------------------------------------

    def converge(self) -> None:
        """Bring every kiosk online, sync quietly, and check that everyone agrees."""
        for runtime in self.kiosks:
            self.line(runtime).offline = False
        quiet_sync(*self.kiosks)
        expected = central_balances(self.p.central)
        for runtime in self.kiosks:
            held = kiosk_balances(runtime)
            # What the store needs and nothing else: its set, each at central's balance.
            assert set(held) == set(store_set(self.p.central, runtime.kiosk.store))
            assert held == {h: expected[h] for h in held}, runtime.kiosk.kiosk_id
            statuses = outbox_statuses(runtime)
            assert set(statuses) <= {"sent", "rejected"}, statuses  # rejected: reversed
            assert runtime.sync.backlog() == 0
            assert doctor.check(runtime.kiosk) == []


@pytest.mark.slow
def test_kiosks_and_central_agree_whatever_happens(tmp_path: Path, kiosk_template: Path):
    run_state_machine_as_test(lambda: SyncMachine(tmp_path, kiosk_template), settings=SETTINGS)
