"""The office's reports: donors, partner-store statements, monthly figures, alerts, kiosks."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select, true, union
from sqlalchemy.orm import Session

from core.domain.ledger import LedgerKind
from sync.central import localtime
from sync.central.context import Central
from sync.central.models import (
    Alert,
    Area,
    Batch,
    CheckinTotal,
    DonorGoods,
    DonorHousehold,
    DonorTotal,
    Exchange,
    ExchangeLine,
    ExchangeTotal,
    GoodsTotal,
    Household,
    Kiosk,
    LedgerTotal,
    Product,
    Store,
    StoreHouseholdMonth,
)
from sync.central.queries import totals
from sync.central.scope import WHOLE, Scope
from sync.central.states import ExchangeStatus


def donors(c: Central, scope: Scope = WHOLE) -> list[dict[str, Any]]:
    """Per donor: goods given and their value, goods handed out, households reached.

    For an area: goods given to its stores, handed out to and reaching its households.
    """
    with c.uow(write=False) as uow:
        s = uow.session
        if scope.everything:
            given = s.execute(
                select(
                    DonorGoods.donor,
                    func.sum(DonorGoods.qty),
                    func.sum(DonorGoods.value_cents),
                    func.count(),
                ).group_by(DonorGoods.donor)
            ).all()
            out_rows = s.execute(select(DonorTotal.donor, DonorTotal.goods, DonorTotal.households))
        else:
            given = s.execute(
                select(
                    Batch.donor,
                    func.sum(Batch.qty),
                    func.sum(Batch.qty * func.coalesce(Batch.unit_value_cents, 0)),
                    func.count(func.distinct(Batch.product_code)),
                )
                .where(Batch.source == "donation", scope.of_store(Batch.store_id))
                .group_by(Batch.donor)
            ).all()
            out_rows = s.execute(
                select(DonorHousehold.donor, func.sum(DonorHousehold.goods), func.count())
                .where(scope.of_household(DonorHousehold.household_id))
                .group_by(DonorHousehold.donor)
            )
        handed = {
            donor: (int(qty or 0), int(households or 0)) for donor, qty, households in out_rows
        }
        villages = _donor_villages(s, scope)
        rows = [
            {
                "donor": donor or "—",
                "goods_given": int(qty or 0),
                "value_yuan": round(int(cents or 0) / 100, 2),
                "kinds_of_goods": int(kinds or 0),
                "goods_handed_out": handed.get(donor, (0, 0))[0],
                "households_reached": handed.get(donor, (0, 0))[1],
                "villages_reached": villages.get(donor, 0),
            }
            for donor, qty, cents, kinds in given
        ]
        return sorted(rows, key=lambda r: -r["value_yuan"])


def _donor_villages(s: Session, scope: Scope) -> dict[str, int]:
    """Per donor, the distinct villages of the households their goods reached (for good)."""
    group = Area.__table__.alias("grp")
    village = Area.__table__.alias("village")
    rows = s.execute(
        select(DonorHousehold.donor, func.count(func.distinct(village.c.id)))
        .join(Household, Household.id == DonorHousehold.household_id)
        .join(group, group.c.id == Household.area_id)
        .join(village, village.c.id == group.c.parent_id)
        .where(
            DonorHousehold.goods > 0,
            village.c.level == "village",
            scope.of_household(DonorHousehold.household_id),
        )
        .group_by(DonorHousehold.donor)
    )
    return {donor: int(n) for donor, n in rows}


FIRST_YEAR, LAST_YEAR = 1900, 9000  # statements' periods; month keys are four-digit years


def period(
    start: str | None, end: str | None, zone: str | None = None
) -> tuple[datetime, datetime]:
    """Return [start, end) from YYYY-MM-DD texts, as midnights of the programme's calendar
    (zone); the default is its current month."""
    today = localtime.today(zone)
    first = date.fromisoformat(start) if start else today.replace(day=1)
    until = date.fromisoformat(end) if end else first
    if not (first.year >= FIRST_YEAR and until.year <= LAST_YEAR):
        raise ValueError(f"the period must lie between {FIRST_YEAR} and {LAST_YEAR}")
    if end:
        last = until + timedelta(days=1)
    else:
        last = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    if last <= first:
        raise ValueError("the period ends before it starts")
    return datetime.combine(first, datetime.min.time()), datetime.combine(last, datetime.min.time())


def whole_months(start: datetime, end: datetime) -> tuple[datetime, datetime] | None:
    """Return [first, after) spanning the whole calendar months inside [start, end), or None."""
    first = start.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if first < start:
        first = _next_month(first)
    after = end.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (first, after) if first < after else None


def _month_key(d: datetime) -> str:
    """Return YYYY-MM as the summaries key months (to_char / strftime in the database)."""
    return f"{d.year:04d}-{d.month:02d}"


def _next_month(month_start: datetime) -> datetime:
    return (month_start.replace(day=28) + timedelta(days=4)).replace(day=1)


def store_statement(
    c: Central, store_id: int, start: datetime, end: datetime, scope: Scope = WHOLE
) -> dict[str, Any]:
    """A partner store's statement: points redeemed and goods issued in a period.

    start and end are midnights of the programme's calendar (see `period`). Whole months come
    from the monthly summaries (exchange_totals, goods_totals, store_household_months), which
    count the programme's months; only the partial months at either end are read from the
    exchanges and their lines, between the stored (UTC) times those days begin.
    """
    months = whole_months(start, end)
    if months is None:
        edges = [(start, end)]
    else:
        edges = [(a, b) for a, b in ((start, months[0]), (months[1], end)) if a < b]
    with c.uow(write=False) as uow:
        s = uow.session
        zone = totals.programme_zone(s.connection())  # the zone the summaries count in
        edges = [(localtime.utc_start(a, zone), localtime.utc_start(b, zone)) for a, b in edges]
        store = s.scalar(select(Store).where(Store.id == store_id, scope.stores()))
        if store is None:
            raise LookupError("no such store")
        count = points = voided = 0
        goods: dict[str, list[int]] = {}
        household_sets = []
        if months is not None:
            first, after = _month_key(months[0]), _month_key(months[1])
            in_months = and_(
                ExchangeTotal.store_id == store_id,
                ExchangeTotal.month >= first,
                ExchangeTotal.month < after,
            )
            done, pts, void = s.execute(
                select(
                    func.coalesce(func.sum(ExchangeTotal.completed), 0),
                    func.coalesce(func.sum(ExchangeTotal.points), 0),
                    func.coalesce(func.sum(ExchangeTotal.voided), 0),
                ).where(in_months)
            ).one()
            count, points, voided = int(done), int(pts), int(void)
            for code, qty, pts in s.execute(
                select(
                    GoodsTotal.product_code, func.sum(GoodsTotal.qty), func.sum(GoodsTotal.points)
                )
                .where(
                    GoodsTotal.store_id == store_id,
                    GoodsTotal.month >= first,
                    GoodsTotal.month < after,
                )
                .group_by(GoodsTotal.product_code)
            ):
                goods[code] = [int(qty), int(pts)]
            household_sets.append(
                select(StoreHouseholdMonth.household_id).where(
                    StoreHouseholdMonth.store_id == store_id,
                    StoreHouseholdMonth.month >= first,
                    StoreHouseholdMonth.month < after,
                    StoreHouseholdMonth.exchanges > 0,
                )
            )
        for a, b in edges:  # one range each: an OR of ranges is not an index range
            within = and_(
                Exchange.store_id == store_id, Exchange.created_at >= a, Exchange.created_at < b
            )
            live = and_(within, Exchange.status == ExchangeStatus.COMPLETED)
            done, pts, void = s.execute(
                select(
                    func.count().filter(Exchange.status == ExchangeStatus.COMPLETED),
                    func.coalesce(
                        func.sum(Exchange.total).filter(
                            Exchange.status == ExchangeStatus.COMPLETED
                        ),
                        0,
                    ),
                    func.count().filter(Exchange.status == ExchangeStatus.VOIDED),
                ).where(within)
            ).one()
            count, points, voided = count + int(done), points + int(pts), voided + int(void)
            for code, qty, pts in s.execute(
                select(
                    ExchangeLine.product_code,
                    func.sum(ExchangeLine.qty),
                    func.sum(ExchangeLine.points),
                )
                .join(Exchange, Exchange.id == ExchangeLine.exchange_id)
                .where(live)
                .group_by(ExchangeLine.product_code)
            ):
                held = goods.setdefault(code, [0, 0])
                held[0] += int(qty)
                held[1] += int(pts)
            household_sets.append(select(Exchange.household_id).where(live))
        served = union(*household_sets) if len(household_sets) > 1 else household_sets[0].distinct()
        households = s.scalar(select(func.count()).select_from(served.subquery()))
        goods = {code: held for code, held in goods.items() if held[0] or held[1]}
        names = dict(
            s.execute(select(Product.code, Product.name).where(Product.code.in_(list(goods)))).all()
        )
        lines = sorted(goods.items(), key=lambda item: (-item[1][1], item[0]))
        return {
            "store": store.name,
            "from": start.date().isoformat(),
            "to": (end - timedelta(days=1)).date().isoformat(),
            "exchanges": count,
            "points_redeemed": points,
            "households_served": households or 0,
            "voided": voided,
            "goods": [
                {"code": code, "name": names.get(code) or code, "qty": qty, "points": pts}
                for code, (qty, pts) in lines
            ],
        }


def monthly(c: Central, store_id: int | None = None, scope: Scope = WHOLE) -> list[dict[str, Any]]:
    """Per month: points issued and redeemed, exchanges, goods given out, participations.

    For an area these are the figures of its stores (the office's own credits count for the
    whole programme only).
    """
    with c.uow(write=False) as uow:
        s = uow.session
        kind = LedgerTotal.kind
        net = LedgerTotal.credit + LedgerTotal.debit
        ledger = select(
            LedgerTotal.month,
            func.sum(case((kind.in_(["earn", "adjust"]), LedgerTotal.credit), else_=0)),
            func.sum(case((kind == LedgerKind.SPEND, -net), else_=0))
            - func.sum(case((kind == LedgerKind.VOID, net), else_=0)),
        ).group_by(LedgerTotal.month)
        ex = (
            select(
                ExchangeTotal.month,
                func.sum(ExchangeTotal.completed),
                func.sum(ExchangeTotal.goods),
            )
            .group_by(ExchangeTotal.month)
            .having(func.sum(ExchangeTotal.completed) > 0)
        )
        ci = select(CheckinTotal.month, func.sum(CheckinTotal.checkins)).group_by(
            CheckinTotal.month
        )
        if not scope.everything:
            ledger = ledger.where(scope.of_store(LedgerTotal.store_id))
            ex = ex.where(scope.of_store(ExchangeTotal.store_id))
            ci = ci.where(scope.of_store(CheckinTotal.store_id))
        if store_id is not None:
            ledger = ledger.where(LedgerTotal.store_id == store_id)
            ex = ex.where(ExchangeTotal.store_id == store_id)
            ci = ci.where(CheckinTotal.store_id == store_id)
        months: dict[str, dict[str, Any]] = {}
        for month, issued, redeemed in s.execute(ledger).all():
            row = months.setdefault(month, _blank(month))
            row["points_issued"], row["points_redeemed"] = int(issued or 0), int(redeemed or 0)
        for month, count, goods in s.execute(ex).all():
            row = months.setdefault(month, _blank(month))
            row["exchanges"], row["goods_issued"] = int(count), int(goods or 0)
        for month, count in s.execute(ci).all():
            if count:
                months.setdefault(month, _blank(month))["participations"] = int(count)
        return [months[k] for k in sorted(months)]


def _blank(month: str) -> dict[str, Any]:
    return {
        "month": month,
        "points_issued": 0,
        "points_redeemed": 0,
        "exchanges": 0,
        "goods_issued": 0,
        "participations": 0,
    }


ONLINE_WITHIN = timedelta(minutes=5)  # kiosks sync every few seconds; a few minutes is down


def kiosks(c: Central, scope: Scope = WHOLE) -> list[dict[str, Any]]:
    """Every kiosk (of a store inside the scope) with its store, last sync, backlog, version
    and device states, and whether it is online (seen within ONLINE_WITHIN)."""
    now = c.clock.now()
    with c.uow(write=False) as uow:
        s = uow.session
        rows = s.execute(
            select(Kiosk, Store)
            .join(Store, Store.id == Kiosk.store_id)
            .where(scope.stores())
            .order_by(Store.name, Kiosk.id)
        ).all()
        return [
            {
                "id": k.id,
                "store": st.name,
                "revoked": k.revoked,
                "online": not k.revoked
                and k.last_seen is not None
                and now - k.last_seen <= ONLINE_WITHIN,
                "last_seen": k.last_seen,
                "last_push": k.last_push,
                "contiguous_seq": k.contiguous_seq,
                "backlog": k.backlog,
                "version": k.version,
                "printer": k.printer_state,
                "camera": k.camera_state,
                "last_error": k.last_error,
            }
            for k, st in rows
        ]


def alerts(c: Central, *, open_only: bool = True, scope: Scope = WHOLE) -> list[dict[str, Any]]:
    """Overdrafts, chain gaps and tampering for the office to look at (see `alert_in_scope`)."""
    with c.uow(write=False) as uow:
        stmt = (
            select(Alert)
            .where(alert_in_scope(scope))
            .order_by(Alert.created_at.desc(), Alert.id.desc())
            .limit(500)
        )
        if open_only:
            stmt = stmt.where(Alert.resolved_at.is_(None))
        return [
            {
                "id": a.id,
                "kind": a.kind,
                "kiosk_id": a.kiosk_id,
                "household_id": a.household_id,
                "detail": a.detail,
                "amount": a.amount,
                "created_at": a.created_at,
                "resolved_at": a.resolved_at,
            }
            for a in uow.session.scalars(stmt)
        ]


def alert_in_scope(scope: Scope):
    """A condition on Alert: about a household inside the scope, or about a kiosk of one of
    its stores (an alert about neither is for the whole programme's users)."""
    if scope.everything:
        return true()
    kiosks_in_scope = select(Kiosk.id).where(scope.of_store(Kiosk.store_id))
    return or_(
        scope.of_household(Alert.household_id),
        Alert.kiosk_id.in_(kiosks_in_scope),
    )
