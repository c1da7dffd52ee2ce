"""History of exchanges, voids, and the receipt queue."""

from __future__ import annotations

from flask import (
    Response,
    flash,
    redirect,
    request,
    url_for,
)

from core.domain.errors import DomainError
from kiosk.services import admin as admin_service
from kiosk.services import lookups, print_jobs, receipt_images
from terminal_ui.admin.base import (
    PAGE,
    _,
    _day_arg,
    _not_found,
    _page,
    _page_number,
    _problem,
    actor,
    bp,
    print_now,
    signed_in,
)
from terminal_ui.context import runtime

# -- history, void, receipts ----------------------------------------------------------------------


@bp.get("/history")
@signed_in
def history():
    """Show exchanges, newest first, searchable by number, household or resident."""
    k = runtime().kiosk
    page = _page_number()
    query = request.args.get("q", "")[:60]
    day = _day_arg()
    rows, total = lookups.exchange_history(k, query, day, limit=PAGE, offset=(page - 1) * PAGE)
    return _page(
        "admin/history.html",
        rows=rows,
        total=total,
        page=page,
        pages=max(1, (total + PAGE - 1) // PAGE),
        q=query,
        day=day.isoformat() if day else "",
    )


@bp.get("/exchanges/<ref>")
@signed_in
def exchange(ref: str):
    """Show one exchange, with void and reprint."""
    found = lookups.exchange_detail(runtime().kiosk, ref[:60])
    if found is None:
        return _not_found()
    return _page("admin/exchange.html", x=found)


@bp.post("/exchanges/<ref>/void")
@signed_in
def exchange_void(ref: str):
    """Void an exchange: first show what will come back and ask again; once confirmed, points
    and stock return and a reversal receipt prints."""
    k = runtime().kiosk
    reason = request.form.get("reason", "")
    if request.form.get("confirm") != "1":
        try:
            exchange_id = admin_service.void_preview(k, ref[:60], reason)
        except DomainError as exc:
            found = lookups.exchange_detail(k, ref[:60])
            if found is None:
                return _not_found()
            return _page("admin/exchange.html", 400, x=found, error=_problem(exc))
        return _page(
            "admin/void_confirm.html", x=lookups.exchange_detail(k, exchange_id), reason=reason
        )
    try:
        result = admin_service.void_exchange(
            k, ref[:60], request.form.get("reason", ""), actor=actor()
        )
    except DomainError as exc:
        found = lookups.exchange_detail(k, ref[:60])
        if found is None:
            return _not_found()
        return _page("admin/exchange.html", 400, x=found, error=_problem(exc))
    printed = print_now(result.receipt_id)
    flash(
        _(
            "Exchange {number} voided: {points} points returned, balance now {balance}.",
            number=result.number,
            points=result.points_returned,
            balance=result.balance_after,
        ),
        "ok",
    )
    if not printed:
        flash(_("The reversal receipt could not be printed; reprint it below."), "error")
    return redirect(url_for("admin.exchange", ref=result.exchange_id))


@bp.get("/receipts")
@signed_in
def receipts():
    """Show the latest receipts with their print state."""
    wanted = request.args.get("status", "")
    status_filter = wanted if wanted in ("attention", "pending", "printed") else None
    return _page(
        "admin/receipts.html",
        rows=lookups.receipts(runtime().kiosk, status=status_filter, limit=100),
        status_filter=status_filter or "",
    )


@bp.get("/receipts/<int:receipt_id>")
@signed_in
def receipt(receipt_id: int):
    """Show a receipt as printed."""
    found = lookups.receipt_text(runtime().kiosk, receipt_id) if receipt_id < 2**63 else None
    if found is None:
        return _not_found()
    return _page("admin/receipt.html", r=found)


@bp.get("/receipts/<int:receipt_id>/preview.png")
@signed_in
def receipt_preview(receipt_id: int):
    """Draw a receipt from its exact ESC/POS bytes: the text and the QR code, as printed."""
    from flask import Response

    if receipt_id >= 2**63 or lookups.receipt_text(runtime().kiosk, receipt_id) is None:
        return _not_found()
    png = receipt_images.preview_png(runtime().kiosk, receipt_id)
    return Response(png, mimetype="image/png", headers={"Cache-Control": "private, max-age=60"})


@bp.post("/receipts/<int:receipt_id>/reprint")
@signed_in
def receipt_reprint(receipt_id: int):
    """Print a receipt again, marked as a copy where the print queue supports it."""
    return _send_again(receipt_id, "reprint")


@bp.post("/receipts/<int:receipt_id>/retry")
@signed_in
def receipt_retry(receipt_id: int):
    """Try a receipt that failed to print once more."""
    return _send_again(receipt_id, "retry")


def _send_again(receipt_id: int, how: str) -> Response:
    k = runtime().kiosk
    found = lookups.receipt_text(k, receipt_id) if receipt_id < 2**63 else None
    if found is None:
        return _not_found()
    try:
        if how == "retry":  # the same receipt, which never printed whole
            print_jobs.retry(k, receipt_id, actor())
            job = receipt_id
        else:  # a copy marked as reprinted
            job = print_jobs.reprint(k, receipt_id, actor())
    except DomainError as exc:
        flash(_problem(exc), "error")
    else:
        printed = print_now(job)
        flash(
            _("Receipt {number} was printed.", number=found["number"])
            if printed
            else _("Receipt {number} could not be printed.", number=found["number"]),
            "ok" if printed else "error",
        )
    target = request.form.get("next", "")
    if not target.startswith("/admin/"):
        target = url_for("admin.receipts")
    return redirect(target)


@bp.post("/receipts/<int:receipt_id>/dismiss")
@signed_in
def receipt_dismiss(receipt_id: int):
    """Take a receipt that did not print off the list without printing it."""
    k = runtime().kiosk
    if receipt_id >= 2**63 or lookups.receipt_text(k, receipt_id) is None:
        return _not_found()
    print_jobs.dismiss(k, receipt_id, actor())
    target = request.form.get("next", "")
    return redirect(target if target.startswith("/admin/") else url_for("admin.receipts"))
