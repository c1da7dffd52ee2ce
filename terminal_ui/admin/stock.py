"""Admin home, stock, device status and receiving goods."""

from __future__ import annotations

from flask import (
    flash,
    jsonify,
    redirect,
    request,
    url_for,
)

from core.domain.errors import DomainError
from kiosk.services import day_report, inventory, lookups, queries, shop_settings, times
from terminal_ui import sync_run
from terminal_ui.admin.base import (
    SOURCES,
    _,
    _page,
    _problem,
    actor,
    bp,
    device_status,
    print_now,
    signed_in,
    sync_problem,
)
from terminal_ui.context import runtime

SYNC_WAIT_SECONDS = 8  # how long "sync now" waits before saying it goes on in the background
WRITE_OFF_LABELS = {"breakage": "Breakage", "expiry": "Expired"}

# -- home, stock, status --------------------------------------------------------------------------


@bp.get("/")
@signed_in
def home():
    """Show the tiles, what needs attention and today's figures."""
    k = runtime().kiosk
    stock = inventory.stock_list(k)
    return _page(
        "admin/home.html",
        low=[p for p in stock if p["low"]],
        figures=day_report.day_figures(k, times.today(k)),
        failed=lookups.receipts(k, status="attention", limit=5),
        status=device_status(),
    )


@bp.get("/stock")
@signed_in
def stock():
    """Show every product's stock with low-stock warnings."""
    k = runtime().kiosk
    rows = inventory.stock_list(k)
    return _page(
        "admin/stock.html",
        rows=rows,
        low_count=sum(1 for r in rows if r["low"]),
        level=shop_settings.current(k).low_stock,
    )


@bp.get("/status")
@signed_in
def status():
    """Show printer, camera and sync status, and the receipts that did not print."""
    k = runtime().kiosk
    return _page(
        "admin/status.html",
        status=device_status(),
        failed=lookups.receipts(k, status="attention", limit=20),
        refused=queries.refused_entries(k),
    )


@bp.get("/status.json")
@signed_in(background=True)
def status_json():
    """Return the device status as JSON (the home page refreshes it)."""
    return jsonify(device_status())


@bp.post("/status/sync")
@signed_in
def sync_now():
    """Send and fetch changes with the central office now; wait a few seconds for the outcome."""
    rt = runtime()
    if rt.sync is None:
        flash(_("This kiosk works alone (no central office): there is nothing to send."), "info")
        return redirect(url_for("admin.status"))
    outcome = sync_run.run_now(rt.sync.sync_once, wait=SYNC_WAIT_SECONDS)
    if outcome == "ok":
        flash(_("Synchronised with the central office."), "ok")
    elif outcome == "running":
        flash(_("Synchronising is still going on. Look at this page again in a minute."), "info")
    else:
        problem = sync_problem(rt.sync.status.last_error) or sync_problem("central")
        flash(_("Synchronising did not work.") + " " + _(problem), "error")
    return redirect(url_for("admin.status"))


# -- stocktake and write-off ----------------------------------------------------------------------


@bp.get("/stocktake")
@signed_in
def stocktake():
    """Show the stocktake and write-off forms."""
    return _stocktake_page()


def _stocktake_page(http_status: int = 200, **context):
    k = runtime().kiosk
    return _page(
        "admin/stocktake.html",
        http_status,
        products=[p for p in inventory.stock_list(k) if p["active"] or p["stock"]],
        chosen=request.args.get("code", ""),
        kinds=tuple(inventory.WRITE_OFF_KINDS),
        **{"form": {}, "which": "", **context},
    )


@bp.post("/stocktake")
@signed_in
def stocktake_submit():
    """Set a product's stock to what was counted on the shelf."""
    k = runtime().kiosk
    form = request.form
    try:
        change = inventory.stocktake(
            k,
            form.get("product_code", ""),
            form.get("counted", ""),
            form.get("reason", ""),
            actor=actor(),
        )
    except DomainError as exc:
        return _stocktake_page(400, form=form, which="stocktake", error=_problem(exc))
    item = inventory.product(k, form.get("product_code", ""))
    if change < 0:
        said = _("{count} fewer than recorded", count=-change)
    elif change > 0:
        said = _("{count} more than recorded", count=change)
    else:
        said = _("as recorded")
    flash(
        _(
            "Stocktake of {name}: now {stock} in stock ({change}).",
            name=item["name"],
            stock=item["stock"],
            change=said,
        ),
        "ok",
    )
    return redirect(url_for("admin.stock"))


@bp.post("/write-off")
@signed_in
def write_off_submit():
    """Take broken or expired goods out of stock."""
    k = runtime().kiosk
    form = request.form
    try:
        inventory.write_off(
            k,
            form.get("product_code", ""),
            form.get("qty", ""),
            form.get("kind", ""),
            form.get("note", ""),
            actor=actor(),
        )
    except DomainError as exc:
        return _stocktake_page(400, form=form, which="write_off", error=_problem(exc))
    item = inventory.product(k, form.get("product_code", ""))
    flash(
        _(
            "Written off {name} ×{qty} ({kind}). Now in stock: {stock}.",
            name=item["name"],
            qty=form.get("qty", "").strip(),
            kind=_(WRITE_OFF_LABELS[form["kind"]]),
            stock=item["stock"],
        ),
        "ok",
    )
    return redirect(url_for("admin.stock"))


# -- restock --------------------------------------------------------------------------------------


@bp.get("/restock")
@signed_in
def restock():
    """Show the restock form."""
    k = runtime().kiosk
    return _page(
        "admin/restock.html",
        products=[p for p in inventory.stock_list(k) if p["active"]],
        chosen=inventory.scanned_product_code(request.args.get("code", "")),
        form={},
        sources=SOURCES,
        donors=inventory.known_donors(k),
    )


@bp.post("/restock")
@signed_in
def restock_submit():
    """Receive a batch and print its restock slip."""
    rt = runtime()
    form = request.form
    # A label scanned into the scan field counts when no product was chosen from the list.
    code = form.get("product_code", "").strip() or form.get("product_scan", "").strip()
    try:
        result = inventory.restock(
            rt.kiosk,
            code,
            form.get("qty", ""),
            form.get("source", ""),
            form.get("donor", ""),
            form.get("unit_value", ""),
            actor=actor(),
        )
    except DomainError as exc:
        return _page(
            "admin/restock.html",
            400,
            products=[p for p in inventory.stock_list(rt.kiosk) if p["active"]],
            chosen=inventory.scanned_product_code(code),
            form=form,
            sources=SOURCES,
            donors=inventory.known_donors(rt.kiosk),
            error=_problem(exc),
        )
    printed = print_now(result.receipt_id)
    item = inventory.product(rt.kiosk, result.product_code)
    flash(
        _(
            "Received {qty} × {name}. Now in stock: {stock}.",
            qty=result.qty,
            name=item["name"] if item else result.product_code,
            stock=result.stock,
        ),
        "ok",
    )
    flash(
        _("The restock slip was printed.")
        if printed
        else _("The restock slip could not be printed; reprint it from Receipts."),
        "ok" if printed else "error",
    )
    return redirect(url_for("admin.stock"))
