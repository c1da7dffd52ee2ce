"""Partner stores settled in money: each store's rate (yuan per point) and period."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import select

from sync.central.context import Central
from sync.central.models import Store
from sync.central.services.audit import audit
from sync.central.services.errors import Refusal, RegistryError
from sync.central.states import SettlementPeriod

RATE = re.compile(r"[0-9]{1,6}(\.[0-9]{1,4})?")
MAX_RATE = Decimal("10000")  # yuan for one point: far past any programme's


def parse_rate(text: object) -> Decimal | None:
    """Read a rate in yuan per point, exactly (None for blank: the store is not settled)."""
    rate = text.strip() if isinstance(text, str) else ""
    if not rate:
        return None
    if not RATE.fullmatch(rate) or not Decimal(0) < Decimal(rate) <= MAX_RATE:
        raise RegistryError(Refusal.SETTLEMENT_RATE)
    return Decimal(rate)


def set_settlement(
    c: Central, store: str, rate: object, period: object = "monthly", actor: str = "office"
) -> None:
    """Set the rate a partner store is paid per point redeemed, and how often it is settled."""
    amount = parse_rate(rate)
    try:
        every = SettlementPeriod(period)
    except ValueError:
        raise RegistryError(Refusal.SETTLEMENT_PERIOD) from None
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        shop = s.scalar(select(Store).where(Store.name == store))
        if shop is None:
            raise RegistryError(Refusal.NO_STORE, store=store)
        old = shop.settlement_rate
        shop.settlement_rate, shop.settlement_period = amount, every
        audit(
            s,
            now,
            actor,
            "settlement_rate",
            store,
            old=None if old is None else str(old),
            new=None if amount is None else str(amount),
            period=str(every),
        )
        uow.commit()
