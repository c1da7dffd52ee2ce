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
from kiosk.services import day_report, inventory, lookups, queries, shop_settings, staff, times
from terminal_ui.admin.base import (
    SOURCES,
    _,
    _page,
    _problem,
    bp,
    device_status,
    print_now,
    signed_in,
)
from terminal_ui.context import runtime

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


# -- restock --------------------------------------------------------------------------------------


@bp.get("/restock")
@signed_in
def restock():
    """Show the restock form."""
    k = runtime().kiosk
    return _page(
        "admin/restock.html",
        products=[p for p in inventory.stock_list(k) if p["active"]],
        chosen=request.args.get("code", ""),
        form={},
        sources=SOURCES,
    )


@bp.post("/restock")
@signed_in
def restock_submit():
    """Receive a batch and print its restock slip."""
    rt = runtime()
    form = request.form
    try:
        result = inventory.restock(
            rt.kiosk,
            form.get("product_code", ""),
            form.get("qty", ""),
            form.get("source", ""),
            form.get("donor", ""),
            form.get("unit_value", ""),
            actor=staff.ADMIN,
        )
    except DomainError as exc:
        return _page(
            "admin/restock.html",
            400,
            products=[p for p in inventory.stock_list(rt.kiosk) if p["active"]],
            chosen=form.get("product_code", ""),
            form=form,
            sources=SOURCES,
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
