"""The kiosk JSON API: the single path for scans, cart, checkout and receipts."""

from __future__ import annotations

import base64
import json
import math
import threading
import time
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, stream_with_context

from core.domain import errors
from kiosk.services import board, notices, queries, staff_call, terminal
from kiosk.services.common import iso
from kiosk.services.print_jobs import print_receipt
from terminal_ui.context import runtime
from terminal_ui.limits import REMOTE_STREAM_SLOTS, STREAM_SLOTS, Slots, TooBusy, slots
from terminal_ui.origin import is_loopback

bp = Blueprint("api", __name__, url_prefix="/api")

KEEP_ALIVE = 5.0  # seconds between keep-alive comments on a quiet event stream
# The largest row id SQLite can hold; a bigger number in a URL names nothing.
MAX_ROW_ID = 2**63 - 1
# What a page elsewhere may send without asking first (a CORS "simple" request): a form, even an
# empty one, is never taken for a request to act.
SIMPLE_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}


def body() -> dict[str, Any]:
    """Return the JSON object sent (nothing at all is an empty one), or raise a 400."""
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # deeply nested arrays fit in 64 KB but not in the decoder's stack
        raise errors.BadRequest() from None
    if data is None and (request.content_length or request.mimetype in SIMPLE_TYPES):
        raise errors.BadRequest()
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise errors.BadRequest()
    return data


@bp.post("/scan")
def scan():
    """Resolve any scanned code (camera, wedge scanner or test) and return the session."""
    outcome = terminal.scan(runtime().kiosk, body().get("code"))
    runtime().session_opened(outcome.kind)
    view = queries.session_view(runtime().kiosk)
    view["scan"] = {"kind": outcome.kind, **outcome.detail}
    if outcome.kind == "checkin" and outcome.detail.get("receipt_id"):
        view["scan"]["printed"] = print_receipt(
            runtime().kiosk, runtime().printer, outcome.detail["receipt_id"]
        )
    return jsonify(view)


@bp.get("/session")
def session():
    """Return the terminal's current session."""
    return jsonify(queries.session_view(runtime().kiosk))


@bp.post("/session/cart")
def cart():
    """Set a cart line (qty 0 removes it)."""
    data = body()
    terminal.set_cart_line(runtime().kiosk, data.get("product_code"), data.get("qty"))
    return jsonify(queries.session_view(runtime().kiosk))


@bp.post("/session/beneficiary")
def beneficiary():
    """Record the household member the goods are for."""
    terminal.set_beneficiary(runtime().kiosk, body().get("resident_id"))
    return jsonify(queries.session_view(runtime().kiosk))


@bp.post("/session/switch")
def switch():
    """Answer "change to the card just shown?": confirm true replaces the session, else keeps it."""
    confirm = body().get("confirm")
    terminal.switch_card(runtime().kiosk, confirm)
    runtime().session_opened("card" if confirm is True else "")
    return jsonify(queries.session_view(runtime().kiosk))


@bp.post("/session/checkout")
def checkout():
    """Commit the exchange, then print its receipt."""
    session_id = body().get("session_id")
    if session_id is not None and not isinstance(session_id, str):
        raise errors.NoSession()
    rt = runtime()
    # A kiosk that syncs has news from central first: online, the household may spend its
    # balance; offline, unconfirmed spending is held to the store's allowance. The pull started
    # when the card was shown serves, when it is recent; otherwise the checkout asks now.
    online = None
    if rt.sync is not None:
        online = rt.sync.refresh(timeout=2.0, since=terminal.session_began(rt.kiosk, session_id))
    result = terminal.checkout(rt.kiosk, session_id, online=online)
    if rt.sync is not None:
        rt.sync.wake()
    printed = print_receipt(rt.kiosk, rt.printer, result.receipt_id)
    return jsonify(
        {
            "exchange_id": result.exchange_id,
            "number": result.number,
            "total": result.total,
            "balance_after": result.balance_after,
            "receipt_id": result.receipt_id,
            "printed": printed,
        }
    )


@bp.post("/session/cancel")
def cancel():
    """End the session without any change to points or stock."""
    body()  # nothing, or JSON: never a form
    terminal.cancel(runtime().kiosk)
    return jsonify(queries.session_view(runtime().kiosk))


@bp.post("/staff-call")
def call_staff():
    """Call the shopkeeper: the admin screen shows the call until it is answered."""
    body()  # nothing, or JSON: never a form
    return jsonify({"called_at": iso(staff_call.call(runtime().kiosk))})


@bp.get("/receipts/<int:receipt_id>")
def receipt(receipt_id: int):
    """Return a receipt's text and ESC/POS bytes."""
    if receipt_id > MAX_ROW_ID:
        raise errors.UnknownReceipt()
    found = queries.receipt(runtime().kiosk, receipt_id)
    return jsonify(
        {
            "id": found["id"],
            "kind": found["kind"],
            "number": found["number"],
            "status": found["status"],
            "text": found["text"],
            "escpos_base64": base64.b64encode(found["escpos"]).decode("ascii"),
        }
    )


@bp.get("/products")
def products():
    """Return the goods on offer."""
    return jsonify(queries.products(runtime().kiosk))


@bp.get("/announcements")
def announcements():
    """Return the office's announcements showing today and the store's next exchange day."""
    return jsonify(notices.board(runtime().kiosk))


@bp.get("/announcements/<announcement_id>/picture")
def announcement_picture(announcement_id: str):
    """Return an announcement's picture (JPEG or PNG) as the office sent it."""
    data, media_type = notices.picture(runtime().kiosk, announcement_id)
    headers = {
        "Cache-Control": "private, max-age=3600",
        "X-Content-Type-Options": "nosniff",
        "Cross-Origin-Resource-Policy": "same-origin",
    }
    return Response(data, mimetype=media_type, headers=headers)


@bp.get("/board")
def village_board():
    """Return the village's 公示 board for this month, as the idle screen rotates it."""
    return jsonify(board.board(runtime().kiosk))


@bp.get("/openapi.json")
def openapi():
    """Return the OpenAPI document of this API."""
    from terminal_ui.openapi import document

    return jsonify(document())


@bp.get("/events")
def events():
    """Stream a server-sent event whenever the session, stock or printer changes."""
    changes = runtime().changes
    # The server sets how long a stream may hold its thread; a client may ask for less.
    longest = float(current_app.config["EVENT_STREAM_SECONDS"])
    timeout = _seconds(request.args.get("timeout"), default=longest, longest=longest)
    # A few at once: each holds one of the server's threads while it lasts. Another machine's
    # stream also takes one of the share such machines may hold, so the kiosk's screens keep theirs.
    held = [slots(STREAM_SLOTS)]
    peer = request.remote_addr
    if peer and not is_loopback(peer):
        held.insert(0, slots(REMOTE_STREAM_SLOTS))
    taken: list[Slots] = []
    try:
        for slot in held:
            slot.take()
            taken.append(slot)
    except TooBusy:
        for slot in taken:
            slot.give()
        raise

    def stream() -> Iterator[str]:
        seen = changes.version
        yield f"event: hello\ndata: {json.dumps({'version': seen})}\n\n"
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            # Short waits: a screen that went away is noticed at the next write, and frees
            # its slot within seconds.
            version = changes.wait(seen, timeout=min(KEEP_ALIVE, end - time.monotonic()))
            if version == seen:
                yield ": keep-alive\n\n"
                continue
            seen = version
            yield f"event: change\ndata: {json.dumps({'version': seen, 'what': changes.last})}\n\n"

    response = Response(
        stream_with_context(stream()),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
    given_back = threading.Event()

    def give_back() -> None:  # once, however the stream ends (finished, client gone, error)
        if not given_back.is_set():
            given_back.set()
            for slot in held:
                slot.give()

    response.call_on_close(give_back)
    return response


def _seconds(text: str | None, default: float, longest: float) -> float:
    """Return a stream timeout between 1 s and longest; anything unreadable is the default."""
    try:
        value = float(text) if text is not None else default
    except ValueError:
        value = default
    if not math.isfinite(value):
        value = default
    return min(max(value, 1.0), longest)
