"""Office pages: the office's users, their roles and areas (admins only)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from sync.central.queries.areas import area_paths
from sync.central.queries.users import user_name, users
from sync.central.services.errors import RegistryError
from sync.central.services.users import add_user, change_user, deactivate_user
from sync.central.states import Role
from sync.central.web.office.base import _, actor, bp, central, refusal, scope, signed_in


@bp.get("/users")
@signed_in(Role.ADMIN)
def users_page():
    """List the office's users of the admin's area, with forms to add and change them."""
    return render_template(
        "office/users.html",
        users=users(central(), scope()),
        roles=list(Role),
        areas=area_paths(central(), scope()),
        whole=scope().everything,
    )


@bp.post("/users")
@signed_in(Role.ADMIN)
def user_add():
    """Add an office user with a role, an area and a first password."""
    f = request.form
    try:
        add_user(
            central(),
            f.get("username", ""),
            f.get("password", ""),
            f.get("role", ""),
            actor(),
            area=f.get("area", ""),
            scope=scope(),
        )
    except RegistryError as exc:
        flash(refusal(exc), "error")
    else:
        flash(_("User {username} saved.", username=f.get("username", "").strip()), "ok")
    return redirect(url_for("office.users_page"))


def _named(user_id: int) -> str:
    name = user_name(central(), user_id, scope())
    if name is None:
        abort(404)
    return name


@bp.post("/users/<int:user_id>/change")
@signed_in(Role.ADMIN)
def user_change(user_id: int):
    """Give a user a new role and area (their sessions end)."""
    name = _named(user_id)
    try:
        change_user(
            central(),
            name,
            request.form.get("role", ""),
            request.form.get("area", ""),
            actor(),
            scope=scope(),
        )
    except RegistryError as exc:
        flash(refusal(exc), "error")
    else:
        flash(_("User {username} changed.", username=name), "ok")
    return redirect(url_for("office.users_page"))


@bp.post("/users/<int:user_id>/deactivate")
@signed_in(Role.ADMIN)
def user_deactivate(user_id: int):
    """Stop a user signing in (their sessions and tokens end)."""
    name = _named(user_id)
    try:
        deactivate_user(central(), name, actor(), scope=scope())
    except RegistryError as exc:
        flash(refusal(exc), "error")
    else:
        flash(_("User {username} deactivated.", username=name), "ok")
    return redirect(url_for("office.users_page"))
