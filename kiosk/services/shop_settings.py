"""The screen settings the shopkeeper can switch: spoken prompts, their volume, low stock."""

from __future__ import annotations

from dataclasses import dataclass

from core.domain import errors, rules
from kiosk.services.common import audit
from kiosk.services.context import Kiosk
from kiosk.services.staff import ADMIN
from kiosk.storage.settings import read, write

LOW_STOCK_DEFAULT = 5
VOLUME_DEFAULT = 80  # percent of the screen's full volume
VOICE = "ui_voice"
LOW_STOCK = "ui_low_stock"
VOLUME = "ui_volume"


class BadVolume(errors.DomainError):
    """A volume outside what the screen can play."""

    code = "bad_volume"
    message = "The volume must be a whole number from {low} to {high}."


@dataclass(frozen=True)
class ShopSettings:
    """What the shopkeeper can switch: spoken prompts, their volume and the low-stock level."""

    voice: bool | None  # None: never set, the app's default applies
    low_stock: int
    volume: int = VOLUME_DEFAULT  # percent, 0 to 100


def current(k: Kiosk) -> ShopSettings:
    """Return the store's screen settings."""
    with k.uow(write=False) as uow:
        s = uow.session
        voice = read(s, VOICE)
        low = read(s, LOW_STOCK)
        volume = read(s, VOLUME)
    return ShopSettings(
        voice=None if voice == "" else voice == "on",
        low_stock=int(low) if low.isdigit() else LOW_STOCK_DEFAULT,
        volume=int(volume) if volume.isdigit() and int(volume) <= 100 else VOLUME_DEFAULT,
    )


def save(
    k: Kiosk,
    *,
    voice: bool,
    low_stock: object,
    volume: object | None = None,
    actor: str = ADMIN,
) -> ShopSettings:
    """Store the screen settings (volume None: as it was); the change is audited."""
    level = rules.parse_int(low_stock, 0, 10_000, errors.BadQuantity)
    loudness = None if volume is None else rules.parse_int(volume, 0, 100, BadVolume)
    with k.uow() as uow:
        s = uow.session
        write(s, VOICE, "on" if voice else "off")
        write(s, LOW_STOCK, str(level))
        if loudness is None:
            stored = read(s, VOLUME)
            loudness = int(stored) if stored.isdigit() else VOLUME_DEFAULT
        else:
            write(s, VOLUME, str(loudness))
        audit(s, k.clock.now(), actor, "settings", voice=voice, low_stock=level, volume=loudness)
        uow.commit()
    k.changed("settings")
    return ShopSettings(voice=voice, low_stock=level, volume=loudness)
