"""The states central's records move through, and the kinds it sorts them into."""

from __future__ import annotations

from enum import StrEnum


class CardStatus(StrEnum):
    """A resident's card: it works until it is revoked (or replaced, which revokes it)."""

    ACTIVE = "active"
    REVOKED = "revoked"


class ExchangeStatus(StrEnum):
    """An exchange as central holds it: completed, until its kiosk voids it."""

    COMPLETED = "completed"
    VOIDED = "voided"


class StockMoveKind(StrEnum):
    """Why goods moved: handed out by an exchange, given back by a void, or counted."""

    ISSUE = "issue"
    VOID = "void"
    ADJUST = "adjust"


class PushStatus(StrEnum):
    """Central's answer to one pushed entry."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


class UncountedRole(StrEnum):
    """Why a ledger entry is held outside the books: refused by central, or reversing one."""

    REFUSED = "refused"
    REVERSAL = "reversal"


class AlertKind(StrEnum):
    """What an alert tells the office about."""

    REFUSED = "refused"
    CHAIN_GAP = "chain_gap"
    CHAIN_TAMPER = "chain_tamper"
    OVERDRAFT = "overdraft"


class Role(StrEnum):
    """What an office user or office token may do: everything, or only read."""

    ADMIN = "admin"
    VIEWER = "viewer"


class LoginRefusal(StrEnum):
    """Why a sign-in was refused."""

    WRONG = "wrong"
    LOCKED = "locked"


class TokenOwner(StrEnum):
    """Who a bearer token belongs to."""

    KIOSK = "kiosk"
    OFFICE = "office"
