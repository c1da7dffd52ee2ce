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
from sync.central.web.office.base import _, actor, bp, central, refusal, scope, signed_in, zone

# What a kiosk reports of its devices (printer.ports.PrinterState, the camera loop's
# CameraState), as the office reads it; a state not listed is shown as reported.
PRINTER_STATES = {
    "ok": "ready",
    "paper_low": "paper running low",
    "offline": "not connected",
    "paper_out": "out of paper",
    "cover_open": "cover open",
    "unknown": "not answering",
}
CAMERA_STATES = {
    "starting": "starting",
    "running": "working",
    "lost": "lost",
    "reconnecting": "reconnecting",
    "ended": "ended",
    "stopped": "stopped",
    "unknown": "not answering",
}


def _device(state: str | None, names: dict[str, str]) -> str:
    return _(names[state]) if state in names else (state or "—")


@bp.get("/kiosks")
@signed_in()
def kiosks():
    """Show every store and kiosk: online or not, last sync, backlog, version, devices."""
    rows = reports.kiosks(central(), scope())
    for k in rows:
        k["printer"] = _device(k["printer"], PRINTER_STATES)
        k["camera"] = _device(k["camera"], CAMERA_STATES)
    return render_template(
        "office/kiosks.html",
        kiosks=rows,
        stores=stores(central(), scope()),
        villages=area_paths(central(), scope(), AreaLevel.VILLAGE),
        zone=zone(),
        online_minutes=int(reports.ONLINE_WITHIN.total_seconds() // 60),
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
