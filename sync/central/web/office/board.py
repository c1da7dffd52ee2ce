"""Office pages for the 公示 board: what the kiosks' board shows, and the monthly sheet."""

from __future__ import annotations

import io

from flask import flash, redirect, request, url_for

from sync.central import localtime
from sync.central.documents import board_pdf
from sync.central.services import board
from sync.central.services.errors import RegistryError
from sync.central.states import Role
from sync.central.web.export import file_response
from sync.central.web.office.base import _, actor, bp, central, refusal, scope, signed_in, zone


@bp.get("/notices/board.pdf")
@signed_in()
def board_sheet():
    """A village's monthly 公示 sheet as PDF (villages inside the user's area only)."""
    village = request.args.get("village", "")[:200]
    month = request.args.get("month", "")[:20]
    try:
        found = board.sheet(central(), village, month, scope())
    except RegistryError as exc:
        flash(_("No sheet: {reason}", reason=refusal(exc)), "error")
        return redirect(url_for("office.notices_page"))
    out = io.BytesIO()
    board_pdf(found, out, localtime.today(zone()))
    name = f"积分公示-{found['village_name']}-{found['month']}.pdf"
    return file_response(out.getvalue(), name, "application/pdf")


@bp.post("/notices/board")
@signed_in(Role.ADMIN, whole_programme=True)
def board_settings():
    """Choose the board's sections and ranking size; the stores' kiosks follow at once."""
    f = request.form
    sections = [s[:20] for s in f.getlist("section")]
    size = f.get("ranking_size", "").strip()
    try:
        board.set_settings(
            central(), sections, int(size) if size.isdigit() and len(size) < 4 else -1, actor()
        )
    except RegistryError as exc:
        flash(_("Not saved: {reason}", reason=refusal(exc)), "error")
    else:
        flash(_("Saved."), "ok")
    return redirect(url_for("office.notices_page"))


SECTION_NAMES = {
    "awards": "Awards",
    "deductions": "Deductions by group",
    "ranking": "Ranking by honour points",
    "exchange_day": "Next exchange day",
}
