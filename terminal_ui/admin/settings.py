"""Daily summary, audit log, settings and the PIN."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import (
    current_app,
    flash,
    g,
    redirect,
    request,
    url_for,
)

from core.domain.errors import DomainError
from kiosk.services import audit_log, day_report, exchange_window, shop_settings, staff, times
from terminal_ui.admin.base import (
    PAGE,
    _,
    _day_arg,
    _fresh_session,
    _page,
    _page_number,
    _problem,
    actor,
    bp,
    print_now,
    signed_in,
    start_session,
)
from terminal_ui.context import runtime

# -- summary, audit, settings ---------------------------------------------------------------------


@bp.get("/summary")
@signed_in
def summary():
    """Show one day's figures."""
    k = runtime().kiosk
    day = _day_arg() or times.today(k)
    return _page("admin/summary.html", f=day_report.day_figures(k, day), day=day.isoformat())


@bp.post("/summary/print")
@signed_in
def summary_print():
    """Print the day's summary slip."""
    k = runtime().kiosk
    try:
        day = date.fromisoformat(request.form.get("day", ""))
    except ValueError:
        day = times.today(k)
    printed = print_now(day_report.daily_summary(k, day, actor()))
    flash(
        _("The summary was printed.") if printed else _("The summary could not be printed."),
        "ok" if printed else "error",
    )
    return redirect(url_for("admin.summary", day=day.isoformat()))


@bp.get("/audit")
@signed_in
def audit():
    """Show the audit log, newest first."""
    k = runtime().kiosk
    page = _page_number()
    action = request.args.get("action", "")[:40]
    mine = request.args.get("mine") == "1"
    rows, total = audit_log.entries(
        k, action=action, admin_only=mine, limit=PAGE, offset=(page - 1) * PAGE
    )
    return _page(
        "admin/audit.html",
        rows=rows,
        total=total,
        page=page,
        pages=max(1, (total + PAGE - 1) // PAGE),
        action=action,
        mine=mine,
        actions=audit_log.actions(k),
    )


@bp.get("/settings")
@signed_in
def settings():
    """Show the screen settings and the PIN change form."""
    return _page("admin/settings.html", s=_settings_view())


def _settings_view() -> dict[str, Any]:
    current = shop_settings.current(runtime().kiosk)
    voice = current.voice
    if voice is None:
        voice = bool(current_app.config.get("VOICE_DEFAULT", True))
    window = exchange_window.current(runtime().kiosk)
    return {
        "voice": voice,
        "low_stock": current.low_stock,
        "volume": current.volume,
        "window_on": window.enabled,
        "hours": window.hours,
    }


@bp.post("/settings")
@signed_in
def settings_save():
    """Store the screen settings."""
    try:
        shop_settings.save(
            runtime().kiosk,
            voice=request.form.get("voice") == "on",
            low_stock=request.form.get("low_stock", ""),
            volume=request.form.get("volume"),  # absent (an older form): kept as it is
            actor=actor(),
        )
    except DomainError as exc:
        return _page("admin/settings.html", 400, s=_settings_view(), error=_problem(exc))
    flash(_("Settings saved."), "ok")
    return redirect(url_for("admin.settings"))


@bp.post("/window")
@signed_in
def window_save():
    """Switch exchanges to the published hours only (or back to any time) and set the hours."""
    try:
        exchange_window.save(
            runtime().kiosk,
            enabled=request.form.get("enabled") == "on",
            hours_text=request.form.get("hours", ""),
            actor=actor(),
        )
    except DomainError as exc:
        return _page("admin/settings.html", 400, s=_settings_view(), window_error=_problem(exc))
    flash(_("Exchange hours saved."), "ok")
    return redirect(url_for("admin.settings"))


@bp.post("/pin")
@signed_in
def pin_change():
    """Change the PIN; the current one must be given, and the new one twice."""
    k = runtime().kiosk
    new = request.form.get("new_pin", "")
    if new != request.form.get("new_pin_again", ""):
        error = _("The two new PINs are not the same.")
    else:
        try:
            staff.change_pin(k, g.person.id, request.form.get("current_pin", ""), new)
        except staff.PinRefused as exc:
            error = {
                "bad": _("A PIN has 4 to 12 digits."),
                "locked": _("Too many wrong PINs. Please wait a few minutes."),
                "taken": _("Someone else on the staff list has this PIN. Please choose another."),
            }.get(exc.code, _("The current PIN is wrong."))
        else:
            person = g.person
            _fresh_session()
            start_session(person, staff.session_epoch(k))
            flash(_("The PIN was changed."), "ok")
            return redirect(url_for("admin.settings"))
    return _page("admin/settings.html", 400, s=_settings_view(), pin_error=error)
