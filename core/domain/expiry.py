"""When spendable points expire: the programme's policy and its arithmetic (pure, local dates).

Spendable points either never expire, or are all cleared at the start of a day each year
(`clear_on`, e.g. 01-10), or each credit lasts N months (`after_months`, oldest spent first).
The honour total (points ever earned) never expires; only the spendable balance does.

Boundaries are local midnights in the programme's time zone; the caller turns them into
instants. A credit made on local day d under `after_months` N is spendable through the day
before d + N months + 1 day, i.e. it expires at the start of (d + 1 day) + N months.
"""

from __future__ import annotations

import calendar
import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

MAX_MONTHS = 120  # ten years: longer is "never" in practice
ANNOUNCE_DAYS = 31  # a resident is told of an expiry this many days ahead


class ExpiryMode(StrEnum):
    NEVER = "never"
    CLEAR_ON = "clear_on"
    AFTER_MONTHS = "after_months"


class PolicyError(ValueError):
    """A policy that cannot be: a date that does not exist, months out of range."""


@dataclass(frozen=True)
class Policy:
    mode: ExpiryMode = ExpiryMode.NEVER
    month: int = 0  # clear_on: the month and day of the yearly clearing
    day: int = 0
    months: int = 0  # after_months: how long a credit lasts

    @classmethod
    def never(cls) -> Policy:
        return cls()

    @classmethod
    def clear_on(cls, month_day: str) -> Policy:
        """A yearly clearing on MM-DD (29 February is refused: most years lack it)."""
        found = re.fullmatch(r"(\d{1,2})-(\d{1,2})", month_day.strip())
        if not found:
            raise PolicyError("write the day of the yearly clearing as MM-DD, e.g. 01-10")
        month, day = int(found[1]), int(found[2])
        if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(2001, month)[1]:
            raise PolicyError(f"{month_day} is not a day of every year")
        return cls(ExpiryMode.CLEAR_ON, month=month, day=day)

    @classmethod
    def after_months(cls, months: int) -> Policy:
        if isinstance(months, bool) or not isinstance(months, int):
            raise PolicyError("the months must be a whole number")
        if not 1 <= months <= MAX_MONTHS:
            raise PolicyError(f"the months must be 1 to {MAX_MONTHS}")
        return cls(ExpiryMode.AFTER_MONTHS, months=months)

    def to_json(self) -> str:
        if self.mode == ExpiryMode.CLEAR_ON:
            return json.dumps({"mode": self.mode, "on": f"{self.month:02d}-{self.day:02d}"})
        if self.mode == ExpiryMode.AFTER_MONTHS:
            return json.dumps({"mode": self.mode, "months": self.months})
        return json.dumps({"mode": self.mode})

    @classmethod
    def from_json(cls, raw: str | None) -> Policy:
        if not raw:
            return cls.never()
        data = json.loads(raw)
        mode = data.get("mode")
        if mode == ExpiryMode.CLEAR_ON:
            return cls.clear_on(data["on"])
        if mode == ExpiryMode.AFTER_MONTHS:
            return cls.after_months(int(data["months"]))
        return cls.never()

    def describe(self) -> str:
        """The policy in words, for the CLI and the office."""
        if self.mode == ExpiryMode.CLEAR_ON:
            return f"spendable points are cleared every year on {self.month:02d}-{self.day:02d}"
        if self.mode == ExpiryMode.AFTER_MONTHS:
            return f"spendable points expire {self.months} months after they are earned"
        return "spendable points never expire"

    # -- boundaries (local days) ----------------------------------------------------------------

    def last_boundary(self, today: date) -> date | None:
        """The latest boundary on or before ``today`` (its start has passed), or None."""
        if self.mode == ExpiryMode.CLEAR_ON:
            this_year = date(today.year, self.month, self.day)
            return this_year if this_year <= today else date(today.year - 1, self.month, self.day)
        if self.mode == ExpiryMode.AFTER_MONTHS:
            return today  # every day is a boundary: credits from N months back run out
        return None

    def next_boundary(self, today: date) -> date | None:
        """The first boundary after ``today``, or None."""
        if self.mode == ExpiryMode.CLEAR_ON:
            this_year = date(today.year, self.month, self.day)
            return this_year if this_year > today else date(today.year + 1, self.month, self.day)
        if self.mode == ExpiryMode.AFTER_MONTHS:
            return today + timedelta(days=1)
        return None

    def cutoff(self, boundary: date) -> date:
        """Credits made before this local day have expired at ``boundary``."""
        if self.mode == ExpiryMode.AFTER_MONTHS:
            return add_months(boundary, -self.months)
        return boundary

    def expires_on(self, earned: date) -> date | None:
        """The boundary at which a credit made on ``earned`` expires (None: never)."""
        if self.mode == ExpiryMode.AFTER_MONTHS:
            return add_months(earned + timedelta(days=1), self.months)
        if self.mode == ExpiryMode.CLEAR_ON:
            return self.next_boundary(earned)
        return None


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (or earlier), clamped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def to_expire(credits_before_cutoff: int, credits_all: int, balance: int) -> int:
    """Points that expire now, oldest spent first.

    ``credits_before_cutoff``: the household's credits (earned or added) made before the
    cutoff; ``credits_all``: all its credits; ``balance``: its balance now. Everything that
    has left the balance (spends net of voids, deductions, earlier expiries) was taken from the
    oldest credits first, so what remains of the old ones is what expires; never more than the
    balance, never below zero. Earlier expiries count as spent, so running it again takes
    nothing more.
    """
    spent = max(0, credits_all - balance)
    return max(0, min(balance, credits_before_cutoff - spent))


def upcoming(
    policy: Policy,
    lots: list[tuple[date, int]],
    spent: int,
    balance: int,
    today: date,
    days: int = ANNOUNCE_DAYS,
) -> tuple[int, date] | None:
    """What will expire in the next ``days`` days if nothing more is spent: (points, first day).

    ``lots``: the household's credits (local day, points) not yet used up or expired, oldest
    first or not; ``spent``: what has left the balance beyond the credits before those lots.
    Spending takes the oldest credits first, so ``spent`` is taken from the oldest lots; what is
    left of each lot expires at its boundary. None when nothing expires in that time.
    """
    horizon = today + timedelta(days=days)
    remaining = max(spent, 0)
    total, first = 0, None
    for day, points in sorted(lots):
        used = min(points, remaining)
        remaining -= used
        left = points - used
        on = policy.expires_on(day)
        if left <= 0 or on is None or on <= today or on > horizon:
            continue
        total += left
        first = on if first is None else min(first, on)
    total = min(total, max(balance, 0))
    return (total, first) if total > 0 and first is not None else None
