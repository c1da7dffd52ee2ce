"""Office pages: households, their residents and cards, roster imports, point corrections."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from flask import abort, flash, redirect, render_template, request, send_file, url_for

from sync.central import localtime
from sync.central.imports import parse_roster
from sync.central.queries import households as household_queries
from sync.central.queries.areas import area_paths
from sync.central.services.adjustments import adjust_points
from sync.central.services.areas import set_household_group
from sync.central.services.cards import confirm_card, issue_cards, revoke_card
from sync.central.services.errors import Refusal, RegistryError
from sync.central.services.records import (
    add_household,
    add_resident,
    edit_resident,
    move_resident,
    rename_household,
)
from sync.central.services.roster import add_roster
from sync.central.states import AreaLevel, Role
from sync.central.web.input import form_int, page_number
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
from sync.central.web.reads import reader

ROSTER_MAX_BYTES = 8 * 2**20  # about 100,000 residents


@bp.get("/households")
@signed_in()
def households():
    """List households, searchable by name, member or id."""
    q = request.args.get("q", "").strip()[:40]
    page = request.args.get("page", 1, type=page_number)
    found, total = household_queries.search(reader(), q, page, PAGE, scope())
    return render_template(
        "office/households.html",
        households=found,
        q=q,
        page=page,
        pages=max((total + PAGE - 1) // PAGE, 1),
        total=total,
    )


@bp.get("/households/<household_id>")
@signed_in()
def household(household_id: str):
    """Show a household: members, cards, and its recent entries."""
    view = household_queries.detail(central(), household_id[:40], scope())
    if view is None:
        abort(404)
    groups = area_paths(central(), scope(), AreaLevel.GROUP)
    return render_template("office/household.html", h=view, groups=groups)


@bp.post("/households/<household_id>/group")
@signed_in(Role.ADMIN)
def household_group(household_id: str):
    """Place a household in a villagers' group of the user's area."""
    try:
        placed = set_household_group(
            central(), household_id[:40], request.form.get("group", ""), actor(), scope()
        )
    except RegistryError as exc:
        if exc.code == Refusal.NO_HOUSEHOLD:
            abort(404)
        flash(refusal(exc), "error")
    else:
        flash(_("Group saved: {group}", group=placed or _("none")), "ok")
    return redirect(url_for("office.household", household_id=household_id[:40]))


@bp.post("/households/import")
@signed_in(Role.ADMIN)
def import_roster():
    """Import a roster CSV (household, resident, phone, opening_points): all rows or none."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a CSV file first."), "error")
        return redirect(url_for("office.households"))
    check_upload(upload, ROSTER_MAX_BYTES)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "roster.csv"
        upload.save(path)
        try:
            parsed = parse_roster(path)
        except ValueError as exc:
            flash(str(exc), "error")
            return redirect(url_for("office.households"))
    if parsed.problems and not request.form.get("skip_bad"):
        for problem in parsed.problems[:50]:
            flash(problem, "error")
        flash(_("Nothing was imported: fix the rows above, or tick 'skip bad rows'."), "error")
        return redirect(url_for("office.households"))
    if not scope().everything:
        # Rows are placed in groups by path: a scoped user's rows must all name theirs.
        outside = [r for r in parsed.rows if not scope().covers_path(r.group or None)]
        if outside:
            flash(
                _(
                    "Nothing was imported: line {line} names no group of your area.",
                    line=outside[0].line,
                ),
                "error",
            )
            return redirect(url_for("office.households"))
    try:
        added_h, added_r = add_roster(central(), parsed.rows, actor=actor(), scope=scope())
    except RegistryError as exc:
        flash(refusal(exc), "error")
        return redirect(url_for("office.households"))
    flash(
        _(
            "{households} households and {residents} residents added.",
            households=added_h,
            residents=added_r,
        ),
        "ok",
    )
    return redirect(url_for("office.households"))


def _card_pdf(issued, name: str):
    from core.sheets import CardSpec, card_sheet

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cards.pdf"
        card_sheet(
            [CardSpec(code=c.code, resident=c.resident, household=c.household) for c in issued],
            path,
        )
        data = path.read_bytes()
    return send_file(
        io.BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=name
    )


@bp.post("/cards/issue")
@signed_in(Role.ADMIN)
def cards_issue():
    """Issue cards to every resident without one; download the sheet (the only copy)."""
    issued = issue_cards(central(), actor=actor(), scope=scope())
    if not issued:
        flash(_("Every resident already has a card."), "ok")
        return redirect(url_for("office.households"))
    return _card_pdf(issued, f"cards-{localtime.today(zone()).isoformat()}.pdf")


@bp.post("/residents/<resident_id>/reissue")
@signed_in(Role.ADMIN)
def card_reissue(resident_id: str):
    """Replace a resident's card (the old one stops working); download the new card."""
    issued = issue_cards(central(), [resident_id[:40]], reissue=True, actor=actor(), scope=scope())
    if not issued:
        abort(404)
    return _card_pdf(issued, f"card-{resident_id}.pdf")


@bp.post("/residents/<resident_id>/revoke")
@signed_in(Role.ADMIN)
def card_revoke(resident_id: str):
    """Revoke a resident's card."""
    person_id = resident_id[:40]
    household_id = household_queries.resident_household(central(), person_id, scope())
    if household_id is None:
        abort(404)
    count = revoke_card(central(), person_id, actor(), scope=scope())
    flash(_("{count} card(s) revoked.", count=count), "ok")
    return redirect(url_for("office.household", household_id=household_id))


@bp.post("/households/<household_id>/adjust")
@signed_in(Role.ADMIN)
def household_adjust(household_id: str):
    """Correct a household's points with a reason: a counter-entry, never an edit."""
    points = request.form.get("points", "").strip()
    try:
        done = adjust_points(
            central(),
            household_id[:40],
            int(points) if points.lstrip("-").isdigit() and len(points) < 10 else points,
            request.form.get("reason", ""),
            actor(),
            scope=scope(),
        )
    except RegistryError as exc:
        if exc.code == Refusal.NO_HOUSEHOLD:
            abort(404)
        flash(_("Not adjusted: {reason}", reason=refusal(exc)), "error")
    else:
        flash(
            _(
                "Adjusted by {points} points; the balance is now {balance}.",
                points=f"{done.points:+d}",
                balance=done.balance,
            ),
            "ok",
        )
    return redirect(url_for("office.household", household_id=household_id[:40]))


@bp.post("/cards/<int:card_id>/confirm")
@signed_in(Role.ADMIN)
def card_confirm(card_id: int):
    """Let a card issued at a kiosk work at every store."""
    household_id = household_queries.card_household(central(), card_id, scope())
    if household_id is None:
        abort(404)
    try:
        confirm_card(central(), card_id, actor(), scope=scope())
    except RegistryError:
        abort(404)
    flash(_("The card now works at every store."), "ok")
    return redirect(url_for("office.household", household_id=household_id))


def _own_household(household_id: str) -> None:
    """Answer 404 for a household outside the user's area (or not there at all)."""
    if household_queries.detail(central(), household_id, scope()) is None:
        abort(404)


def _refused_or_missing(exc: RegistryError) -> None:
    """Answer 404 for a record that does not exist; otherwise flash the refusal."""
    if exc.not_found:
        abort(404)
    flash(refusal(exc), "error")


@bp.post("/households/new")
@signed_in(Role.ADMIN, whole_programme=True)
def household_add():
    """Register one household; kiosks receive it."""
    opening = request.form.get("opening_points", "").strip()
    try:
        household_id = add_household(
            central(),
            request.form.get("name", ""),
            form_int(opening) if opening else 0,
            actor(),
        )
    except RegistryError as exc:
        flash(_("Not added: {reason}", reason=refusal(exc)), "error")
        return redirect(url_for("office.households"))
    flash(_("Household {household_id} added.", household_id=household_id), "ok")
    return redirect(url_for("office.household", household_id=household_id))


@bp.post("/households/<household_id>/rename")
@signed_in(Role.ADMIN)
def household_rename(household_id: str):
    """Change a household's name."""
    household_id = household_id[:40]
    _own_household(household_id)
    try:
        rename_household(central(), household_id, request.form.get("name", ""), actor())
    except RegistryError as exc:
        _refused_or_missing(exc)
    else:
        flash(_("Saved."), "ok")
    return redirect(url_for("office.household", household_id=household_id))


@bp.post("/households/<household_id>/residents")
@signed_in(Role.ADMIN)
def resident_add(household_id: str):
    """Add a resident to a household."""
    household_id = household_id[:40]
    _own_household(household_id)
    try:
        resident_id = add_resident(
            central(),
            household_id,
            request.form.get("name", ""),
            request.form.get("phone", ""),
            actor(),
        )
    except RegistryError as exc:
        _refused_or_missing(exc)
    else:
        flash(_("Resident {resident_id} added.", resident_id=resident_id), "ok")
    return redirect(url_for("office.household", household_id=household_id))


@bp.post("/residents/<resident_id>/edit")
@signed_in(Role.ADMIN)
def resident_edit(resident_id: str):
    """Correct a resident's name and phone."""
    household_id = household_queries.resident_household(central(), resident_id[:40], scope())
    if household_id is None:
        abort(404)
    try:
        edit_resident(
            central(),
            resident_id[:40],
            request.form.get("name", ""),
            request.form.get("phone", ""),
            actor(),
        )
    except RegistryError as exc:
        _refused_or_missing(exc)
    else:
        flash(_("Saved."), "ok")
    return redirect(url_for("office.household", household_id=household_id))


@bp.post("/residents/<resident_id>/move")
@signed_in(Role.ADMIN)
def resident_move(resident_id: str):
    """Move a resident, with their cards, to another household; points stay where they are."""
    household_id = household_queries.resident_household(central(), resident_id[:40], scope())
    if household_id is None:
        abort(404)
    target = request.form.get("household", "").strip()[:40]
    if household_queries.detail(central(), target, scope()) is None:
        flash(
            _("Not moved: {reason}", reason=_("no household {household_id}", household_id=target)),
            "error",
        )
        return redirect(url_for("office.household", household_id=household_id))
    try:
        move_resident(central(), resident_id[:40], target, actor())
    except RegistryError as exc:
        if exc.code == Refusal.NO_RESIDENT:
            abort(404)
        flash(_("Not moved: {reason}", reason=refusal(exc)), "error")
        return redirect(url_for("office.household", household_id=household_id))
    flash(_("Moved to household {household_id}.", household_id=target), "ok")
    return redirect(url_for("office.household", household_id=target))
