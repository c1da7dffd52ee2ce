"""Activity check-in run by the shopkeeper."""

from __future__ import annotations

from flask import (
    current_app,
    flash,
    redirect,
    request,
    url_for,
)

from core.domain.errors import DomainError
from kiosk.services import activities, audit_log, checkin, queries, terminal
from terminal_ui.admin.base import (
    _,
    _not_found,
    _page,
    _problem,
    actor,
    bp,
    print_now,
    signed_in,
)
from terminal_ui.context import runtime

# -- activity check-in ----------------------------------------------------------------------------


@bp.get("/checkin")
@signed_in
def checkin_list():
    """Show the activities to check residents in to."""
    k = runtime().kiosk
    view = queries.session_view(k)
    return _page("admin/checkin_list.html", activities=activities.listing(k), terminal=view)


@bp.post("/checkin/start")
@signed_in
def checkin_start():
    """Put the terminal into check-in mode for an activity, so card scans credit it."""
    k = runtime().kiosk
    activity_id = request.form.get("activity_id", "")
    found = activities.checkins(k, activity_id)
    if found is None:
        return _not_found()
    view = queries.session_view(k)
    if view["mode"] == "exchange" and not request.form.get("force"):
        flash(
            _("A resident is exchanging at the terminal. Start check-in when they have finished."),
            "error",
        )
        return redirect(url_for("admin.checkin_list"))
    try:
        terminal.start_checkin(k, found["id"], actor())
    except DomainError as exc:
        flash(_problem(exc), "error")
        return redirect(url_for("admin.checkin_list"))
    audit_log.record(k, "checkin_start", found["id"], actor=actor())
    return redirect(url_for("admin.checkin_page", activity_id=found["id"]))


@bp.get("/checkin/<activity_id>")
@signed_in
def checkin_page(activity_id: str):
    """Show the check-in screen: a scan field and each credit as it happens."""
    k = runtime().kiosk
    found = activities.checkins(k, activity_id)
    if found is None:
        return _not_found()
    view = queries.session_view(k)
    return _page(
        "admin/checkin.html",
        activity=found,
        live=view["mode"] == "checkin" and (view["activity"] or {}).get("id") == activity_id,
        demo_cards=current_app.config.get("DEMO_CARDS", []),
    )


@bp.get("/checkin/<activity_id>/list")
@signed_in(background=True)
def checkin_rows(activity_id: str):
    """Return the check-in list as HTML, for the live refresh."""
    found = activities.checkins(runtime().kiosk, activity_id)
    if found is None:
        return _not_found()
    return _page("admin/_checkins.html", activity=found)


@bp.post("/checkin/<activity_id>/scan")
@signed_in
def checkin_scan(activity_id: str):
    """Credit the resident whose card was scanned (or typed); a second check-in is refused."""
    k = runtime().kiosk
    code = request.form.get("code", "").strip()
    try:
        credit = checkin.check_in(k, activity_id, card_code=code, actor=actor())
    except DomainError as exc:
        flash(_problem(exc), "error")
    else:
        printed = print_now(credit["receipt_id"])
        flash(
            _(
                "Checked in: {resident} ({household}) +{points} points, balance {balance}.",
                **{key: credit[key] for key in ("resident", "household", "points", "balance")},
            ),
            "ok",
        )
        if not printed:
            flash(_("The slip could not be printed; reprint it from Receipts."), "error")
    return redirect(url_for("admin.checkin_page", activity_id=activity_id))


@bp.post("/checkin/end")
@signed_in
def checkin_end():
    """Take the terminal out of check-in mode."""
    k = runtime().kiosk
    if queries.session_view(k)["mode"] == "checkin":
        terminal.cancel(k)
        audit_log.record(k, "checkin_end", actor=actor())
    flash(_("Check-in has ended."), "ok")
    return redirect(url_for("admin.checkin_list"))
