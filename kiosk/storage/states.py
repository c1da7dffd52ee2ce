"""The states kept in the kiosk's status and mode columns.

Each is a StrEnum, so a member equals (and is stored as) the text the column has always held:
no data migration, and rows read back as plain text still compare equal.
"""

from __future__ import annotations

from enum import StrEnum


class PrintStatus(StrEnum):
    """A receipt as a print job: pending → printing → printed, or failed / held."""

    PENDING = "pending"
    PRINTING = "printing"
    PRINTED = "printed"
    FAILED = "failed"  # every try used up
    HELD = "held"  # stale or cut off mid-send: prints again only when the shopkeeper asks
    DISMISSED = "dismissed"  # taken off the list by the shopkeeper, or settled by a reprint


# Jobs that did not print and wait for the shopkeeper.
NEEDS_ATTENTION = (PrintStatus.FAILED, PrintStatus.HELD)


class OutboxStatus(StrEnum):
    """A change queued for central: pending until central answers, then sent or rejected."""

    PENDING = "pending"
    SENT = "sent"
    REJECTED = "rejected"


class SessionMode(StrEnum):
    """What the terminal is doing: an exchange at the counter, or an activity's check-in."""

    EXCHANGE = "exchange"
    CHECKIN = "checkin"


class SessionStatus(StrEnum):
    """A terminal session: open until it is checked out or cancelled."""

    OPEN = "open"
    CHECKED_OUT = "checked_out"
    CANCELLED = "cancelled"


class ExchangeStatus(StrEnum):
    """An exchange: completed, or voided by the shopkeeper."""

    COMPLETED = "completed"
    VOIDED = "voided"


class CardStatus(StrEnum):
    """A resident's card: active, or revoked (lost, reissued, refused)."""

    ACTIVE = "active"
    REVOKED = "revoked"


class StaffRole(StrEnum):
    """What a person at the admin screen may do: a volunteer runs check-ins only."""

    SHOPKEEPER = "shopkeeper"
    VOLUNTEER = "volunteer"


class ClaimStatus(StrEnum):
    """A claim recorded here waits for the office, which approves or rejects it."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    REFUSED = "refused"  # central refused it on arrival (its rule or photos): never decided
