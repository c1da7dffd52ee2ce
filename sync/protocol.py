"""The sync wire protocol, version 1: what kiosks push and what they pull.

Every schema here both validates requests at central and appears in its OpenAPI document.
"""

from __future__ import annotations

import hashlib
from typing import Any

from core.domain import canonical as canonical_json
from core.domain import limits
from core.domain.ledger import LedgerKind
from sync.schema import Invalid, compile_schema

VERSION = 1
MAX_BATCH = 500
MAX_FEED_PAGE = 1000
MAX_ENTRY_BYTES = 32 * 1024
# A claim carries its photos (base64 JPEG stills of at most MAX_KIOSK_PHOTO_BYTES each).
MAX_PHOTO_TEXT = limits.MAX_KIOSK_PHOTO_BYTES * 4 // 3 + 4  # one still, as base64 text
MAX_CLAIM_ENTRY_BYTES = MAX_ENTRY_BYTES + limits.MAX_CLAIM_PHOTOS * MAX_PHOTO_TEXT
MAX_PUSH_BYTES = 4 * 1024 * 1024

_ID = {
    "type": "string",
    "minLength": 1,
    "maxLength": limits.MAX_ID,
    "pattern": f"^{limits.ID_CHAR}+$",
}
_CODE = {
    "type": "string",
    "minLength": 1,
    "maxLength": limits.MAX_CODE,
    "pattern": f"^{limits.CODE_CHAR}+$",
}
_UUID = {"type": "string", "format": "uuid"}
_TIME = {"type": "string", "format": "date-time", "maxLength": 40}
_HASH = {"type": "string", "pattern": r"^[0-9a-f]{64}$"}
_TEXT = {"type": "string", "maxLength": limits.MAX_REASON}
_POINTS = {"type": "integer", "minimum": -limits.MAX_POINTS, "maximum": limits.MAX_POINTS}
_QTY = {"type": "integer", "minimum": -limits.RESTOCK_QTY.high, "maximum": limits.RESTOCK_QTY.high}
_BATCH_ID = {"type": "integer", "minimum": 1, "maximum": 2**53}


def _obj(required: list[str], **props: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": required,
        "properties": props,
        "additionalProperties": False,
    }


LEDGER_ENTRY = _obj(
    [
        "id",
        "kiosk_id",
        "seq",
        "household_id",
        "kind",
        "points",
        "ref",
        "created_at",
        "prev_hash",
        "hash",
    ],
    id=_UUID,
    kiosk_id=_ID,
    seq={"type": "integer", "minimum": 1, "maximum": 2**53},
    household_id=_ID,
    kind={"type": "string", "enum": [str(kind) for kind in LedgerKind]},
    points=_POINTS,
    ref={"type": "string", "maxLength": limits.MAX_REF},
    created_at=_TIME,
    prev_hash=_HASH,
    hash=_HASH,
)
STOCK_MOVE = _obj(
    ["product_code", "batch_id", "qty"],
    product_code=_CODE,
    batch_id=_BATCH_ID,
    qty=_QTY,
)
_STOCK = {"type": "array", "maxItems": 500, "items": STOCK_MOVE}
_LINE = _obj(
    ["product_code", "qty", "points"],
    product_code=_CODE,
    qty={"type": "integer", "minimum": limits.CART_QTY.low, "maximum": limits.CART_QTY.high},
    points={"type": "integer", "minimum": 0, "maximum": limits.MAX_POINTS},
)

PAYLOADS: dict[str, dict[str, Any]] = {
    "exchange": _obj(
        [
            "exchange_id",
            "number",
            "household_id",
            "resident_id",
            "total",
            "lines",
            "stock",
            "ledger",
        ],
        exchange_id=_UUID,
        number={"type": "string", "maxLength": limits.MAX_EXCHANGE_NUMBER},
        household_id=_ID,
        resident_id=_ID,
        beneficiary_id={"type": ["string", "null"], "maxLength": 40},
        total={"type": "integer", "minimum": 0, "maximum": limits.MAX_POINTS},
        lines={"type": "array", "minItems": 1, "maxItems": 100, "items": _LINE},
        stock=_STOCK,
        ledger=LEDGER_ENTRY,
        hold_id={"type": ["string", "null"], "maxLength": 40},
    ),
    "void": _obj(
        ["exchange_id", "number", "reason", "stock", "ledger"],
        exchange_id=_UUID,
        number={"type": "string", "maxLength": limits.MAX_EXCHANGE_NUMBER},
        reason=_TEXT,
        stock=_STOCK,
        ledger=LEDGER_ENTRY,
    ),
    "checkin": _obj(
        ["checkin_id", "activity_id", "resident_id", "household_id", "points", "ledger"],
        checkin_id=_UUID,
        activity_id=_ID,
        resident_id=_ID,
        household_id=_ID,
        # Not ACTIVITY_POINTS: kiosks once defined activities worth up to 1,000,000, still synced.
        points={"type": "integer", "minimum": 0, "maximum": limits.MAX_POINTS},
        ledger=LEDGER_ENTRY,
    ),
    "restock": _obj(
        ["batch_id", "product_code", "qty", "source", "donor", "received_at"],
        batch_id=_BATCH_ID,
        product_code=_CODE,
        qty={
            "type": "integer",
            "minimum": limits.RESTOCK_QTY.low,
            "maximum": limits.RESTOCK_QTY.high,
        },
        source={"type": "string", "enum": list(limits.SOURCES)},
        donor={"type": "string", "maxLength": limits.MAX_NAME},
        unit_value_cents={
            "type": ["integer", "null"],
            "minimum": 0,
            "maximum": limits.MAX_UNIT_VALUE_CENTS,
        },
        received_at=_TIME,
    ),
    "stocktake": _obj(
        ["product_code", "counted", "reason", "stock"],
        product_code=_CODE,
        counted={"type": "integer", "minimum": limits.COUNTED.low, "maximum": limits.COUNTED.high},
        reason=_TEXT,
        stock=_STOCK,
    ),
    "adjust": _obj(["reason", "ledger"], reason=_TEXT, ledger=LEDGER_ENTRY),
    "card_revoke": _obj(["token_hash", "reason"], token_hash=_HASH, reason=_TEXT),
    "card_issue": _obj(["token_hash", "resident_id"], token_hash=_HASH, resident_id=_ID),
    # The kiosk's counter-entry to a ledger entry central refused (a "refusal" in the feed).
    "reversal": _obj(
        ["refused_id", "reason", "ledger"], refused_id=_UUID, reason=_TEXT, ledger=LEDGER_ENTRY
    ),
    # A claim recorded at the kiosk: facts only; central checks them against the rule it holds,
    # keeps it pending, and books the points on its own chain when the office approves it.
    "claim": _obj(
        ["claim_id", "rule_code", "household_id", "resident_ids", "note", "photos", "staff"],
        claim_id=_UUID,
        rule_code=_CODE,
        household_id=_ID,
        resident_ids={"type": "array", "maxItems": 20, "items": _ID},
        note=_TEXT,
        photos={
            "type": "array",
            "maxItems": limits.MAX_CLAIM_PHOTOS,
            "items": {"type": "string", "maxLength": MAX_PHOTO_TEXT},  # base64, decoded at ingest
        },
        staff={"type": "string", "minLength": 1, "maxLength": 40},
    ),
    "audit": _obj(
        ["at", "actor", "action"],
        at=_TIME,
        actor={"type": "string", "maxLength": 40},
        action={"type": "string", "maxLength": 40},
        target={"type": "string", "maxLength": 80},
        details={"type": "object"},
    ),
}

ENTRY = _obj(
    ["id", "seq", "kind", "created_at", "payload"],
    id=_UUID,
    seq={"type": "integer", "minimum": 1, "maximum": 2**53},
    kind={"type": "string", "enum": sorted(PAYLOADS)},
    created_at=_TIME,
    payload={"type": "object"},
)

PUSH_REQUEST = _obj(
    ["kiosk_id", "entries"],
    kiosk_id=_ID,
    version={"type": "string", "maxLength": 40},
    entries={"type": "array", "minItems": 1, "maxItems": MAX_BATCH, "items": ENTRY},
)

PUSH_RESULT = _obj(
    ["id", "seq", "status"],
    id=_UUID,
    seq={"type": "integer"},
    status={"type": "string", "enum": ["applied", "duplicate", "rejected"]},
    reason={"type": "string"},
)
PUSH_RESPONSE = _obj(
    ["results", "contiguous_seq"],
    results={"type": "array", "items": PUSH_RESULT},
    contiguous_seq={"type": "integer", "minimum": 0},
)

CHANGE_KINDS = [
    "household",
    "resident",
    "card",
    "product",
    "activity",
    "ledger",
    "settings",
    "refusal",
    "expiry_notice",  # {"household_id", "points", "on": "YYYY-MM-DD" | null (no longer any)}
    "balance",
    "quota_use",
    "announcement",
    "exchange_day",
    "rule",  # the rule book's rules, for every store: what a kiosk may record a claim under
    "claim",  # {"id", "status", "booked", "reason"}: the office's decision, to the recording store
    # {"id", "household_id", "kind", "points", "created_at", "what", "label", "reason"}: what an
    # entry of central's own chain was for (sync.central.ledger_notes), in a store's feed only
    "history",
    "board",  # a village's 公示 board for the month, for its stores (sync.central.services.board)
]
# The feed's two shapes. A kiosk of this release asks for its store's feed
# (`GET /api/v1/changes?scope=store`): the households of its store's set, their confirmed
# balances (`balance`), goods, activities and its store's settings and refusals. Without
# `scope` central answers as it always has (every kiosk's ledger entries), for older kiosks.
STORE_SCOPE = "store"
# for every store (store_id null)
EVERY_STORE_KINDS = ("product", "activity", "announcement", "rule")
# never in the whole feed: older kiosks do not know them
STORE_ONLY_KINDS = ("balance", "history", "board")
BALANCE = _obj(
    ["household_id", "balance", "kiosk_id", "seq"],
    household_id=_ID,
    balance={"type": "integer"},
    kiosk_id={"type": ["string", "null"], "maxLength": limits.MAX_ID},
    seq={"type": "integer", "minimum": 0},
)
_RECORD = _obj(
    ["kind", "data"], kind={"type": "string", "enum": CHANGE_KINDS}, data={"type": "object"}
)
CARD_LOOKUP = _obj(
    ["household_id", "changes"],
    household_id=_ID,
    changes={"type": "array", "items": _RECORD},
)
CHANGE = _obj(
    ["cursor", "kind", "data"],
    cursor={"type": "integer", "minimum": 1},
    kind={"type": "string", "enum": CHANGE_KINDS},
    data={"type": "object"},
)
FEED_RESPONSE = _obj(
    ["changes", "cursor", "more"],
    changes={"type": "array", "items": CHANGE},
    cursor={"type": "integer", "minimum": 0},
    more={"type": "boolean"},
)

HEARTBEAT = _obj(
    [],
    version={"type": "string", "maxLength": 40},
    backlog={"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
    printer={"type": "string", "maxLength": 40},
    camera={"type": "string", "maxLength": 40},
    last_error={"type": ["string", "null"], "maxLength": 200},
)


# A kiosk's whole round in one request (`POST /api/v1/sync`): its push (entries may be none),
# one page of its store's feed after its cursor, and its heartbeat. Answered with the push's
# answer and the page side by side (SYNC_RESPONSE).
MAX_CURSOR = 2**63 - 1  # change ids are BIGINT
SYNC_REQUEST = _obj(
    ["kiosk_id", "entries", "after"],
    kiosk_id=_ID,
    version={"type": "string", "maxLength": 40},
    entries={"type": "array", "maxItems": MAX_BATCH, "items": ENTRY},
    after={"type": "integer", "minimum": 0, "maximum": MAX_CURSOR},
    # as /changes takes it: a page holds at most MAX_FEED_PAGE changes, whatever is asked
    limit={"type": "integer", "minimum": 1, "maximum": MAX_CURSOR},
    heartbeat=HEARTBEAT,
)
SYNC_RESPONSE = _obj(
    ["results", "contiguous_seq", "changes", "cursor", "more"],
    results={"type": "array", "items": PUSH_RESULT},
    contiguous_seq={"type": "integer", "minimum": 0},
    changes={"type": "array", "items": CHANGE},
    cursor={"type": "integer", "minimum": 0},
    more={"type": "boolean"},
)


_check_push = compile_schema(PUSH_REQUEST)
_check_sync = compile_schema(SYNC_REQUEST)
_check_payload = {kind: compile_schema(schema) for kind, schema in PAYLOADS.items()}


def validate_push(body: Any) -> dict[str, Any]:
    """Return a push request checked against the schema, entry payloads included."""
    encode_push(body)
    return body


def encode_push(body: Any) -> list[bytes]:
    """Check a push request as validate_push does; return each entry's payload in canonical
    bytes, in the entries' order (the size check encodes them; `entry_digest` reuses them)."""
    _check_push(body)
    return _encode_entries(body["entries"])


def encode_sync(body: Any) -> list[bytes]:
    """Check a combined sync round (`SYNC_REQUEST`): its entries as encode_push checks a push's
    (none is allowed), its cursor, page size and heartbeat; return each entry's payload in
    canonical bytes, in the entries' order."""
    _check_sync(body)
    return _encode_entries(body["entries"])


def _encode_entries(entries: list[dict[str, Any]]) -> list[bytes]:
    seen: set[str] = set()
    encoded: list[bytes] = []
    for i, entry in enumerate(entries):
        if entry["id"] in seen:
            raise Invalid(f"$.entries[{i}].id", "appears twice in the batch")
        seen.add(entry["id"])
        try:
            payload = canonical(entry["payload"])
        except ValueError as error:
            raise Invalid(f"$.entries[{i}].payload", f"has no canonical form: {error}") from None
        most = entry_limit(entry["kind"])
        if len(payload) > most:
            raise Invalid(f"$.entries[{i}].payload", f"is larger than {most} bytes")
        encoded.append(payload)
    return encoded


def entry_limit(kind: str) -> int:
    """Return the most bytes an entry's canonical payload of this kind may take."""
    return MAX_CLAIM_ENTRY_BYTES if kind == "claim" else MAX_ENTRY_BYTES


def validate_payload(kind: str, payload: dict[str, Any], kiosk_id: str) -> None:
    """Check one entry's payload for its kind; its ledger entry must be the pushing kiosk's."""
    _check_payload[kind](payload, "$.payload")
    ledger = payload.get("ledger")
    if ledger is not None and ledger["kiosk_id"] != kiosk_id:
        raise Invalid("$.payload.ledger.kiosk_id", "is not the pushing kiosk")


_check_ledger = compile_schema(LEDGER_ENTRY)


def well_formed_ledger(payload: Any) -> dict[str, Any] | None:
    """Return a payload's ledger entry if it has the protocol's form, else None."""
    ledger = payload.get("ledger") if isinstance(payload, dict) else None
    try:
        _check_ledger(ledger, "$.payload.ledger")
    except Invalid:
        return None
    return ledger


def canonical(value: Any) -> bytes:
    """Return a value's canonical JSON bytes (EKJ-1, `core.domain.canonical`).

    Raises ValueError (NotCanonical) for text that is not UTF-8, NaN and infinities.
    """
    return canonical_json.fast(value)


def entry_digest(entry: dict[str, Any], payload: bytes | None = None) -> str:
    """Return the digest that tells a duplicate from a conflicting entry with the same id.

    payload: the entry's payload in canonical bytes, if encoded already (`encode_push`).
    """
    if payload is None:
        return hashlib.sha256(canonical(_digested(entry))).hexdigest()
    # The digested object written member by member, its keys in canonical (sorted) order:
    # created_at, id, kind, payload, seq.
    digest = hashlib.sha256(b'{"created_at":')
    digest.update(canonical(entry["created_at"]))
    digest.update(b',"id":')
    digest.update(canonical(entry["id"]))
    digest.update(b',"kind":')
    digest.update(canonical(entry["kind"]))
    digest.update(b',"payload":')
    digest.update(payload)
    digest.update(b',"seq":')
    digest.update(canonical(entry["seq"]))
    digest.update(b"}")
    return digest.hexdigest()


def earlier_digests(entry: dict[str, Any]) -> set[str]:
    """Return the other digests releases 0.1.x may have stored for this entry.

    Those releases digested through orjson, which wrote some floats in another form (`1e16` for
    `1e+16`, `0.00001` for `1e-05`); entries without a float were digested exactly as today.
    """
    facts = _digested(entry)
    if not canonical_json.holds_float(facts):
        return set()
    return {hashlib.sha256(canonical_json.encode_ryu(facts)).hexdigest()}


def _digested(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: entry[k] for k in ("id", "seq", "kind", "created_at", "payload")}
