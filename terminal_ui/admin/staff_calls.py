"""A resident's call for the shopkeeper: shown on every admin page until answered."""

from __future__ import annotations

from flask import jsonify, redirect, url_for

from kiosk.services import staff_call
from terminal_ui.admin.base import actor, bp, signed_in, staff_call_time
from terminal_ui.context import runtime


@bp.get("/staff-call.json")
@signed_in(background=True)
def staff_call_state():
    """Return whether a resident is calling, and since when (every admin page asks on a change)."""
    at = staff_call_time()
    return jsonify({"waiting": at is not None, "at": at})


@bp.post("/staff-call/answer")
@signed_in
def staff_call_answer():
    """Mark the resident's call as seen."""
    staff_call.answer(runtime().kiosk, actor())
    return redirect(url_for("admin.home"))
