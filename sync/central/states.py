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
    QUOTA_OVERRUN = "quota_overrun"  # a household took more of a scarce good than its quota
    MEMBER_MOVED = "member_moved"  # booked to a household its resident had left (kiosk offline)


class Role(StrEnum):
    """An office user's or office token's role; `GRANTS` says what each may do."""

    ADMIN = "admin"
    VIEWER = "viewer"
    APPROVER = "approver"  # reviews claims for the village or town
    GROUP_LEADER = "group_leader"  # 小组长: records claims for the group


class Permission(StrEnum):
    """One thing an office page or API route asks of its user."""

    READ = "read"
    RECORD_CLAIMS = "record_claims"
    APPROVE_CLAIMS = "approve_claims"
    MANAGE = "manage"  # everything else that writes: households, cards, goods, users, rules


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.VIEWER: frozenset({Permission.READ}),
    Role.APPROVER: frozenset(
        {Permission.READ, Permission.RECORD_CLAIMS, Permission.APPROVE_CLAIMS}
    ),
    Role.GROUP_LEADER: frozenset({Permission.READ, Permission.RECORD_CLAIMS}),
}


def needed(asked: Role | Permission) -> Permission:
    """What a route's guard asks for: a role names the permission it stands for."""
    if isinstance(asked, Permission):
        return asked
    return Permission.MANAGE if asked == Role.ADMIN else Permission.READ


def may(role: str, asked: Role | Permission) -> bool:
    """Whether a user or token of this role may do what a route asks."""
    try:
        return needed(asked) in GRANTS[Role(role)]
    except ValueError:
        return False


class Evidence(StrEnum):
    """What a rule asks a claim to show."""

    NONE = "none"
    PHOTO = "photo"


class ApproverLevel(StrEnum):
    """Who approves a rule's claims: the village, or the town above it."""

    VILLAGE = "village"
    TOWN = "town"


class CapScope(StrEnum):
    """What a rule's cap counts approved claims of: each resident, or the household."""

    RESIDENT = "resident"
    HOUSEHOLD = "household"


class CapPeriod(StrEnum):
    """The period a rule's cap counts over (in the programme's time zone)."""

    NONE = "none"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


class ClaimStatus(StrEnum):
    """A claim waits until an approver approves or rejects it; then it is decided for good."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class AreaLevel(StrEnum):
    """A level of the programme's areas, from the county down to the villagers' group."""

    COUNTY = "county"
    TOWN = "town"
    VILLAGE = "village"
    GROUP = "group"  # 村民小组


LEVELS: tuple[AreaLevel, ...] = tuple(AreaLevel)  # top down: a path of n names is LEVELS[n - 1]


class LoginRefusal(StrEnum):
    """Why a sign-in was refused."""

    WRONG = "wrong"
    LOCKED = "locked"


class TokenOwner(StrEnum):
    """Who a bearer token belongs to."""

    KIOSK = "kiosk"
    OFFICE = "office"


class SettlementPeriod(StrEnum):
    """How often a partner store is settled; the value names the months in one period."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"

    @property
    def months(self) -> int:
        return 3 if self is SettlementPeriod.QUARTERLY else 1
