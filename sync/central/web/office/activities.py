"""Office pages: activities, their participants, and awarding their points."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from sync.central import localtime
from sync.central.imports import parse_award_sheet
from sync.central.queries import activities as activity_queries
from sync.central.queries import rules as rule_queries
from sync.central.services.activities import (
    AwardRow,
    SkippedRow,
    award_sheet,
    close_activity,
    define_activity,
    edit_activity,
)
from sync.central.services.errors import Refusal, RegistryError
from sync.central.states import Role
from sync.central.web.input import form_date, form_int, page_number
from sync.central.web.office.base import (
    PAGE,
    _,
    actor,
    bp,
    central,
    refusal,
    scope,
    signed_in,
    zone,
)
from sync.central.web.office.uploads import check_upload

AWARD_MAX_BYTES = 2 * 2**20


@bp.get("/activities")
@signed_in()
def activities():
    """List activities with their participation, newest first, a page at a time."""
    page = request.args.get("page", 1, type=page_number)
    rows, total = activity_queries.listing(central(), page, PAGE)
    return render_template(
        "office/activities.html",
        activities=rows,
        today=localtime.today(zone()),
        rules=rule_queries.rules(central(), active_only=True),
        page=page,
        pages=max((total + PAGE - 1) // PAGE, 1),
    )


@bp.post("/activities")
@signed_in(Role.ADMIN, whole_programme=True)
def activity_define():
    """Define an activity; kiosks learn of it from the feed."""
    f = request.form
    try:
        define_activity(
            central(),
            f.get("code", ""),
            f.get("name", ""),
            f.get("type", ""),
            form_date(f.get("day", "")),
            form_int(f.get("points", "")),
            form_int(f["cap"]) if f.get("cap", "").strip() else None,
            actor=actor(),
            rule_code=f.get("rule", "")[:32] or None,
        )
    except RegistryError as exc:
        flash(refusal(exc), "error")
    else:
        flash(_("Activity defined."), "ok")
    return redirect(url_for("office.activities"))


@bp.get("/activities/<activity_id>")
@signed_in()
def activity(activity_id: str):
    """Show an activity, who took part, and a form to award points."""
    q = request.args.get("q", "").strip()[:40]
    view = activity_queries.detail(central(), activity_id[:40], q, scope())
    if view is None:
        abort(404)
    for taken in view["participants"]:
        taken["kiosk"] = taken["kiosk"] or _("office")
    return render_template("office/activity.html", a=view, q=q)


@bp.post("/activities/<activity_id>/award")
@signed_in(Role.ADMIN)
def activity_award(activity_id: str):
    """Award an activity's points to picked residents, or to those a CSV names (card code,
    resident id, or household and resident name), reporting each row skipped and why."""
    activity_id = activity_id[:40]
    ids = [r[:40] for r in request.form.getlist("resident")]
    upload = request.files.get("file")
    rows: list[AwardRow] = []
    unread: list[SkippedRow] = []
    if upload is not None and upload.filename:
        check_upload(upload, AWARD_MAX_BYTES)
        rows, unread = parse_award_sheet(upload.read().decode("utf-8-sig"))  # checked
    rows = [AwardRow(0, resident_id=rid) for rid in ids] + rows
    if not rows and not unread:
        flash(
            _(
                "Pick residents or upload a CSV of card codes, resident ids, "
                "or household and resident names."
            ),
            "error",
        )
        return redirect(url_for("office.activity", activity_id=activity_id))
    try:
        result = award_sheet(central(), activity_id, rows, actor(), unread, scope())
    except RegistryError as exc:
        if exc.code == Refusal.NO_ACTIVITY:
            abort(404)
        flash(refusal(exc), "error")
        return redirect(url_for("office.activity", activity_id=activity_id))
    # The report is shown at once, not flashed: a sheet's skipped rows would not fit a cookie.
    view = activity_queries.detail(central(), activity_id, "", scope())
    if view is None:
        abort(404)
    for taken in view["participants"]:
        taken["kiosk"] = taken["kiosk"] or _("office")
    report = {
        "credited": len(result.credited),
        "skipped": [
            {
                "row": skip.row,
                "resident": skip.params.get("resident_id", ""),
                "reason": _(skip.reason, **skip.params),
            }
            for skip in result.skipped
        ],
    }
    return render_template("office/activity.html", a=view, q="", report=report)


@bp.post("/activities/<activity_id>/edit")
@signed_in(Role.ADMIN, whole_programme=True)
def activity_edit(activity_id: str):
    """Change an activity's name, type, day, points or cap; kiosks receive it."""
    f = request.form
    try:
        edit_activity(
            central(),
            activity_id[:40],
            f.get("name", ""),
            f.get("type", ""),
            form_date(f.get("day", "")),
            form_int(f.get("points", "")),
            form_int(f["cap"]) if f.get("cap", "").strip() else None,
            actor=actor(),
        )
    except RegistryError as exc:
        if exc.not_found:
            abort(404)
        flash(_("Not saved: {reason}", reason=refusal(exc)), "error")
    else:
        flash(_("Saved."), "ok")
    return redirect(url_for("office.activity", activity_id=activity_id[:40]))


@bp.post("/activities/<activity_id>/close")
@signed_in(Role.ADMIN, whole_programme=True)
def activity_close(activity_id: str):
    """Close an activity: no more check-ins or awards."""
    try:
        close_activity(central(), activity_id[:40], actor=actor())
    except RegistryError:
        abort(404)
    flash(_("Activity closed; kiosks stop checking residents in at their next sync."), "ok")
    return redirect(url_for("office.activity", activity_id=activity_id[:40]))
