"""SQLAlchemy models of the central server (SQLite for the demo, PostgreSQL in production)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from sync.central.states import CardStatus, ExchangeStatus, SettlementPeriod

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
BigId = BigInteger().with_variant(Integer, "sqlite")  # SQLite autoincrements INTEGER keys only
# Random UUID ids (canonical lowercase text in Python): PostgreSQL's uuid takes 16 bytes where
# varchar(36) takes 37, so their random-order indexes are about half the size (c0006).
UuidText = String(36).with_variant(postgresql.UUID(as_uuid=False), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Store(Base):
    """A points exchange store; its kiosks write only for it."""

    __tablename__ = "stores"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    offline_allowance: Mapped[int] = mapped_column(Integer, default=200)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    area_id: Mapped[int | None] = mapped_column(Integer, index=True)  # its village
    # A partner shop is paid this many yuan per point it redeems (None: not settled in money).
    settlement_rate: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    settlement_period: Mapped[str] = mapped_column(
        String(16), default=SettlementPeriod.MONTHLY, server_default=SettlementPeriod.MONTHLY
    )


class Area(Base):
    """A county, town, village or villagers' group; `path` names it from the county down."""

    __tablename__ = "areas"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(Integer, index=True)
    level: Mapped[str] = mapped_column(String(16))  # an AreaLevel
    name: Mapped[str] = mapped_column(String(40))
    path: Mapped[str] = mapped_column(String(200), unique=True)  # 县/镇/村/组


class Kiosk(Base):
    """An enrolled terminal; its token is found by its public id and checked by a salted hash."""

    __tablename__ = "kiosks"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    token_id: Mapped[str] = mapped_column(String(24), unique=True)
    token_hash: Mapped[str] = mapped_column(String(200), unique=True)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    enrolled_at: Mapped[datetime] = mapped_column(DateTime)
    contiguous_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_seen: Mapped[datetime | None] = mapped_column(DateTime)
    last_push: Mapped[datetime | None] = mapped_column(DateTime)
    version: Mapped[str | None] = mapped_column(String(40))
    backlog: Mapped[int | None] = mapped_column(Integer)
    printer_state: Mapped[str | None] = mapped_column(String(40))
    camera_state: Mapped[str | None] = mapped_column(String(40))
    last_error: Mapped[str | None] = mapped_column(String(200))
    # Has read its store's feed: from then on its token is refused the whole feed (c0024).
    store_feed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class OfficeToken(Base):
    """A bearer token for the office API: a public id and a salted hash of the token."""

    __tablename__ = "office_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_id: Mapped[str] = mapped_column(String(24), unique=True)
    token_hash: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # a Role
    label: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    user_id: Mapped[int | None] = mapped_column(Integer)  # scoped like this user when set


class OfficeUser(Base):
    """A person who signs in to the office web; the password is stored as a salted scrypt hash."""

    __tablename__ = "office_users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))  # a Role
    created_at: Mapped[datetime] = mapped_column(DateTime)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    area_id: Mapped[int | None] = mapped_column(Integer)  # None: the whole programme


class OfficeSession(Base):
    """A signed-in office browser: its cookie holds a random token, this row only its SHA-256.

    Deleting the row ends the session wherever its cookie has been copied to.
    """

    __tablename__ = "office_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("office_users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen: Mapped[datetime] = mapped_column(DateTime)


class SiteSecret(Base):
    """The key that signs office web sessions, made once per installation."""

    __tablename__ = "site_secrets"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class Household(Base):
    __tablename__ = "households"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    balance: Mapped[int] = mapped_column(BigInteger, default=0)  # cache of the ledger sum
    created_at: Mapped[datetime] = mapped_column(DateTime)
    area_id: Mapped[int | None] = mapped_column(Integer, index=True)  # its villagers' group


class Resident(Base):
    __tablename__ = "residents"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    household_id: Mapped[str] = mapped_column(ForeignKey("households.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    phone: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Card(Base):
    __tablename__ = "cards"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[str] = mapped_column(ForeignKey("residents.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=CardStatus.ACTIVE)
    issued_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    # A card issued at a kiosk works only at that kiosk's store until the office confirms it.
    issued_by: Mapped[str | None] = mapped_column(String(40), index=True)
    bound_store_id: Mapped[int | None] = mapped_column(Integer)
    replaced_id: Mapped[int | None] = mapped_column(Integer)  # the card it revoked on issue


class Product(Base):
    __tablename__ = "products"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    category: Mapped[str] = mapped_column(String(40))
    points: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # A scarce good's limit per household per period (week or month), sent to every kiosk.
    quota_limit: Mapped[int | None] = mapped_column(Integer)
    quota_period: Mapped[str | None] = mapped_column(String(8))


class QuotaUse(Base):
    """How many of a quota'd good a household took at one kiosk in one period (local calendar);
    the kiosks learn each other's counts through the feed."""

    __tablename__ = "quota_uses"
    household_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    product_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    period: Mapped[str] = mapped_column(String(10), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    used: Mapped[int] = mapped_column(Integer, default=0)


class Announcement(Base):
    """A notice from the office for the idle screens of some stores (none listed: all)."""

    __tablename__ = "announcements"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    text: Mapped[str] = mapped_column(String(500))
    starts: Mapped[date] = mapped_column(Date)
    ends: Mapped[date] = mapped_column(Date)
    store_ids: Mapped[list] = mapped_column(JSON, default=list)  # [] for every store
    villages: Mapped[list] = mapped_column(JSON, default=list)  # area paths; their stores
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    picture_type: Mapped[str | None] = mapped_column(String(16))  # image/jpeg or image/png
    picture: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)


class ExchangeDay(Base):
    """A collective exchange day (集中兑换) the office scheduled for one store."""

    __tablename__ = "exchange_days"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    opens: Mapped[str] = mapped_column(String(5))
    closes: Mapped[str] = mapped_column(String(5))
    note: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Activity(Base):
    __tablename__ = "activities"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    type: Mapped[str] = mapped_column(String(40))
    day: Mapped[date] = mapped_column(Date)
    points: Mapped[int] = mapped_column(Integer)
    cap: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    rule_code: Mapped[str | None] = mapped_column(String(32))  # the rule this event applies


class Rule(Base):
    """A rule of the programme's rule book (积分细则): what a deed adds, or a fault deducts."""

    __tablename__ = "rules"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    category: Mapped[str] = mapped_column(String(40))
    points: Mapped[int] = mapped_column(Integer)  # positive: added; negative: deducted
    evidence: Mapped[str] = mapped_column(String(8))  # an Evidence
    approver: Mapped[str] = mapped_column(String(8))  # an ApproverLevel
    cap_scope: Mapped[str] = mapped_column(String(16))  # a CapScope
    cap_period: Mapped[str] = mapped_column(String(8))  # a CapPeriod
    cap_count: Mapped[int | None] = mapped_column(Integer)  # None when the period is none
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Claim(Base):
    """A deed (or fault) recorded under a rule for a household, waiting for an approver.

    On approval the points are booked on central's own chain; a deduction takes at most the
    household's balance and `shortfall` keeps what could not be deducted.
    """

    __tablename__ = "claims"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the ledger entry's ref
    rule_code: Mapped[str] = mapped_column(String(32), index=True)
    household_id: Mapped[str] = mapped_column(String(40), index=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16))  # a ClaimStatus
    points: Mapped[int] = mapped_column(Integer)  # the rule's points when recorded
    booked: Mapped[int | None] = mapped_column(Integer)  # what the approval moved
    shortfall: Mapped[int] = mapped_column(Integer, default=0)  # deduction beyond the balance
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    reason: Mapped[str | None] = mapped_column(String(200))  # why it was rejected
    ledger_entry_id: Mapped[str | None] = mapped_column(String(36))
    kiosk_id: Mapped[str | None] = mapped_column(String(40))  # c0020: recorded at this kiosk
    __table_args__ = (Index("ix_claims_status_recorded", "status", "recorded_at"),)


class ClaimResident(Base):
    """A resident a claim names (a rule capped per resident counts these)."""

    __tablename__ = "claim_residents"
    claim_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    resident_id: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class ClaimPhoto(Base):
    """A photo of a claim, checked to be a JPEG, PNG or WebP image of limited size."""

    __tablename__ = "claim_photos"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    claim_id: Mapped[str] = mapped_column(String(36), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 1 to 4, in the order given
    media_type: Mapped[str] = mapped_column(String(16))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class LedgerEntry(Base):
    """Every points entry of the programme: from kiosks, and central's own credits."""

    __tablename__ = "ledger_entries"
    id: Mapped[str] = mapped_column(UuidText, primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(40))
    seq: Mapped[int] = mapped_column(BigInteger)
    household_id: Mapped[str] = mapped_column(ForeignKey("households.id"))
    kind: Mapped[str] = mapped_column(String(16))
    points: Mapped[int] = mapped_column(Integer)
    ref: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    store_id: Mapped[int | None] = mapped_column(Integer)
    __table_args__ = (
        UniqueConstraint("kiosk_id", "seq"),
        Index("ix_ledger_entries_household_created", "household_id", "created_at"),
    )


class SyncEntry(Base):
    """A pushed outbox entry, applied exactly once."""

    __tablename__ = "sync_entries"
    id: Mapped[str] = mapped_column(UuidText, primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(40))
    seq: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))
    digest: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # PushStatus: applied or rejected
    reason: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(DateTime)
    __table_args__ = (UniqueConstraint("kiosk_id", "seq"),)


class Exchange(Base):
    __tablename__ = "exchanges"
    id: Mapped[str] = mapped_column(UuidText, primary_key=True)
    number: Mapped[str] = mapped_column(String(60))
    kiosk_id: Mapped[str] = mapped_column(String(40))
    store_id: Mapped[int] = mapped_column(Integer)
    household_id: Mapped[str] = mapped_column(String(40))
    resident_id: Mapped[str] = mapped_column(String(40))
    beneficiary_id: Mapped[str | None] = mapped_column(String(40))
    total: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=ExchangeStatus.COMPLETED)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    __table_args__ = (
        Index(
            "ix_exchanges_store_created",
            "store_id",
            "created_at",
            postgresql_include=["status", "id", "household_id", "total"],
        ),
    )


class ExchangeLine(Base):
    __tablename__ = "exchange_lines"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    exchange_id: Mapped[str] = mapped_column(UuidText, ForeignKey("exchanges.id"))
    product_code: Mapped[str] = mapped_column(String(32))
    qty: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)
    # A statement reads a period's lines from the index alone (PostgreSQL).
    __table_args__ = (
        Index(
            "ix_exchange_lines_exchange_id",
            "exchange_id",
            postgresql_include=["product_code", "qty", "points"],
        ),
    )


class Batch(Base):
    """A restock batch received at a store's kiosk."""

    __tablename__ = "batches"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kiosk_id: Mapped[str] = mapped_column(String(40))
    batch_id: Mapped[int] = mapped_column(BigInteger)
    store_id: Mapped[int] = mapped_column(Integer, index=True)
    product_code: Mapped[str] = mapped_column(String(32))
    qty: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))
    donor: Mapped[str] = mapped_column(String(80))
    unit_value_cents: Mapped[int | None] = mapped_column(BigInteger)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    __table_args__ = (UniqueConstraint("kiosk_id", "batch_id"),)


class StockMove(Base):
    """Goods out of (or back into) a batch: traces donated goods to households."""

    __tablename__ = "stock_moves"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kiosk_id: Mapped[str] = mapped_column(String(40))
    batch_id: Mapped[int] = mapped_column(BigInteger)
    store_id: Mapped[int] = mapped_column(Integer)
    product_code: Mapped[str] = mapped_column(String(32))
    qty: Mapped[int] = mapped_column(Integer)  # negative: handed out
    kind: Mapped[str] = mapped_column(String(16))
    exchange_id: Mapped[str | None] = mapped_column(UuidText)
    household_id: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    __table_args__ = (
        Index("ix_stock_moves_batch", "kiosk_id", "batch_id"),
        # A pushed void's goods are checked against its exchange's moves.
        Index(
            "ix_stock_moves_exchange",
            "exchange_id",
            postgresql_where=text("exchange_id IS NOT NULL"),
            sqlite_where=text("exchange_id IS NOT NULL"),
        ),
    )


class CheckIn(Base):
    __tablename__ = "checkins"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    activity_id: Mapped[str] = mapped_column(String(40), index=True)
    resident_id: Mapped[str] = mapped_column(String(40))
    household_id: Mapped[str] = mapped_column(String(40))
    kiosk_id: Mapped[str | None] = mapped_column(String(40))
    store_id: Mapped[int | None] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    __table_args__ = (
        UniqueConstraint("activity_id", "resident_id"),
        Index("ix_checkins_store_household", "store_id", "household_id"),
    )


class Adjustment(Base):
    """An office correction of a household's points: a counter-entry with its reason."""

    __tablename__ = "adjustments"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the ledger entry's ref
    household_id: Mapped[str] = mapped_column(String(40), index=True)
    points: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(80))
    ledger_entry_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Expiry(Base):
    """Spendable points cleared at a boundary of the programme's policy: a counter-entry."""

    __tablename__ = "expiries"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the ledger entry's ref
    household_id: Mapped[str] = mapped_column(String(40))
    boundary: Mapped[date] = mapped_column(Date)  # the local day whose start it belongs to
    points: Mapped[int] = mapped_column(
        Integer
    )  # taken away: positive here, negative in the ledger
    policy: Mapped[str] = mapped_column(String(200))
    ledger_entry_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    __table_args__ = (UniqueConstraint("household_id", "boundary"),)


class ExpiryNotice(Base):
    """What a household is told ahead: how many points expire, and on which local day."""

    __tablename__ = "expiry_notices"
    household_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    points: Mapped[int] = mapped_column(Integer)
    on: Mapped[date] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class UncountedEntry(Base):
    """A kiosk ledger entry central holds for its chain but does not count.

    Either an entry central refused (role "refused": the kiosk wrote it, the rules do not allow
    it) or the kiosk's counter-entry that reverses such a refusal (role "reversal"). Keeping
    them closes the kiosk's hash chain at central without moving any balance or figure.
    """

    __tablename__ = "uncounted_entries"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(40))
    seq: Mapped[int] = mapped_column(BigInteger)
    household_id: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    points: Mapped[int] = mapped_column(Integer)
    ref: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))  # an UncountedRole
    reason: Mapped[str] = mapped_column(String(200))
    reversed_by: Mapped[str | None] = mapped_column(String(36))
    received_at: Mapped[datetime] = mapped_column(DateTime)
    __table_args__ = (UniqueConstraint("kiosk_id", "seq"),)


class Alert(Base):
    """Something the office must look at: a chain gap or break, an overdraft."""

    __tablename__ = "alerts"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(24))  # an AlertKind
    kiosk_id: Mapped[str | None] = mapped_column(String(40), index=True)
    household_id: Mapped[str | None] = mapped_column(String(40), index=True)
    detail: Mapped[str] = mapped_column(String(400))
    amount: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)


class Change(Base):
    """The change feed kiosks pull by cursor."""

    __tablename__ = "changes"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    data: Mapped[dict] = mapped_column(JSON)
    origin_kiosk: Mapped[str | None] = mapped_column(String(40))
    store_id: Mapped[int | None] = mapped_column(Integer)  # None: for every store
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # c0014: a store's feed is read by (store, cursor); the changes meant for every store that a
    # store's feed carries (goods, activities) through a partial index without the ledger.
    __table_args__ = (
        Index("ix_changes_store_cursor", "store_id", "id"),
        Index(
            "ix_changes_everyone",
            "id",
            postgresql_where=text("store_id IS NULL AND kind IN ('product', 'activity')"),
            sqlite_where=text("store_id IS NULL AND kind IN ('product', 'activity')"),
        ),
    )


class StoreMember(Base):
    """A household of a store's set: its kiosks receive its records and confirmed balance.

    A household joins when its first entry at the store arrives or a kiosk of the store looks
    its card up; announced: its records have been written to the store's feed.
    """

    __tablename__ = "store_members"
    store_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    joined_at: Mapped[datetime] = mapped_column(DateTime)
    announced: Mapped[bool] = mapped_column(Boolean, default=False)
    __table_args__ = (
        Index("ix_store_members_household", "household_id", "store_id"),
        Index(
            "ix_store_members_unannounced",
            "store_id",
            postgresql_where=text("NOT announced"),
            sqlite_where=text("NOT announced"),
        ),
    )


class ChainHead(Base):
    """Central's own ledger chain (credits, opening balances)."""

    __tablename__ = "chain_heads"
    kiosk_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(80), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    kiosk_id: Mapped[str | None] = mapped_column(String(40))


# -- summaries of the ledger and the records, kept by triggers in the same transaction -----------
# (migration c0004_dashboard). The office's figures read these instead of scanning every entry;
# sync.central.queries.totals proves them equal to the rows they summarise.


class LedgerTotal(Base):
    """Per kiosk, store (0: central's own entries), month and kind: points in, out, entries."""

    __tablename__ = "ledger_totals"
    kiosk_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    store_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    credit: Mapped[int] = mapped_column(BigInteger, default=0)  # sum of positive points
    debit: Mapped[int] = mapped_column(BigInteger, default=0)  # sum of negative points
    entries: Mapped[int] = mapped_column(BigInteger, default=0)
    __table_args__ = (Index("ix_ledger_totals_store_month", "store_id", "month"),)


class ExchangeTotal(Base):
    """Per kiosk, store and month: completed exchanges, their points and goods; voided ones."""

    __tablename__ = "exchange_totals"
    kiosk_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    store_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    completed: Mapped[int] = mapped_column(BigInteger, default=0)
    points: Mapped[int] = mapped_column(BigInteger, default=0)
    goods: Mapped[int] = mapped_column(BigInteger, default=0)
    voided: Mapped[int] = mapped_column(BigInteger, default=0)
    __table_args__ = (Index("ix_exchange_totals_store_month", "store_id", "month"),)


class CheckinTotal(Base):
    """Per kiosk ('' for the office), store (0 for none), month and activity: check-ins."""

    __tablename__ = "checkin_totals"
    kiosk_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    store_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    activity_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    checkins: Mapped[int] = mapped_column(BigInteger, default=0)


class StoreHousehold(Base):
    """Per store and household: completed exchanges (households served are those above 0)."""

    __tablename__ = "store_households"
    store_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    exchanges: Mapped[int] = mapped_column(BigInteger, default=0)


class DonorHousehold(Base):
    """Per donor and household ('' for none): donated goods handed out, and the moves."""

    __tablename__ = "donor_households"
    donor: Mapped[str] = mapped_column(String(80), primary_key=True)
    household_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    goods: Mapped[int] = mapped_column(BigInteger, default=0)
    moves: Mapped[int] = mapped_column(BigInteger, default=0)


class DonorTotal(Base):
    """Per donor: donated goods handed out, and households reached (donor_households summed)."""

    __tablename__ = "donor_totals"
    donor: Mapped[str] = mapped_column(String(80), primary_key=True)
    goods: Mapped[int] = mapped_column(BigInteger, default=0)
    households: Mapped[int] = mapped_column(BigInteger, default=0)


class DonorGoods(Base):
    """Per donor and product: goods donated and their value."""

    __tablename__ = "donor_goods"
    donor: Mapped[str] = mapped_column(String(80), primary_key=True)
    product_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    qty: Mapped[int] = mapped_column(BigInteger, default=0)
    value_cents: Mapped[int] = mapped_column(BigInteger, default=0)


class GoodsTotal(Base):
    """Per kiosk, store, month and product: goods and points of completed exchanges."""

    __tablename__ = "goods_totals"
    kiosk_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    store_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    product_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    qty: Mapped[int] = mapped_column(BigInteger, default=0)
    points: Mapped[int] = mapped_column(BigInteger, default=0)
    __table_args__ = (
        Index(
            "ix_goods_totals_store_month",
            "store_id",
            "month",
            postgresql_include=["product_code", "qty", "points"],
        ),
    )


class StoreHouseholdMonth(Base):
    """Per store, month and household: completed exchanges (served: those above 0)."""

    __tablename__ = "store_household_months"
    store_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    household_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    exchanges: Mapped[int] = mapped_column(BigInteger, default=0)


class CentralSetting(Base):
    """A setting of the programme kept with its data (the time zone its figures count in)."""

    __tablename__ = "central_settings"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
