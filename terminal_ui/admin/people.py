"""The staff list: a shopkeeper adds and removes shopkeepers and volunteers."""

from __future__ import annotations

from flask import flash, redirect, request, url_for

from core.domain.errors import DomainError
from kiosk.services import staff
from terminal_ui.admin.base import _, _page, _problem, actor, bp, signed_in
from terminal_ui.context import runtime

PIN_PROBLEMS = {
    "bad": "A PIN has 4 to 12 digits.",
    "taken": "Someone else on the staff list has this PIN. Please choose another.",
}


def _list_page(http_status: int = 200, **context):
    return _page("admin/staff.html", http_status, people=staff.members(runtime().kiosk), **context)


@bp.get("/staff")
@signed_in
def people():
    """Show who may sign in, with their roles, and the form to add someone."""
    return _list_page()


@bp.post("/staff")
@signed_in
def people_add():
    """Add a shopkeeper or volunteer with their own PIN (typed twice)."""
    form = request.form
    pin = form.get("pin", "")
    if pin != form.get("pin_again", ""):
        return _list_page(400, error=_("The two new PINs are not the same."))
    try:
        person = staff.add_member(
            runtime().kiosk, form.get("name", ""), form.get("role", ""), pin, actor()
        )
    except staff.PinRefused as exc:
        return _list_page(400, error=_(PIN_PROBLEMS.get(exc.code, PIN_PROBLEMS["bad"])))
    except DomainError as exc:
        if exc.code == "bad_value" and exc.params.get("field") == "role":
            return _list_page(400, error=_("Please choose shopkeeper or volunteer."))
        return _list_page(400, error=_problem(exc))
    flash(_("{name} can now sign in with their PIN.", name=person.name), "ok")
    return redirect(url_for("admin.people"))


@bp.post("/staff/<int:member_id>/remove")
@signed_in
def people_remove(member_id: int):
    """Take someone off the staff list; they cannot sign in any more."""
    try:
        staff.remove_member(runtime().kiosk, member_id, actor())
    except DomainError as exc:
        return _list_page(400, error=_problem(exc))
    flash(_("Removed from the staff list."), "ok")
    return redirect(url_for("admin.people"))
