"""Goods: add, edit, retire; and label sheets."""

from __future__ import annotations

import dataclasses
import io
import tempfile
from pathlib import Path
from typing import Any

from flask import (
    flash,
    redirect,
    request,
    send_file,
    url_for,
)

from core.domain.errors import DomainError
from kiosk.services import audit_log, catalog, inventory, times
from terminal_ui.admin.base import (
    _,
    _not_found,
    _page,
    _problem,
    actor,
    bp,
    print_now,
    signed_in,
)
from terminal_ui.context import runtime

# -- goods ----------------------------------------------------------------------------------------


@bp.get("/goods")
@signed_in
def goods():
    """List every product, offered or not."""
    return _page("admin/goods.html", rows=inventory.stock_list(runtime().kiosk))


@bp.get("/goods/new")
@signed_in
def goods_new():
    """Show an empty product form."""
    k = runtime().kiosk
    return _page(
        "admin/product.html",
        item=None,
        form={"unit": "件", "active": "on"},
        categories=inventory.categories(k),
    )


@bp.get("/goods/<code>")
@signed_in
def goods_edit(code: str):
    """Show a product's form."""
    k = runtime().kiosk
    item = inventory.product(k, code)
    if item is None:
        return _not_found()
    form = {**item, "active": "on" if item["active"] else ""}
    return _page("admin/product.html", item=item, form=form, categories=inventory.categories(k))


@bp.post("/goods")
@signed_in
def goods_save():
    """Add or change a product; a price change is audited with the old price."""
    k = runtime().kiosk
    form = request.form
    code = form.get("code", "")
    existing = inventory.product(k, code.strip().upper()) if code.strip() else None
    if form.get("new") and existing is not None:
        return _page(
            "admin/product.html",
            400,
            item=None,
            form=form,
            categories=inventory.categories(k),
            error=_("A product with this code already exists."),
        )
    try:
        catalog.save_product(
            k,
            code,
            form.get("name", ""),
            form.get("points", ""),
            unit=form.get("unit", ""),
            category=form.get("category", ""),
            active=bool(form.get("active")),
            actor=actor(),
        )
    except DomainError as exc:
        return _page(
            "admin/product.html",
            400,
            item=existing,
            form=form,
            categories=inventory.categories(k),
            error=_problem(exc),
        )
    flash(_("Saved: {name}.", name=form.get("name", "").strip()), "ok")
    return redirect(url_for("admin.goods"))


@bp.post("/goods/<code>/active")
@signed_in
def goods_active(code: str):
    """Take a product off the screen, or offer it again."""
    k = runtime().kiosk
    item = inventory.product(k, code)
    if item is None:
        return _not_found()
    offer = request.form.get("active") == "1"
    catalog.save_product(
        k,
        item["code"],
        item["name"],
        item["points"],
        unit=item["unit"],
        category=item["category"],
        active=offer,
        actor=actor(),
    )
    flash(
        _("{name} is offered again.", name=item["name"])
        if offer
        else _("{name} is no longer offered.", name=item["name"]),
        "ok",
    )
    return redirect(url_for("admin.goods"))


# -- labels ---------------------------------------------------------------------------------------


def label_sheet_available() -> bool:
    """Tell whether this build can make label sheets."""
    try:
        from core import sheets
    except ImportError:
        return False
    return hasattr(sheets, "label_sheet")


@bp.get("/labels")
@signed_in
def labels():
    """Show the goods to print labels for."""
    return _page(
        "admin/labels.html",
        rows=[p for p in inventory.stock_list(runtime().kiosk) if p["active"]],
        available=label_sheet_available(),
        paper=runtime().settings.printer.paper_width,
    )


@bp.post("/labels/print")
@signed_in
def labels_print():
    """Print shelf labels on the receipt printer (58 or 80 mm roll)."""
    k = runtime().kiosk
    wanted = _wanted_labels()
    if not wanted:
        flash(_("Please choose at least one product."), "error")
        return redirect(url_for("admin.labels"))
    try:
        receipt_id = inventory.print_labels(k, wanted, actor=actor())
    except DomainError as exc:
        flash(_problem(exc), "error")
        return redirect(url_for("admin.labels"))
    count = sum(copies for _code, copies in wanted)
    if print_now(receipt_id):
        flash(_("{count} labels were printed on the receipt printer.", count=count), "ok")
    else:
        flash(
            _("The labels did not print. Check the printer, then reprint them from Receipts."),
            "error",
        )
    return redirect(url_for("admin.labels"))


def _wanted_labels() -> list[tuple[str, int]]:
    """Return the ticked products with their copies (1 to 100 each)."""
    wanted = []
    for code in request.form.getlist("code")[:200]:
        try:
            copies = min(max(int(request.form.get(f"copies-{code}", "1") or 1), 1), 100)
        except ValueError:
            copies = 1
        wanted.append((code, copies))
    return wanted


@bp.post("/labels")
@signed_in
def labels_pdf():
    """Make a PDF sheet of shelf labels to download and print."""
    k = runtime().kiosk
    wanted: list[dict[str, Any]] = []
    for code in request.form.getlist("code"):
        item = inventory.product(k, code)
        if item is None:
            continue
        try:
            copies = min(max(int(request.form.get(f"copies-{code}", "1") or 1), 1), 100)
        except ValueError:
            copies = 1
        wanted += [item] * copies
    if not wanted:
        flash(_("Please choose at least one product."), "error")
        return redirect(url_for("admin.labels"))
    if not label_sheet_available():
        flash(_("Label sheets are not available on this kiosk yet."), "error")
        return redirect(url_for("admin.labels"))
    from core import sheets

    specs = [_label_spec(sheets, item) for item in wanted]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "labels.pdf"
        sheets.label_sheet(specs, path)
        data = path.read_bytes()
    audit_log.record(k, "labels", "", actor=actor(), count=len(wanted))
    return send_file(
        io.BytesIO(data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"labels-{times.today(k).isoformat()}.pdf",
    )


def _label_spec(sheets: Any, item: dict[str, Any]) -> Any:
    """Return a label as core.sheets wants it: its LabelSpec if it has one, else a dict."""
    spec = getattr(sheets, "LabelSpec", None)
    if spec is None or not dataclasses.is_dataclass(spec):
        return item
    names = {f.name for f in dataclasses.fields(spec)}
    return spec(**{key: value for key, value in item.items() if key in names})
