"""Office pages: stores and their kiosks, offline allowances, alerts."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from sync.central.queries import reports
from sync.central.queries.areas import area_paths
from sync.central.queries.stores import store_name, stores
from sync.central.services.alerts import resolve_alert
from sync.central.services.areas import set_store_area
from sync.central.services.errors import RegistryError
from sync.central.services.kiosks import set_allowance
from sync.central.states import AreaLevel, Role
from sync.central.web.input import form_int
from sync.central.web.office.base import _, actor, bp, central, refusal, scope, signed_in


@bp.get("/kiosks")
@signed_in()
def kiosks():
    """Show every store and kiosk: last sync, backlog, version, printer and camera."""
    return render_template(
        "office/kiosks.html",
        kiosks=reports.kiosks(central(), scope()),
        stores=stores(central(), scope()),
        villages=area_paths(central(), scope(), AreaLevel.VILLAGE),
    )


@bp.post("/stores/<int:store_id>/allowance")
@signed_in(Role.ADMIN)
def store_allowance(store_id: int):
    """Change a store's offline allowance."""
    name = store_name(central(), store_id, scope())
    if name is None:
        abort(404)
    try:
        set_allowance(central(), name, form_int(request.form.get("allowance", "")), actor())
    except RegistryError as exc:
        flash(refusal(exc), "error")
    else:
        flash(_("Allowance saved; the store's kiosks learn it at their next sync."), "ok")
    return redirect(url_for("office.kiosks"))


@bp.post("/stores/<int:store_id>/village")
@signed_in(Role.ADMIN)
def store_village(store_id: int):
    """Place a store in a village of the user's area."""
    name = store_name(central(), store_id, scope())
    if name is None:
        abort(404)
    try:
        set_store_area(central(), name, request.form.get("village", ""), actor(), scope())
    except RegistryError as exc:
        flash(refusal(exc), "error")
    else:
        flash(_("Village saved."), "ok")
    return redirect(url_for("office.kiosks"))


@bp.get("/alerts")
@signed_in()
def alerts():
    """List open overdrafts, chain gaps and tampering."""
    return render_template("office/alerts.html", alerts=reports.alerts(central(), scope=scope()))


@bp.post("/alerts/<int:alert_id>/resolve")
@signed_in(Role.ADMIN)
def alert_resolve(alert_id: int):
    """Mark an alert as looked after."""
    if not resolve_alert(central(), alert_id, scope=scope()):
        abort(404)
    return redirect(url_for("office.alerts"))
