"""SQLAlchemy 2.x models of the kiosk database."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kiosk.storage.states import (
    CardStatus,
    ExchangeStatus,
    OutboxStatus,
    PrintStatus,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class KioskState(Base):
    """The head of this kiosk's ledger chain."""

    __tablename__ = "kiosk_state"
    kiosk_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
    last_session_id: Mapped[str | None] = mapped_column(String(36))


class Household(Base):
    """A points account (户)."""

    __tablename__ = "households"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    balance: Mapped[int] = mapped_column(Integer, default=0)  # cache of sum(ledger.points)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # From the store's feed (0006): the balance central confirmed, None before the first (the
    # balance is then the ledger's sum), and the highest sequence of this kiosk's own ledger
    # entries it takes in; the balance is the confirmed one plus the own entries after it.
    confirmed_balance: Mapped[int | None] = mapped_column(Integer)
    confirmed_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ExpiryNotice(Base):
    """Central's notice that a household's points will be cleared: how many, on which day."""

    __tablename__ = "expiry_notices"
    household_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    points: Mapped[int] = mapped_column(Integer)
    on: Mapped[date] = mapped_column(Date)


class Resident(Base):
    """A member of a household."""

    __tablename__ = "residents"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    household_id: Mapped[str] = mapped_column(ForeignKey("households.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    phone: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Card(Base):
    """A QR credential; only the hash of its token is kept."""

    __tablename__ = "cards"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[str] = mapped_column(ForeignKey("residents.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=CardStatus.ACTIVE)
    issued_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoke_reason: Mapped[str | None] = mapped_column(String(200))


class Product(Base):
    """A good with a point price; stock caches the sum of its movements."""

    __tablename__ = "products"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    unit: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(40))
    points: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    stock: Mapped[int] = mapped_column(Integer, default=0)
    # A scarce good's limit per household per period (a QuotaPeriod), set by the office.
    quota_limit: Mapped[int | None] = mapped_column(Integer)
    quota_period: Mapped[str | None] = mapped_column(String(8))


class StockBatch(Base):
    """One delivery of a product, issued first in, first out."""

    __tablename__ = "stock_batches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_code: Mapped[str] = mapped_column(ForeignKey("products.code"))
    source: Mapped[str] = mapped_column(String(16))  # donation | purchase | transfer | stocktake
    donor: Mapped[str] = mapped_column(String(80), default="")
    unit_value_cents: Mapped[int | None] = mapped_column(Integer)
    qty_in: Mapped[int] = mapped_column(Integer)
    remaining: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    __table_args__ = (Index("ix_stock_batches_open", "product_code", "remaining", "id"),)


class StockMovement(Base):
    """A signed change of stock: restock, issue, void or adjust."""

    __tablename__ = "stock_movements"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_code: Mapped[str] = mapped_column(ForeignKey("products.code"), index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("stock_batches.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    qty: Mapped[int] = mapped_column(Integer)
    ref: Mapped[str] = mapped_column(String(40), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class LedgerEntry(Base):
    """An append-only points entry, chained per kiosk."""

    __tablename__ = "ledger_entries"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(40))
    seq: Mapped[int] = mapped_column(Integer)
    household_id: Mapped[str] = mapped_column(ForeignKey("households.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    points: Mapped[int] = mapped_column(Integer)
    ref: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    __table_args__ = (UniqueConstraint("kiosk_id", "seq"),)


class HistoryNote(Base):
    """An entry of central's own chain for a household, with what it was for (查积分 shows it):
    the household's balance reaches the kiosk confirmed, this says where its changes came from."""

    __tablename__ = "history_notes"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the ledger entry's id
    household_id: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(16))
    points: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    what: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(80), default="")
    reason: Mapped[str] = mapped_column(String(200), default="")
    __table_args__ = (Index("ix_history_notes_household_created", "household_id", "created_at"),)


class TerminalSession(Base):
    """What the terminal is doing now: one resident's exchange or an activity check-in."""

    __tablename__ = "terminal_sessions"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(40))
    mode: Mapped[str] = mapped_column(String(16))  # a SessionMode
    status: Mapped[str] = mapped_column(String(16))  # a SessionStatus
    household_id: Mapped[str | None] = mapped_column(ForeignKey("households.id"))
    resident_id: Mapped[str | None] = mapped_column(ForeignKey("residents.id"))
    beneficiary_id: Mapped[str | None] = mapped_column(ForeignKey("residents.id"))
    activity_id: Mapped[str | None] = mapped_column(ForeignKey("activities.id"))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (
        Index(
            "uq_terminal_sessions_open",
            "kiosk_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )


class SessionLine(Base):
    """A product in the open session's cart."""

    __tablename__ = "session_lines"
    session_id: Mapped[str] = mapped_column(ForeignKey("terminal_sessions.id"), primary_key=True)
    product_code: Mapped[str] = mapped_column(ForeignKey("products.code"), primary_key=True)
    qty: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Exchange(Base):
    """One committed checkout."""

    __tablename__ = "exchanges"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(60), unique=True)
    kiosk_id: Mapped[str] = mapped_column(String(40))
    session_id: Mapped[str] = mapped_column(String(36), unique=True)
    household_id: Mapped[str] = mapped_column(ForeignKey("households.id"), index=True)
    resident_id: Mapped[str] = mapped_column(ForeignKey("residents.id"))
    beneficiary_id: Mapped[str | None] = mapped_column(ForeignKey("residents.id"))
    total: Mapped[int] = mapped_column(Integer)
    balance_before: Mapped[int] = mapped_column(Integer)
    balance_after: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=ExchangeStatus.COMPLETED)
    ledger_entry_id: Mapped[str] = mapped_column(ForeignKey("ledger_entries.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    voided_at: Mapped[datetime | None] = mapped_column(DateTime)
    void_reason: Mapped[str | None] = mapped_column(String(200))
    void_entry_id: Mapped[str | None] = mapped_column(ForeignKey("ledger_entries.id"))


class ExchangeLine(Base):
    """A product handed out in an exchange, at the price paid."""

    __tablename__ = "exchange_lines"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exchange_id: Mapped[str] = mapped_column(ForeignKey("exchanges.id"), index=True)
    product_code: Mapped[str] = mapped_column(ForeignKey("products.code"))
    name: Mapped[str] = mapped_column(String(80))
    qty: Mapped[int] = mapped_column(Integer)
    points_each: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)


class Activity(Base):
    """A community activity whose participants earn points."""

    __tablename__ = "activities"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    type: Mapped[str] = mapped_column(String(40))
    day: Mapped[date] = mapped_column(Date)
    points: Mapped[int] = mapped_column(Integer)
    cap: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class CheckIn(Base):
    """A resident's participation in an activity: one per resident per activity."""

    __tablename__ = "checkins"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    activity_id: Mapped[str] = mapped_column(ForeignKey("activities.id"))
    resident_id: Mapped[str] = mapped_column(ForeignKey("residents.id"))
    household_id: Mapped[str] = mapped_column(ForeignKey("households.id"))
    ledger_entry_id: Mapped[str] = mapped_column(ForeignKey("ledger_entries.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    __table_args__ = (UniqueConstraint("activity_id", "resident_id"),)


class Receipt(Base):
    """A printable record committed with what it records, and its print job.

    status: pending (queued) → printing → printed; or failed (tries used up) or held (too old
    to print on its own, or interrupted mid-send): both wait for the shopkeeper, who may
    retry or dismiss them.
    """

    __tablename__ = "receipts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # exchange | void | checkin | restock | summary
    ref: Mapped[str] = mapped_column(String(40), index=True)
    number: Mapped[str] = mapped_column(String(60))
    text: Mapped[str] = mapped_column(Text)
    escpos: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16), default=PrintStatus.PENDING, index=True)
    printed_at: Mapped[datetime | None] = mapped_column(DateTime)
    error: Mapped[str | None] = mapped_column(String(200))  # offline | paper_out | … | stale
    # The receipt's data, to lay it out again (a reprint); None for rows older than the queue.
    source: Mapped[dict | None] = mapped_column(JSON)
    queued_at: Mapped[datetime | None] = mapped_column(DateTime)  # when the job (re)entered
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    printer_state: Mapped[str | None] = mapped_column(String(16))  # as last seen for this job
    detail: Mapped[str | None] = mapped_column(String(200))
    reprint_of: Mapped[int | None] = mapped_column(ForeignKey("receipts.id"))


class OutboxRow(Base):
    """A change central must learn of, written in the same transaction as the change."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(36), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    # Which household's points the entry moves, and by how much: the offline allowance counts
    # what central has not yet confirmed.
    household_id: Mapped[str | None] = mapped_column(String(40))
    points: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    status: Mapped[str] = mapped_column(
        String(16), default=OutboxStatus.PENDING, server_default="pending"
    )
    reason: Mapped[str | None] = mapped_column(String(200))
    __table_args__ = (Index("ix_outbox_household_pending", "household_id", "status"),)


class SyncState(Base):
    """Small facts the sync client keeps: the feed cursor, the store's allowance."""

    __tablename__ = "sync_state"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class KioskSetting(Base):
    """The kiosk's own small facts: the shopkeeper's PIN and its lock, the screen settings."""

    __tablename__ = "kiosk_settings"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class AuditEntry(Base):
    """Who did what, when."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(80), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)


class StaffMember(Base):
    """A shopkeeper or volunteer who signs in to the admin screen with their own PIN."""

    __tablename__ = "staff_members"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(16))  # a StaffRole
    pin_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class QuotaUse(Base):
    """How many of a quota'd good a household took at another kiosk in a period, as central
    counted them (this kiosk's own exchanges are counted from its own lines)."""

    __tablename__ = "quota_uses"
    household_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    product_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    period: Mapped[str] = mapped_column(String(10), primary_key=True)  # 2026-12 or 2026-W49
    kiosk_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    used: Mapped[int] = mapped_column(Integer, default=0)


class Announcement(Base):
    """A notice from the office, shown on the idle screen between its dates."""

    __tablename__ = "announcements"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    text: Mapped[str] = mapped_column(String(500))
    starts: Mapped[date] = mapped_column(Date)
    ends: Mapped[date] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    picture_type: Mapped[str | None] = mapped_column(String(16))  # image/jpeg or image/png
    picture: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)


class ExchangeDay(Base):
    """A collective exchange day (集中兑换) the office scheduled for this store."""

    __tablename__ = "exchange_days"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    opens: Mapped[str] = mapped_column(String(5))  # HH:MM, local
    closes: Mapped[str] = mapped_column(String(5))
    note: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Rule(Base):
    """A rule of central's rule book, as the feed brings it: what a claim may be recorded under."""

    __tablename__ = "rules"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    category: Mapped[str] = mapped_column(String(40))
    points: Mapped[int] = mapped_column(Integer)  # positive: added; negative: deducted
    evidence: Mapped[str] = mapped_column(String(8))  # none | photo
    approver: Mapped[str] = mapped_column(String(8))  # village | town
    cap_scope: Mapped[str] = mapped_column(String(16))  # resident | household
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Claim(Base):
    """A claim recorded at this kiosk: it waits for the office, whose decision the feed brings."""

    __tablename__ = "claims"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    rule_code: Mapped[str] = mapped_column(String(32))
    household_id: Mapped[str] = mapped_column(String(40))
    residents: Mapped[list] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(String(200))
    photos: Mapped[int] = mapped_column(Integer)
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    status: Mapped[str] = mapped_column(String(16))  # a ClaimStatus
    booked: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(200))


class BoardPosting(Base):
    """The village's 公示 board for a month, as central last posted it to this store."""

    __tablename__ = "board_postings"
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    data: Mapped[dict] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(DateTime)
