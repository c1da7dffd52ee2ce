"""Admin sign-in with one's own PIN, and sign-out."""

from __future__ import annotations

from flask import (
    flash,
    redirect,
    request,
    session,
    url_for,
)

from kiosk.services import audit_log, staff
from terminal_ui.admin.base import (
    _,
    _fresh_session,
    _page,
    _session_actor,
    bp,
    start_session,
)
from terminal_ui.context import runtime

# -- sign-in --------------------------------------------------------------------------------------


@bp.get("/login")
def login():
    """Show the PIN pad, or how to set a PIN when none is set."""
    k = runtime().kiosk
    if not staff.pin_is_set(k):
        return _page("admin/no_pin.html", 503)
    if session.get("admin"):
        return redirect(url_for("admin.home"))
    return _page("admin/login.html", locked=staff.lock_seconds_left(k))


@bp.post("/login")
def login_submit():
    """Check the PIN; five wrong ones lock the screen for five minutes."""
    k = runtime().kiosk
    try:
        person = staff.check_pin(k, request.form.get("pin", ""))
    except staff.PinRefused as exc:
        if exc.code == "unset":
            return _page("admin/no_pin.html", 503)
        if exc.code == "locked":
            minutes = max(1, (exc.seconds_left + 59) // 60)
            error = _(
                "Too many wrong PINs. The admin screen is locked for {minutes} minutes.",
                minutes=minutes,
            )
        else:
            error = _("Wrong PIN. {tries} tries left.", tries=exc.tries_left)
        return _page("admin/login.html", 401, error=error, locked=staff.lock_seconds_left(k))
    # First: a sign-in that cannot be recorded does not happen.
    audit_log.record(k, "login", actor=person.actor)
    _fresh_session()
    start_session(person, staff.session_epoch(k))
    if staff.is_demo_pin(request.form.get("pin", "")):
        session["demo_pin"] = True  # changing the PIN ends this session, and with it the warning
    if not person.is_shopkeeper:
        return redirect(url_for("admin.checkin_list"))
    return redirect(url_for("admin.home"))


@bp.post("/logout")
def logout():
    """Sign out; the session cannot be used again."""
    k = runtime().kiosk
    runtime().claim_card.disarm()
    if session.get("admin"):
        audit_log.record(k, "logout", actor=_session_actor(), reason="asked")
        staff.end_sessions(k)
    _fresh_session()
    flash(_("Signed out."), "info")
    return redirect(url_for("admin.login"))
