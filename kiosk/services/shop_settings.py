"""The screen settings the shopkeeper can switch: spoken prompts and the low-stock level."""

from __future__ import annotations

from dataclasses import dataclass

from core.domain import errors, rules
from kiosk.services.common import audit
from kiosk.services.context import Kiosk
from kiosk.services.staff import ADMIN
from kiosk.storage.settings import read, write

LOW_STOCK_DEFAULT = 5
VOICE = "ui_voice"
LOW_STOCK = "ui_low_stock"


@dataclass(frozen=True)
class ShopSettings:
    """What the shopkeeper can switch: spoken prompts and the low-stock level."""

    voice: bool | None  # None: never set, the app's default applies
    low_stock: int


def current(k: Kiosk) -> ShopSettings:
    """Return the store's screen settings."""
    with k.uow(write=False) as uow:
        s = uow.session
        voice = read(s, VOICE)
        low = read(s, LOW_STOCK)
    return ShopSettings(
        voice=None if voice == "" else voice == "on",
        low_stock=int(low) if low.isdigit() else LOW_STOCK_DEFAULT,
    )


def save(k: Kiosk, *, voice: bool, low_stock: object) -> ShopSettings:
    """Store the screen settings; the change is audited."""
    level = rules.parse_int(low_stock, 0, 10_000, errors.BadQuantity)
    with k.uow() as uow:
        s = uow.session
        write(s, VOICE, "on" if voice else "off")
        write(s, LOW_STOCK, str(level))
        audit(s, k.clock.now(), ADMIN, "settings", voice=voice, low_stock=level)
        uow.commit()
    k.changed("settings")
    return ShopSettings(voice=voice, low_stock=level)
