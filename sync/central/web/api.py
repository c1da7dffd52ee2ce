"""Central's JSON API under /api/v1: kiosk push/pull/heartbeat, the office's figures, the rule
book and claims."""

from __future__ import annotations

import base64
import binascii
import json
import re
from functools import wraps
from typing import Any

import orjson
from flask import Blueprint, Flask, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from core.domain import errors, limits
from core.domain.ledger import wire_time
from core.i18n import pick
from sync.central.context import Central
from sync.central.i18n import translate
from sync.central.limits import Limits
from sync.central.limits import retry_after as retry_after_header
from sync.central.openapi import document
from sync.central.queries import claims as claim_queries
from sync.central.queries import feed, stats
from sync.central.queries import rules as rule_queries
from sync.central.replica import Source
from sync.central.scope import Scope
from sync.central.services import ingest, kiosks, rounds, store_feed
from sync.central.services.adjustments import adjust_points
from sync.central.services.claims import (
    approve_claim,
    decided_dict,
    record_claim,
    reject_claim,
)
from sync.central.services.errors import Refusal, RegistryError
from sync.central.services.kiosks import record_heartbeat
from sync.central.services.rules import FIELDS as RULE_FIELDS
from sync.central.services.rules import save_rule
from sync.central.services.tokens import token_cache, verify_kiosk_token, verify_office_token
from sync.central.states import ClaimStatus, Permission, Role, TokenOwner, may, needed
from sync.central.web.input import ANNOUNCEMENT_MAX_BYTES, CLAIM_MAX_BYTES
from sync.central.web.reads import freshness, reader
from sync.protocol import HEARTBEAT, MAX_PUSH_BYTES, STORE_SCOPE, encode_push, encode_sync
from sync.schema import Invalid, validate

MAX_CURSOR = 2**63 - 1  # change ids are BIGINT
HOUSEHOLD_ID = limits.RECORD_ID
MAX_CLAIM_PHOTOS = limits.MAX_CLAIM_PHOTOS
TOKEN_HASH = re.compile(r"[0-9a-f]{64}")


# A number of 19 digits or more where JSON has a value: at the start, or after ":", "," or "["
# (white space between, and a minus). The body is mapped to classes (digit "0", ":,[" "S", minus
# "M", white space " ", anything else "x"), and each run of 19 digits is looked behind; digits
# inside a string (a hash, a note) are not such a number. A string that looks like one only
# sends its body the exact way, which reads it as well.
def _shape(byte: int) -> bytes:
    if 48 <= byte <= 57:
        return b"0"  # a digit
    if byte in b":,[":
        return b"S"  # where a value may start
    if byte == 45:
        return b"M"  # a minus
    return b" " if byte in b" \t\n\r" else b"x"


SHAPES = b"".join(_shape(b) for b in range(256))
DIGITS_19 = b"0" * 19


def long_integer(raw: bytes) -> bool:
    """Tell whether a JSON body may hold an integer of 19 digits or more (outside strings)."""
    shape = raw.translate(SHAPES)
    at = shape.find(DIGITS_19)
    while at >= 0:
        before = shape[max(at - 64, 0) : at].rstrip(b" ")
        if not before and at > 64:  # more white space than that: look all the way back
            before = shape[:at].rstrip(b" ")
        if before.endswith(b"M"):
            before = before[:-1].rstrip(b" ")
        if not before or before.endswith(b"S"):
            return True
        at = shape.find(DIGITS_19, at + 19)
    return False


bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")


class ApiError(Exception):
    """A refused request with an HTTP status, a stable code and a reason."""

    def __init__(
        self, status: int, code: str, message: str, *, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = {"Retry-After": retry_after_header(retry_after)} if retry_after else {}


def central() -> Central:
    """Return the central server this app serves."""
    from flask import current_app

    return current_app.extensions["central"]


def _bearer() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "a bearer token is required")
    return token.strip()


def _refuse_guessing() -> None:
    """Refuse a client address that has sent too many wrong tokens (before any slow hashing)."""
    wait = _limits().auth_failures.peek(request.remote_addr or "?")
    if wait:
        raise ApiError(
            429,
            "rate_limited",
            "too many unknown tokens from this address; try again later",
            retry_after=wait,
        )


def _wrong_token(message: str) -> ApiError:
    _limits().auth_failures.take(request.remote_addr or "?")
    return ApiError(401, "unauthorized", message)


def _limits() -> Limits:
    from flask import current_app

    return current_app.extensions["limits"]


def kiosk_auth(view):
    """Admit only an enrolled, unrevoked kiosk within its rate; g.kiosk_id names it."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        token = _bearer()
        cache = token_cache(central())
        hit = cache.get(token)
        if not (isinstance(hit, tuple) and hit[0] == TokenOwner.KIOSK):
            _refuse_guessing()
            generation = cache.generation
            found = verify_kiosk_token(central(), token)
            if found is None:
                raise _wrong_token("unknown or revoked kiosk token")
            hit = (TokenOwner.KIOSK, *found[1])
            cache.put(token, found[0], hit, generation)
        g.kiosk_id, g.store_id = hit[1], hit[2]
        wait = _limits().kiosk.take(g.kiosk_id)
        if wait:
            raise ApiError(
                429,
                "rate_limited",
                "too many requests from this kiosk; it may try again after Retry-After seconds",
                retry_after=wait,
            )
        return view(*args, **kwargs)

    return wrapper


def office_auth(role: Role | Permission = Role.VIEWER, *, whole_programme: bool = False):
    """Admit an office token whose role grants what the route asks (and, for a change to what
    the whole programme shares, a token that sees the whole programme)."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            token = _bearer()
            cache = token_cache(central())
            hit = cache.get(token)
            if not (isinstance(hit, tuple) and hit[0] == TokenOwner.OFFICE):
                _refuse_guessing()
                generation = cache.generation
                found = verify_office_token(central(), token)
                if found is None:
                    raise _wrong_token("unknown or revoked office token")
                hit = (TokenOwner.OFFICE, *found[1], found[0])
                cache.put(token, found[0], hit, generation)
            if not may(hit[1], role):
                raise ApiError(403, "forbidden", "this token may not do this")
            g.office_role = hit[1]
            g.office_scope = Scope(hit[2])
            if whole_programme and not g.office_scope.everything:
                raise ApiError(403, "forbidden", "only a token of the whole programme may do this")
            g.office_actor = hit[3]  # office:<token id>, for the audit log
            return view(*args, **kwargs)

        wrapper.asks = needed(role)  # read by the route table's test
        return wrapper

    return decorate


def _json(limit: int = MAX_PUSH_BYTES) -> Any:
    if request.content_length and request.content_length > limit:
        raise ApiError(413, "too_large", f"the body is larger than {limit} bytes")
    if not request.is_json:
        raise ApiError(400, "bad_request", "the body must be JSON (application/json)")
    raw = request.get_data(cache=False)
    # orjson reads integers of 19 digits or more as floats when they pass 64 bits; json does not.
    if long_integer(raw):
        data = _standard_json(raw)
    else:
        try:
            data = orjson.loads(raw)  # several times faster than json on a 500-entry batch
        except orjson.JSONDecodeError:
            data = _standard_json(raw)
    if data is None:
        raise ApiError(400, "bad_request", "the body must be JSON")
    return data


def _standard_json(raw: bytes) -> Any:
    """Decode what orjson refused (numbers past 64 bits, UTF-16, …) as json would, or refuse."""
    try:
        # Strict JSON: NaN and Infinity cannot be stored in PostgreSQL's json columns.
        return json.loads(raw, parse_constant=_no_constant)
    except (ValueError, RecursionError):  # RecursionError: nested too deep to read
        raise ApiError(400, "bad_request", "the body must be JSON") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _own_batch(encode) -> tuple[dict[str, Any], list[bytes]]:
    """Read a push's (or a round's) body, checked and encoded; the kiosk's own entries only."""
    body = _json()
    try:
        encoded = encode(body)
    except Invalid as exc:
        raise ApiError(400, "invalid", str(exc)) from None
    if body["kiosk_id"] != g.kiosk_id:
        raise ApiError(403, "forbidden", "a kiosk may push only its own entries")
    return body, encoded


@bp.post("/push")
@kiosk_auth
def push():
    """Apply a batch of a kiosk's outbox entries, each at most once."""
    body, encoded = _own_batch(encode_push)
    outcome = ingest.push(central(), g.kiosk_id, body["entries"], encoded)
    if body.get("version"):
        _touch(version=body["version"])
    answer = {"results": outcome.results, "contiguous_seq": outcome.contiguous_seq}
    return jsonify(answer), 409 if outcome.conflict else 200


@bp.get("/changes")
@kiosk_auth
def changes():
    """Return the change feed after a cursor."""
    try:
        after = int(request.args.get("after", "0"))
        limit = int(request.args.get("limit", "500"))
    except ValueError:
        raise ApiError(400, "invalid", "after and limit must be whole numbers") from None
    if not 0 <= after <= MAX_CURSOR or limit < 1:
        raise ApiError(400, "invalid", f"after must be from 0 to {MAX_CURSOR} and limit ≥ 1")
    scope = request.args.get("scope")
    if scope is None:  # a kiosk of protocol 1: the whole feed
        if kiosks.whole_feed_closed(central(), g.kiosk_id):
            raise ApiError(
                403,
                "forbidden",
                "the whole feed is closed to this kiosk (it reads its store's feed, or the"
                " programme closed it): read the store's feed (scope=store)",
            )
        kiosks.note_whole_feed_read(central(), g.kiosk_id)
        page = feed.changes_json(central(), g.kiosk_id, after, limit)
    elif scope == STORE_SCOPE:
        # Households waiting to be announced are written to the feed first (store_feed).
        page, _ = rounds.page_and_heartbeat(central(), g.kiosk_id, g.store_id, after, limit, None)
    else:
        raise ApiError(400, "invalid", f"scope must be {STORE_SCOPE!r} or left out")
    return current_app.response_class(page, mimetype="application/json")


@bp.post("/sync")
@kiosk_auth
def sync_round():
    """A kiosk's whole round: push its entries (if any), read a page of its store's feed after
    its cursor, record its heartbeat; answer the push's results and the page together.

    Checked as strictly as the three requests it stands for, all of it before anything is
    written; held to the kiosk's rate as they are (it costs what they would: one for the page,
    one more with entries, one more with a heartbeat). A push the three would have answered 409
    (an id or sequence number pushed before with other content) is answered 409 here too,
    with the same results, and the page and heartbeat are done as they would have been.
    """
    body, encoded = _own_batch(encode_sync)
    extra = (1 if body["entries"] else 0) + (1 if "heartbeat" in body else 0)
    wait = _limits().kiosk.take(g.kiosk_id, extra) if extra else 0.0
    if wait:
        raise ApiError(
            429,
            "rate_limited",
            "too many requests from this kiosk; it may try again after Retry-After seconds",
            retry_after=wait,
        )
    # The version as a push records it, then the heartbeat's fields, as the three requests do.
    seen = {"version": body["version"]} if body.get("version") else {}
    seen.update(body.get("heartbeat") or {})
    done = rounds.sync_round(
        central(),
        g.kiosk_id,
        g.store_id,
        body["entries"],
        encoded,
        body["after"],
        body.get("limit", 500),
        seen,
    )
    # The page is JSON bytes already ({"changes": …, "cursor": …, "more": …}): the push's
    # answer goes in front of its members, nothing decoded and encoded again.
    head = orjson.dumps({"results": done.results, "contiguous_seq": done.contiguous_seq})
    answer = head[:-1] + b"," + done.page[1:]
    return current_app.response_class(
        answer, status=409 if done.conflict else 200, mimetype="application/json"
    )


@bp.get("/cards/<card_hash>")
@kiosk_auth
def card(card_hash: str):
    """Look up a card scanned at a kiosk that does not know it; its household joins the store.

    The answer holds the household's records and confirmed balance as the store's feed carries
    them; from now on the store's feed carries the household's changes too. A revoked card is
    not found; each lookup is audited and held to the kiosk's lookup rate.
    """
    if not TOKEN_HASH.fullmatch(card_hash):
        raise ApiError(400, "invalid", "a card is looked up by the SHA-256 of its token (64 hex)")
    wait = _limits().card_lookups.take(g.kiosk_id)
    if wait:
        raise ApiError(
            429,
            "rate_limited",
            "too many card lookups from this kiosk; it may try again after Retry-After seconds",
            retry_after=wait,
        )
    found = store_feed.look_up_card(central(), g.kiosk_id, g.store_id, card_hash)
    if found is None:
        raise ApiError(404, "not_found", "no such card for this store")
    household_id, records = found
    return jsonify(
        {
            "household_id": household_id,
            "changes": [{"kind": kind, "data": data} for kind, data in records],
        }
    )


@bp.post("/heartbeat")
@kiosk_auth
def heartbeat():
    """Record a kiosk's version, backlog and device states."""
    body = _json()
    try:
        validate(body, HEARTBEAT)
    except Invalid as exc:
        raise ApiError(400, "invalid", str(exc)) from None
    _touch(**body)
    return jsonify({"ok": True})


def _touch(**fields: Any) -> None:
    record_heartbeat(central(), g.kiosk_id, **fields)


@bp.get("/stats")
@office_auth(Role.VIEWER)
def programme_stats():
    """Return the programme's figures, overall and per store (from the replica when there is one).

    Read from a replica, the answer says so in X-Read-From (replica, or primary when the replica
    could not be reached) and how far behind it is in X-Replica-Lag (seconds; 0 up to date).
    """
    response = jsonify(stats.stats(reader(), g.office_scope))
    found = freshness()
    if found is not None:
        response.headers["X-Read-From"] = (
            "primary" if found.source is Source.FALLBACK else "replica"
        )
        if found.source is Source.REPLICA:
            lag = 0.0 if found.up_to_date else found.lag_seconds
            response.headers["X-Replica-Lag"] = "unknown" if lag is None else f"{lag:.1f}"
    return response


@bp.get("/households/<household_id>")
@office_auth(Role.VIEWER)
def household(household_id: str):
    """Return a household's balance and members."""
    # Ids are short and plain: anything else (a NUL, say, which PostgreSQL refuses) is unknown.
    known_form = HOUSEHOLD_ID.fullmatch(household_id)
    found = stats.household(central(), household_id, g.office_scope) if known_form else None
    if found is None:
        raise ApiError(404, "not_found", "no such household")
    return jsonify(found)


@bp.post("/households/<household_id>/adjust")
@office_auth(Role.ADMIN)
def adjust(household_id: str):
    """Correct a household's points with a reason: a counter-entry, audited and synced."""
    if not HOUSEHOLD_ID.fullmatch(household_id):
        raise ApiError(404, "not_found", "no such household")
    body = _json()
    if not isinstance(body, dict) or set(body) - {"points", "reason"}:
        raise ApiError(400, "invalid", 'the body is {"points": <int>, "reason": <text>}')
    try:
        done = adjust_points(
            central(),
            household_id,
            body.get("points"),
            body.get("reason"),
            g.office_actor,
            scope=g.office_scope,
        )
    except RegistryError as exc:
        if exc.not_found:
            raise ApiError(404, "not_found", str(exc)) from None
        raise ApiError(400, "invalid", str(exc)) from None
    return jsonify(
        {
            "id": done.id,
            "household_id": done.household_id,
            "points": done.points,
            "reason": done.reason,
            "balance": done.balance,
        }
    ), 201


def _localised(exc: RegistryError) -> str:
    """Say why in the language the request asks for (Accept-Language; English by default)."""
    asked = request.headers.get("Accept-Language", "")[:80].split(",")[0].split(";")[0].strip()
    return translate(exc.message, pick(asked, "en"), **exc.params)


def _refused(exc: RegistryError) -> ApiError:
    """Answer a use case's refusal: 404 for a record that is not there, 409 for one whose state
    refuses the request, 400 for anything else."""
    if exc.not_found:
        return ApiError(404, "not_found", str(exc))
    if exc.forbidden:
        return ApiError(403, str(exc.code), _localised(exc))
    if exc.conflict:
        return ApiError(409, str(exc.code), str(exc))
    return ApiError(400, "invalid", str(exc))


@bp.get("/rules")
@office_auth(Permission.READ)
def rules_list():
    """Return the rule book."""
    return jsonify({"rules": rule_queries.rules(central())})


@bp.post("/rules")
@office_auth(Permission.MANAGE, whole_programme=True)
def rule_save():
    """Add a rule (201), or change the rule with that code (200)."""
    body = _json()
    if not isinstance(body, dict) or set(body) - set(RULE_FIELDS):
        raise ApiError(400, "invalid", f"the body is a rule: {', '.join(RULE_FIELDS)}")
    try:
        saved, added = save_rule(central(), body, g.office_actor)
    except RegistryError as exc:
        raise _refused(exc) from None
    return jsonify(saved), 201 if added else 200


CLAIM_FIELDS = {"rule", "household_id", "residents", "note", "photos"}


@bp.post("/claims")
@office_auth(Permission.RECORD_CLAIMS)
def claim_record():
    """Record a claim (photos as base64 text); it waits for an approver."""
    body = _json(CLAIM_MAX_BYTES)
    if not isinstance(body, dict) or set(body) - CLAIM_FIELDS:
        raise ApiError(400, "invalid", f"the body is a claim: {', '.join(sorted(CLAIM_FIELDS))}")
    photos = body.get("photos")
    if photos is not None:
        if not isinstance(photos, list) or not all(isinstance(p, str) for p in photos):
            raise ApiError(400, "invalid", "photos is a list of base64 texts")
        if len(photos) > MAX_CLAIM_PHOTOS:
            raise _refused(RegistryError(Refusal.CLAIM_PHOTOS, most=MAX_CLAIM_PHOTOS))
        try:
            photos = [base64.b64decode(p, validate=True) for p in photos]
        except (binascii.Error, ValueError):
            raise ApiError(400, "invalid", "a photo is not base64 text") from None
    try:
        claim_id = record_claim(
            central(),
            body.get("rule"),
            body.get("household_id"),
            body.get("residents"),
            body.get("note"),
            photos,
            g.office_actor,
            g.office_scope,
        )
    except RegistryError as exc:
        raise _refused(exc) from None
    return jsonify(_claim(claim_id)), 201


def _claim(claim_id: str) -> dict[str, Any]:
    found = claim_queries.detail(central(), claim_id, g.office_scope)
    if found is None:
        raise ApiError(404, "not_found", "no such claim")
    shown = {k: v for k, v in found.items() if k not in ("recorded_at", "decided_at")}
    shown["residents"] = [r["id"] for r in found["residents"]]
    shown["photos"] = len(found["photos"])
    for key in ("recorded_at", "decided_at"):
        shown[key] = wire_time(found[key]) if found[key] is not None else None
    return shown


@bp.get("/claims")
@office_auth(Permission.READ)
def claims_list():
    """Return claims by state and rule, newest first."""
    status = request.args.get("status") or None
    if status is not None and status not in set(ClaimStatus):
        raise ApiError(400, "invalid", "status is pending, approved or rejected")
    rule = (request.args.get("rule") or "").strip().upper() or None
    if rule is not None and not limits.is_code(rule):
        raise ApiError(400, "invalid", "rule is a rule's code")
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        page = 0
    if not 1 <= page <= 100_000:
        raise ApiError(400, "invalid", "page is a whole number from 1")
    where = claim_queries.ClaimFilter(status=status, rule_code=rule, scope=g.office_scope)
    rows, total = claim_queries.listing(central(), where, page, 100)
    for row in rows:
        for key in ("recorded_at", "decided_at"):
            row[key] = wire_time(row[key]) if row[key] is not None else None
    return jsonify({"claims": rows, "total": total, "page": page})


@bp.post("/claims/<claim_id>/approve")
@office_auth(Permission.APPROVE_CLAIMS)
def claim_approve(claim_id: str):
    """Approve a pending claim: its points are booked and reach every kiosk."""
    if request.get_data(cache=False).strip() not in (b"", b"{}"):
        raise ApiError(400, "invalid", "approval takes no body (or {})")
    try:
        done = approve_claim(central(), claim_id, g.office_actor, g.office_scope)
    except RegistryError as exc:
        raise _refused(exc) from None
    return jsonify(decided_dict(done))


@bp.post("/claims/<claim_id>/reject")
@office_auth(Permission.APPROVE_CLAIMS)
def claim_reject(claim_id: str):
    """Reject a pending claim with a reason; nothing is booked."""
    body = _json()
    if not isinstance(body, dict) or set(body) - {"reason"}:
        raise ApiError(400, "invalid", 'the body is {"reason": <text>}')
    try:
        done = reject_claim(central(), claim_id, body.get("reason"), g.office_actor, g.office_scope)
    except RegistryError as exc:
        raise _refused(exc) from None
    return jsonify(decided_dict(done))


@bp.post("/announcements")
@office_auth(Role.ADMIN, whole_programme=True)
def announce():
    """Post an announcement for the idle screens of the stores and villages named (none: every
    store), with an optional picture (a JPEG or PNG as base64)."""
    from sync.central.services import notices

    body = _json(ANNOUNCEMENT_MAX_BYTES)
    fields = {"text", "starts", "ends", "stores", "villages", "picture"}
    if not isinstance(body, dict) or set(body) - fields:
        raise ApiError(
            400,
            "invalid",
            'the body is {"text", "starts", "ends", "stores": [...], "villages": [...], '
            '"picture": "<base64>"}',
        )
    names = {}
    for field, what in (("stores", "store names"), ("villages", "village paths")):
        names[field] = body.get(field) or []
        if not isinstance(names[field], list) or not all(isinstance(x, str) for x in names[field]):
            raise ApiError(400, "invalid", f"{field} is a list of {what}")
    picture = body.get("picture")
    if picture is not None:
        try:
            picture = base64.b64decode(picture, validate=True) if isinstance(picture, str) else 0
        except (binascii.Error, ValueError):
            picture = 0
        if not isinstance(picture, bytes):
            raise ApiError(400, "invalid", "picture is a JPEG or PNG image as base64, or null")
    try:
        done = notices.post_announcement(
            central(),
            body.get("text"),
            body.get("starts"),
            body.get("ends"),
            names["stores"],
            g.office_actor,
            villages=names["villages"],
            picture=picture,
        )
    except RegistryError as exc:
        if exc.not_found:
            raise _refused(exc) from None
        raise ApiError(400, str(exc.code), _localised(exc)) from None
    return jsonify(
        {"id": done.id, "stores": list(done.stores), "villages": list(done.villages)}
    ), 201


@bp.post("/exchange-days")
@office_auth(Role.ADMIN, whole_programme=True)
def exchange_day():
    """Schedule a collective exchange day at a store."""
    from sync.central.services import notices

    body = _json()
    if not isinstance(body, dict) or set(body) - {"store", "day", "hours", "note"}:
        raise ApiError(400, "invalid", 'the body is {"store", "day", "hours", "note"}')
    if not isinstance(body.get("store"), str):
        raise ApiError(400, "invalid", "store is a store's name")
    done = notices.schedule_exchange_day(
        central(),
        body["store"],
        body.get("day"),
        body.get("hours"),
        body.get("note", ""),
        g.office_actor,
    )
    return jsonify({"id": done.id, "stores": list(done.stores)}), 201


@bp.get("/openapi.json")
def openapi():
    """Return the OpenAPI document of this API."""
    return jsonify(document())


@bp.get("/health")
def health():
    """Say that the server is up."""
    return jsonify({"ok": True})


def busy():
    """Answer a request the database could not serve now (nothing was committed)."""
    body = {"error": {"code": "busy", "message": "the database is busy; try again"}}
    return jsonify(body), 503, {"Retry-After": "2"}


# The HTTP status of each domain refusal central can meet (ingest turns a push's refusals into
# rejected results; one that reaches a request answers with this, as the kiosk's API does).
STATUS: dict[type[errors.DomainError], int] = {
    errors.DomainError: 400,
    errors.BadPoints: 400,
    errors.BadValue: 400,
    errors.InactiveActivity: 409,
    errors.ActivityNotToday: 409,
    errors.ActivityFull: 409,
    errors.StorageUnavailable: 503,
}


def status_of(exc: errors.DomainError) -> int:
    """Return the HTTP status central answers a domain refusal with."""
    return next((STATUS[cls] for cls in type(exc).__mro__ if cls in STATUS), 400)


def register_errors(app: Flask) -> None:
    """Answer every API failure as JSON with a code and a reason."""

    @app.errorhandler(errors.DomainError)
    def _domain(exc: errors.DomainError):
        body = {"error": {"code": exc.code, "message": exc.render()}}
        return jsonify(body), status_of(exc)

    @app.errorhandler(ApiError)
    def _api(exc: ApiError):
        body = {"error": {"code": exc.code, "message": exc.message}}
        return jsonify(body), exc.status, exc.headers

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if not request.path.startswith("/api/"):
            from sync.central.web.office import problem_page

            return problem_page(exc)
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(
            exc.code or 400, "bad_request"
        )
        return jsonify({"error": {"code": code, "message": exc.description}}), exc.code
