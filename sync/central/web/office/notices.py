"""Office pages: announcements for the stores' idle screens, collective exchange days and the
公示 board's settings and sheets."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from core.domain import limits
from core.domain.board import SECTIONS
from core.domain.errors import DomainError
from sync.central import localtime
from sync.central.queries import notices as notice_queries
from sync.central.services import board, notices
from sync.central.services.errors import RegistryError
from sync.central.states import Role
from sync.central.web.office.base import _, actor, bp, central, refusal, scope, signed_in, zone
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
        picture_kb=limits.MAX_PICTURE_BYTES // 1024,
        month=localtime.today(zone()).strftime("%Y-%m"),
    )


def _refused(exc: DomainError) -> None:
    flash(_("Not posted: {field} is not valid ({reason}).", **exc.params), "error")


def _upload(name: str) -> bytes | None:
    """Return a form's file, read to one byte beyond the picture limit (none chosen: None)."""
    upload = request.files.get(name)
    if upload is None:
        return None
    try:
        return upload.stream.read(limits.MAX_PICTURE_BYTES + 1) if upload.filename else None
    finally:
        upload.close()  # a large upload is spooled to a temporary file: close it now


@bp.post("/notices/announcements")
@signed_in(Role.ADMIN, whole_programme=True)
def announcement_post():
    """Post an announcement, with an optional picture; the kiosks of the chosen stores and
    villages (or of all) learn of it from the feed."""
    f = request.form
    try:
        notices.post_announcement(
            central(),
            f.get("text", ""),
            f.get("starts", ""),
            f.get("ends", ""),
            [name[:80] for name in f.getlist("store") if name],
            actor=actor(),
            villages=[path[:200] for path in f.getlist("village") if path],
            picture=_upload("picture"),
            scope=scope(),
        )
    except DomainError as exc:
        _refused(exc)
    except RegistryError as exc:
        flash(_("Not posted: {reason}", reason=refusal(exc)), "error")
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
