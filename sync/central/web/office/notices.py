"""Office pages: announcements for the stores' idle screens, collective exchange days and the
公示 board's settings and sheets."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from core.domain.board import SECTIONS
from core.domain.errors import DomainError
from sync.central import localtime
from sync.central.queries import notices as notice_queries
from sync.central.services import board, notices
from sync.central.states import Role
from sync.central.web.office.base import _, actor, bp, central, scope, signed_in, zone
from sync.central.web.office.board import SECTION_NAMES


@bp.get("/notices")
@signed_in()
def notices_page():
    """List announcements and exchange days, with the forms to post them."""
    return render_template(
        "office/notices.html",
        n=notice_queries.listing(central()),
        board=board.settings(central()),
        sections=[(s, SECTION_NAMES[s]) for s in SECTIONS],
        villages=board.villages(central(), scope()),
        month=localtime.today(zone()).strftime("%Y-%m"),
    )


def _refused(exc: DomainError) -> None:
    flash(_("Not posted: {field} is not valid ({reason}).", **exc.params), "error")


@bp.post("/notices/announcements")
@signed_in(Role.ADMIN, whole_programme=True)
def announcement_post():
    """Post an announcement; the chosen stores' kiosks (or all) learn of it from the feed."""
    f = request.form
    try:
        notices.post_announcement(
            central(),
            f.get("text", ""),
            f.get("starts", ""),
            f.get("ends", ""),
            [name[:80] for name in f.getlist("store") if name],
            actor=actor(),
        )
    except DomainError as exc:
        _refused(exc)
    else:
        flash(_("Announcement posted."), "ok")
    return redirect(url_for("office.notices_page"))


@bp.post("/notices/exchange-days")
@signed_in(Role.ADMIN, whole_programme=True)
def exchange_day_post():
    """Schedule a collective exchange day at a store."""
    f = request.form
    try:
        notices.schedule_exchange_day(
            central(),
            f.get("store", "")[:80],
            f.get("day", ""),
            f.get("hours", ""),
            f.get("note", ""),
            actor=actor(),
        )
    except DomainError as exc:
        _refused(exc)
    else:
        flash(_("Exchange day scheduled."), "ok")
    return redirect(url_for("office.notices_page"))
