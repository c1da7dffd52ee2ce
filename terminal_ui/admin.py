"""The shopkeeper's admin screen at /admin: PIN sign-in, stock, goods, check-in, history, status."""

from __future__ import annotations

import dataclasses
import hmac
import io
import secrets
import tempfile
from datetime import date, datetime
from functools import wraps
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)

from kiosk.domain.errors import DomainError
from kiosk.services import admin as admin_service
from kiosk.services import catalog, checkin, printing, queries, shop, terminal
from terminal_ui.context import runtime
from terminal_ui.i18n import LANGUAGES, pick, translate

bp = Blueprint("admin", __name__, url_prefix="/admin")

IDLE_SECONDS = 600  # an admin session left alone this long signs itself out
PAGE = 50
SOURCES = ("donation", "purchase", "transfer")

# What the audit log's action and actor codes are called on the screen (message ids).
ACTIONS = {
    "login": "Signed in",
    "logout": "Signed out",
    "login_failed": "Wrong PIN",
    "login_refused_locked": "Sign-in while locked",
    "pin_locked": "PIN locked",
    "pin_set": "PIN set",
    "restock": "Goods received",
    "stocktake": "Stocktake",
    "void": "Exchange voided",
    "product_add": "Product added",
    "product_edit": "Product edited",
    "price_change": "Price changed",
    "checkin": "Checked in",
    "checkin_mode": "Terminal in check-in mode",
    "checkin_start": "Check-in started",
    "checkin_end": "Check-in ended",
    "checkout": "Exchange",
    "session_start": "Card shown",
    "session_cancel": "Exchange cancelled",
    "cart_set": "Cart changed",
    "beneficiary": "Taken for another member",
    "card_issue": "Card issued",
    "card_revoke": "Card cancelled",
    "household_register": "Household registered",
    "activity_define": "Activity defined",
    "reprint": "Receipt reprinted",
    "print_retry": "Receipt printed again",
    "print_dismiss": "Receipt taken off the list",
    "daily_summary": "Summary printed",
    "labels": "Labels made",
    "settings": "Settings changed",
}
ACTORS = {
    "admin": "Shopkeeper",
    "terminal": "Resident screen",
    "cli": "Command line",
    "demo": "Demo set-up",
}


# -- language, flash messages, errors -------------------------------------------------------------


def _(message: str, **params: object) -> str:
    """Translate a message into the admin page's language."""
    return translate(message, g.get("lang", "zh_CN"), **params)


def admin_language() -> str:
    """Return the admin page's language: ?lang=, the admin session, else the configured one."""
    default = pick(current_app.config.get("LANGUAGE", "zh_CN"))
    asked = request.args.get("lang") or session.get("lang")
    return pick(asked, default)


@bp.before_request
def _before() -> Response | None:
    g.lang = admin_language()
    if request.args.get("lang") in LANGUAGES and session.get("lang") != g.lang:
        session["lang"] = g.lang
    if request.method == "POST":
        sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token", "")
        expected = session.get("csrf", "")
        if not sent or not expected or not hmac.compare_digest(sent, expected):
            return _page(
                "admin/problem.html",
                400,
                title=_("The form has expired"),
                text=_("Please go back, reload the page and try again."),
            )
    return None


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers.setdefault("Cache-Control", "no-store")
    return response  # the security headers come from terminal_ui.security, as on every page


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "_": _,
        "lang": g.get("lang", "zh_CN"),
        "languages": LANGUAGES,
        "csrf_token": csrf_token,
        "action_label": lambda code: _(ACTIONS[code]) if code in ACTIONS else code,
        "actor_label": lambda code: _(ACTORS[code]) if code in ACTORS else code,
        "store": runtime().settings.kiosk.store,
        "signed_in": bool(session.get("admin")),
        "idle_seconds": idle_seconds(),
    }


def csrf_token() -> str:
    """Return the admin session's CSRF token, making one on first use."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


def idle_seconds() -> int:
    """Return how long an admin session may stay idle."""
    return int(current_app.config.get("ADMIN_IDLE_SECONDS", IDLE_SECONDS))


def _page(template: str, http_status: int = 200, **context: Any) -> Response:
    return make_response(render_template(template, **context), http_status)


def _problem(exc: DomainError) -> str:
    """Return a domain error's message in the page's language."""
    return _(exc.message, **exc.params)


def _now() -> datetime:
    return runtime().kiosk.clock.now()


# -- sign-in --------------------------------------------------------------------------------------


def signed_in(view=None, *, background: bool = False):
    """Require a signed-in shopkeeper whose session is neither idle too long nor ended.

    A background request (a page refreshing a list) does not count as use, and leaves the
    session cookie alone: answering it with a cookie could undo what a request made meanwhile
    (a note to show) wrote there.
    """

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not session.get("admin"):
                return redirect(url_for("admin.login"))
            k = runtime().kiosk
            seen = session.get("seen", "")
            try:
                idle = (_now() - datetime.fromisoformat(seen)).total_seconds()
            except (TypeError, ValueError):
                idle = float("inf")
            if session.get("epoch") != shop.session_epoch(k) or idle > idle_seconds():
                shop.record(k, "logout", reason="idle" if idle > idle_seconds() else "ended")
                _fresh_session()
                flash(_("You were signed out after a while without use."), "info")
                return redirect(url_for("admin.login"))
            if not background:
                session["seen"] = _now().isoformat()
            return view(*args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate


def _fresh_session() -> None:
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session["csrf"] = secrets.token_urlsafe(24)


@bp.get("/login")
def login():
    """Show the PIN pad, or how to set a PIN when none is set."""
    k = runtime().kiosk
    if not shop.pin_is_set(k):
        return _page("admin/no_pin.html", 503)
    if session.get("admin"):
        return redirect(url_for("admin.home"))
    return _page("admin/login.html", locked=shop.lock_seconds_left(k))


@bp.post("/login")
def login_submit():
    """Check the PIN; five wrong ones lock the screen for five minutes."""
    k = runtime().kiosk
    try:
        shop.check_pin(k, request.form.get("pin", ""))
    except shop.PinRefused as exc:
        if exc.code == "unset":
            return _page("admin/no_pin.html", 503)
        if exc.code == "locked":
            minutes = max(1, (exc.seconds_left + 59) // 60)
            error = _(
                "Too many wrong PINs. The admin screen is locked for {minutes} minutes.",
                minutes=minutes,
            )
        else:
            error = _("Wrong PIN. {tries} tries left.", tries=exc.tries_left)
        return _page("admin/login.html", 401, error=error, locked=shop.lock_seconds_left(k))
    _fresh_session()
    session["admin"] = True
    session["epoch"] = shop.session_epoch(k)
    session["seen"] = _now().isoformat()
    shop.record(k, "login")
    return redirect(url_for("admin.home"))


@bp.post("/logout")
def logout():
    """Sign out; the session cannot be used again."""
    k = runtime().kiosk
    if session.get("admin"):
        shop.record(k, "logout", reason="asked")
        shop.end_sessions(k)
    _fresh_session()
    flash(_("Signed out."), "info")
    return redirect(url_for("admin.login"))


# -- home, stock, status --------------------------------------------------------------------------


@bp.get("/")
@signed_in
def home():
    """Show the tiles, what needs attention and today's figures."""
    k = runtime().kiosk
    stock = shop.stock_list(k)
    return _page(
        "admin/home.html",
        low=[p for p in stock if p["low"]],
        figures=shop.day_figures(k, shop.today(k)),
        failed=shop.receipts(k, status="attention", limit=5),
        status=device_status(),
    )


@bp.get("/stock")
@signed_in
def stock():
    """Show every product's stock with low-stock warnings."""
    k = runtime().kiosk
    rows = shop.stock_list(k)
    return _page(
        "admin/stock.html",
        rows=rows,
        low_count=sum(1 for r in rows if r["low"]),
        level=shop.settings(k).low_stock,
    )


def device_status() -> dict[str, Any]:
    """Return the printer's, the camera's and sync's state for the screen."""
    rt = runtime()
    return {
        "printer": _printer_status(),
        "camera": _camera_status(),
        "sync": rt.sync.status.as_dict() if rt.sync is not None else None,
    }


def _printer_status() -> dict[str, Any]:
    rt = runtime()
    try:
        found = printing.printer_status(rt.kiosk, rt.printer, live=False)
    except Exception as exc:  # a broken driver must not take the admin screen down
        return {"state": "unknown", "detail": exc.__class__.__name__}
    if isinstance(found, dict):
        state = found.get("state") or found.get("status") or "unknown"
        return {**found, "state": state}
    return {"state": str(found)}


def _camera_status() -> dict[str, Any]:
    camera = getattr(runtime(), "camera", None)
    if camera is None:
        source = runtime().settings.camera.source
        return {"state": "simulated" if source == "sim" else "unknown", "source": source}
    status_of = getattr(camera, "status", None)
    try:
        found = status_of() if callable(status_of) else status_of
    except Exception as exc:
        return {"state": "unknown", "detail": exc.__class__.__name__}
    if dataclasses.is_dataclass(found) and not isinstance(found, type):
        found = dataclasses.asdict(found)
    if isinstance(found, dict):
        return {**found, "state": found.get("state") or found.get("status") or "unknown"}
    return {"state": str(found or "unknown")}


@bp.get("/status")
@signed_in
def status():
    """Show printer, camera and sync status, and the receipts that did not print."""
    k = runtime().kiosk
    return _page(
        "admin/status.html",
        status=device_status(),
        failed=shop.receipts(k, status="attention", limit=20),
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
        products=[p for p in shop.stock_list(k) if p["active"]],
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
        result = admin_service.restock(
            rt.kiosk,
            form.get("product_code", ""),
            form.get("qty", ""),
            form.get("source", ""),
            form.get("donor", ""),
            form.get("unit_value", ""),
            actor=shop.ADMIN,
        )
    except DomainError as exc:
        return _page(
            "admin/restock.html",
            400,
            products=[p for p in shop.stock_list(rt.kiosk) if p["active"]],
            chosen=form.get("product_code", ""),
            form=form,
            sources=SOURCES,
            error=_problem(exc),
        )
    printed = print_now(result.receipt_id)
    item = shop.product(rt.kiosk, result.product_code)
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


def print_now(receipt_id: int) -> bool:
    """Send a stored receipt to the printer; return True if it printed."""
    rt = runtime()
    # With the print worker running this waits a moment for it; without one it prints here.
    return bool(printing.print_receipt(rt.kiosk, rt.printer, receipt_id))


# -- goods ----------------------------------------------------------------------------------------


@bp.get("/goods")
@signed_in
def goods():
    """List every product, offered or not."""
    return _page("admin/goods.html", rows=shop.stock_list(runtime().kiosk))


@bp.get("/goods/new")
@signed_in
def goods_new():
    """Show an empty product form."""
    k = runtime().kiosk
    return _page(
        "admin/product.html",
        item=None,
        form={"unit": "件", "active": "on"},
        categories=shop.categories(k),
    )


@bp.get("/goods/<code>")
@signed_in
def goods_edit(code: str):
    """Show a product's form."""
    k = runtime().kiosk
    item = shop.product(k, code)
    if item is None:
        return _not_found()
    form = {**item, "active": "on" if item["active"] else ""}
    return _page("admin/product.html", item=item, form=form, categories=shop.categories(k))


@bp.post("/goods")
@signed_in
def goods_save():
    """Add or change a product; a price change is audited with the old price."""
    k = runtime().kiosk
    form = request.form
    code = form.get("code", "")
    existing = shop.product(k, code.strip().upper()) if code.strip() else None
    if form.get("new") and existing is not None:
        return _page(
            "admin/product.html",
            400,
            item=None,
            form=form,
            categories=shop.categories(k),
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
            actor=shop.ADMIN,
        )
    except DomainError as exc:
        return _page(
            "admin/product.html",
            400,
            item=existing,
            form=form,
            categories=shop.categories(k),
            error=_problem(exc),
        )
    flash(_("Saved: {name}.", name=form.get("name", "").strip()), "ok")
    return redirect(url_for("admin.goods"))


@bp.post("/goods/<code>/active")
@signed_in
def goods_active(code: str):
    """Take a product off the screen, or offer it again."""
    k = runtime().kiosk
    item = shop.product(k, code)
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
        actor=shop.ADMIN,
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
        from kiosk import sheets
    except ImportError:
        return False
    return hasattr(sheets, "label_sheet")


@bp.get("/labels")
@signed_in
def labels():
    """Show the goods to print labels for."""
    return _page(
        "admin/labels.html",
        rows=[p for p in shop.stock_list(runtime().kiosk) if p["active"]],
        available=label_sheet_available(),
    )


@bp.post("/labels")
@signed_in
def labels_pdf():
    """Make a PDF sheet of shelf labels to download and print."""
    k = runtime().kiosk
    wanted: list[dict[str, Any]] = []
    for code in request.form.getlist("code"):
        item = shop.product(k, code)
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
    from kiosk import sheets

    specs = [_label_spec(sheets, item) for item in wanted]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "labels.pdf"
        sheets.label_sheet(specs, path)
        data = path.read_bytes()
    shop.record(k, "labels", "", count=len(wanted))
    return send_file(
        io.BytesIO(data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"labels-{shop.today(k).isoformat()}.pdf",
    )


def _label_spec(sheets: Any, item: dict[str, Any]) -> Any:
    """Return a label as kiosk.sheets wants it: its LabelSpec if it has one, else a dict."""
    spec = getattr(sheets, "LabelSpec", None)
    if spec is None or not dataclasses.is_dataclass(spec):
        return item
    names = {f.name for f in dataclasses.fields(spec)}
    return spec(**{key: value for key, value in item.items() if key in names})


# -- activity check-in ----------------------------------------------------------------------------


@bp.get("/checkin")
@signed_in
def checkin_list():
    """Show the activities to check residents in to."""
    k = runtime().kiosk
    view = queries.session_view(k)
    return _page("admin/checkin_list.html", activities=shop.activities(k), terminal=view)


@bp.post("/checkin/start")
@signed_in
def checkin_start():
    """Put the terminal into check-in mode for an activity, so card scans credit it."""
    k = runtime().kiosk
    activity_id = request.form.get("activity_id", "")
    found = shop.activity_checkins(k, activity_id)
    if found is None:
        return _not_found()
    view = queries.session_view(k)
    if view["mode"] == "exchange" and not request.form.get("force"):
        flash(
            _("A resident is exchanging at the terminal. Start check-in when they have finished."),
            "error",
        )
        return redirect(url_for("admin.checkin_list"))
    try:
        terminal.scan(k, "EKA:" + found["code"])
    except DomainError as exc:
        flash(_problem(exc), "error")
        return redirect(url_for("admin.checkin_list"))
    shop.record(k, "checkin_start", found["id"])
    return redirect(url_for("admin.checkin_page", activity_id=found["id"]))


@bp.get("/checkin/<activity_id>")
@signed_in
def checkin_page(activity_id: str):
    """Show the check-in screen: a scan field and each credit as it happens."""
    k = runtime().kiosk
    found = shop.activity_checkins(k, activity_id)
    if found is None:
        return _not_found()
    view = queries.session_view(k)
    return _page(
        "admin/checkin.html",
        activity=found,
        live=view["mode"] == "checkin" and (view["activity"] or {}).get("id") == activity_id,
        demo_cards=current_app.config.get("DEMO_CARDS", []),
    )


@bp.get("/checkin/<activity_id>/list")
@signed_in(background=True)
def checkin_rows(activity_id: str):
    """Return the check-in list as HTML, for the live refresh."""
    found = shop.activity_checkins(runtime().kiosk, activity_id)
    if found is None:
        return _not_found()
    return _page("admin/_checkins.html", activity=found)


@bp.post("/checkin/<activity_id>/scan")
@signed_in
def checkin_scan(activity_id: str):
    """Credit the resident whose card was scanned (or typed); a second check-in is refused."""
    k = runtime().kiosk
    code = request.form.get("code", "").strip()
    try:
        credit = checkin.check_in(k, activity_id, card_code=code, actor=shop.ADMIN)
    except DomainError as exc:
        flash(_problem(exc), "error")
    else:
        printed = print_now(credit["receipt_id"])
        flash(
            _(
                "Checked in: {resident} ({household}) +{points} points, balance {balance}.",
                **{key: credit[key] for key in ("resident", "household", "points", "balance")},
            ),
            "ok",
        )
        if not printed:
            flash(_("The slip could not be printed; reprint it from Receipts."), "error")
    return redirect(url_for("admin.checkin_page", activity_id=activity_id))


@bp.post("/checkin/end")
@signed_in
def checkin_end():
    """Take the terminal out of check-in mode."""
    k = runtime().kiosk
    if queries.session_view(k)["mode"] == "checkin":
        terminal.cancel(k)
        shop.record(k, "checkin_end")
    flash(_("Check-in has ended."), "ok")
    return redirect(url_for("admin.checkin_list"))


# -- history, void, receipts ----------------------------------------------------------------------


def _page_number() -> int:
    try:
        return min(max(int(request.args.get("page", "1")), 1), 10_000)
    except ValueError:
        return 1


def _day_arg(name: str = "day") -> date | None:
    text = request.args.get(name, "").strip()
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@bp.get("/history")
@signed_in
def history():
    """Show exchanges, newest first, searchable by number, household or resident."""
    k = runtime().kiosk
    page = _page_number()
    query = request.args.get("q", "")[:60]
    day = _day_arg()
    rows, total = shop.exchange_history(k, query, day, limit=PAGE, offset=(page - 1) * PAGE)
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
    found = shop.exchange_detail(runtime().kiosk, ref[:60])
    if found is None:
        return _not_found()
    return _page("admin/exchange.html", x=found)


@bp.post("/exchanges/<ref>/void")
@signed_in
def exchange_void(ref: str):
    """Void an exchange: points and stock return, and a reversal receipt prints."""
    k = runtime().kiosk
    try:
        result = admin_service.void_exchange(
            k, ref[:60], request.form.get("reason", ""), actor=shop.ADMIN
        )
    except DomainError as exc:
        found = shop.exchange_detail(k, ref[:60])
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
        rows=shop.receipts(runtime().kiosk, status=status_filter, limit=100),
        status_filter=status_filter or "",
    )


@bp.get("/receipts/<int:receipt_id>")
@signed_in
def receipt(receipt_id: int):
    """Show a receipt as printed."""
    found = shop.receipt_text(runtime().kiosk, receipt_id) if receipt_id < 2**63 else None
    if found is None:
        return _not_found()
    return _page("admin/receipt.html", r=found)


@bp.get("/receipts/<int:receipt_id>/preview.png")
@signed_in
def receipt_preview(receipt_id: int):
    """Draw a receipt from its exact ESC/POS bytes: the text and the QR code, as printed."""
    from flask import Response

    if receipt_id >= 2**63 or shop.receipt_text(runtime().kiosk, receipt_id) is None:
        return _not_found()
    png = printing.preview_png(runtime().kiosk, receipt_id)
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
    found = shop.receipt_text(k, receipt_id) if receipt_id < 2**63 else None
    if found is None:
        return _not_found()
    try:
        if how == "retry":  # the same receipt, which never printed whole
            printing.retry(k, receipt_id, shop.ADMIN)
            job = receipt_id
        else:  # a copy marked as reprinted
            job = printing.reprint(k, receipt_id, shop.ADMIN)
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
    if receipt_id >= 2**63 or shop.receipt_text(k, receipt_id) is None:
        return _not_found()
    printing.dismiss(k, receipt_id, shop.ADMIN)
    target = request.form.get("next", "")
    return redirect(target if target.startswith("/admin/") else url_for("admin.receipts"))


# -- summary, audit, settings ---------------------------------------------------------------------


@bp.get("/summary")
@signed_in
def summary():
    """Show one day's figures."""
    k = runtime().kiosk
    day = _day_arg() or shop.today(k)
    return _page("admin/summary.html", f=shop.day_figures(k, day), day=day.isoformat())


@bp.post("/summary/print")
@signed_in
def summary_print():
    """Print the day's summary slip."""
    k = runtime().kiosk
    try:
        day = date.fromisoformat(request.form.get("day", ""))
    except ValueError:
        day = shop.today(k)
    printed = print_now(printing.daily_summary(k, day, shop.ADMIN))
    flash(
        _("The summary was printed.") if printed else _("The summary could not be printed."),
        "ok" if printed else "error",
    )
    return redirect(url_for("admin.summary", day=day.isoformat()))


@bp.get("/audit")
@signed_in
def audit():
    """Show the audit log, newest first."""
    k = runtime().kiosk
    page = _page_number()
    action = request.args.get("action", "")[:40]
    mine = request.args.get("mine") == "1"
    rows, total = shop.audit_log(
        k, action=action, admin_only=mine, limit=PAGE, offset=(page - 1) * PAGE
    )
    return _page(
        "admin/audit.html",
        rows=rows,
        total=total,
        page=page,
        pages=max(1, (total + PAGE - 1) // PAGE),
        action=action,
        mine=mine,
        actions=shop.audit_actions(k),
    )


@bp.get("/settings")
@signed_in
def settings():
    """Show the screen settings and the PIN change form."""
    return _page("admin/settings.html", s=_settings_view())


def _settings_view() -> dict[str, Any]:
    current = shop.settings(runtime().kiosk)
    voice = current.voice
    if voice is None:
        voice = bool(current_app.config.get("VOICE_DEFAULT", True))
    return {"voice": voice, "low_stock": current.low_stock}


@bp.post("/settings")
@signed_in
def settings_save():
    """Store the screen settings."""
    try:
        shop.save_settings(
            runtime().kiosk,
            voice=request.form.get("voice") == "on",
            low_stock=request.form.get("low_stock", ""),
        )
    except DomainError as exc:
        return _page("admin/settings.html", 400, s=_settings_view(), error=_problem(exc))
    flash(_("Settings saved."), "ok")
    return redirect(url_for("admin.settings"))


@bp.post("/pin")
@signed_in
def pin_change():
    """Change the PIN; the current one must be given, and the new one twice."""
    k = runtime().kiosk
    new = request.form.get("new_pin", "")
    if new != request.form.get("new_pin_again", ""):
        error = _("The two new PINs are not the same.")
    else:
        try:
            shop.change_pin(k, request.form.get("current_pin", ""), new)
        except shop.PinRefused as exc:
            error = {
                "bad": _("A PIN has 4 to 12 digits."),
                "locked": _("Too many wrong PINs. Please wait a few minutes."),
            }.get(exc.code, _("The current PIN is wrong."))
        else:
            _fresh_session()
            session["admin"] = True
            session["epoch"] = shop.session_epoch(k)
            session["seen"] = _now().isoformat()
            flash(_("The PIN was changed."), "ok")
            return redirect(url_for("admin.settings"))
    return _page("admin/settings.html", 400, s=_settings_view(), pin_error=error)


def _not_found() -> Response:
    return _page(
        "admin/problem.html",
        404,
        title=_("Not found."),
        text=_("It may have been removed. Please go back."),
    )
