"""Office pages: the goods catalogue and its prices; kiosks receive every change."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from sync.central.queries.products import catalogue
from sync.central.services.errors import RegistryError
from sync.central.services.goods import add_product, edit_product, set_product_active
from sync.central.states import Role
from sync.central.web.input import form_int
from sync.central.web.office.base import _, actor, bp, central, refusal, signed_in


@bp.get("/products")
@signed_in()
def products():
    """List the goods and their prices."""
    return render_template("office/products.html", products=catalogue(central()))


def _fields() -> tuple:
    f = request.form
    return (
        f.get("name", ""),
        f.get("category", ""),
        form_int(f.get("points", "")),
        f.get("unit", ""),
    )


@bp.post("/products")
@signed_in(Role.ADMIN, whole_programme=True)
def product_add():
    """Add a product to the catalogue."""
    try:
        code = add_product(central(), request.form.get("code", ""), *_fields(), actor=actor())
    except RegistryError as exc:
        flash(_("Not added: {reason}", reason=refusal(exc)), "error")
    else:
        flash(_("Product {code} added; kiosks receive it at their next sync.", code=code), "ok")
    return redirect(url_for("office.products"))


@bp.post("/products/<code>/edit")
@signed_in(Role.ADMIN, whole_programme=True)
def product_edit(code: str):
    """Change a product's name, category, price or unit."""
    try:
        edit_product(central(), code[:32], *_fields(), actor=actor())
    except RegistryError as exc:
        if exc.not_found:
            abort(404)
        flash(_("Not saved: {reason}", reason=refusal(exc)), "error")
    else:
        flash(_("Product {code} saved; kiosks receive it at their next sync.", code=code), "ok")
    return redirect(url_for("office.products"))


@bp.post("/products/<code>/active")
@signed_in(Role.ADMIN, whole_programme=True)
def product_active(code: str):
    """Withdraw a product from sale, or put it back on sale."""
    on_sale = request.form.get("active") == "1"
    try:
        set_product_active(central(), code[:32], on_sale, actor=actor())
    except RegistryError:
        abort(404)
    flash(
        _("Product {code} is on sale again.", code=code)
        if on_sale
        else _("Product {code} is withdrawn from sale.", code=code),
        "ok",
    )
    return redirect(url_for("office.products"))
