"""The office web: sign-in with roles, records, cards, activities, kiosks, alerts, reports."""

from __future__ import annotations

import hmac
import io
import math
import secrets
import tempfile
from datetime import date, datetime
from functools import wraps
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from sqlalchemy import func, or_, select

from core.i18n import pick
from sync.central import charts, localtime, reports, stats, totals, users
from sync.central.adjustments import adjust_points
from sync.central.export import table_response
from sync.central.imports import parse_roster
from sync.central.limits import retry_after
from sync.central.models import (
    Activity,
    Adjustment,
    Alert,
    Card,
    CheckIn,
    CheckinTotal,
    Household,
    LedgerEntry,
    Resident,
    Store,
    UncountedEntry,
)
from sync.central.registry import (
    RegistryError,
    add_roster,
    award,
    confirm_card,
    define_activity,
    issue_cards,
    revoke_card,
    set_allowance,
)
from sync.central.users import LoginRefused, SignedIn
from sync.central.web_input import holds_nul, page_number, record_id, same_site_path

bp = Blueprint(
    "office",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/office-static",
)
PAGE = 50
ROSTER_MAX_BYTES = 8 * 2**20  # about 100,000 residents
AWARD_MAX_BYTES = 2 * 2**20
# What browsers send for a .csv file (Windows with Excel says vnd.ms-excel).
CSV_TYPES = {
    "",
    "text/csv",
    "text/plain",
    "application/csv",
    "application/vnd.ms-excel",
    "application/octet-stream",
}


def central():
    """Return the central server this app serves."""
    return current_app.extensions["central"]


def _(message: str, **params) -> str:
    """Translate an office message into the page's language."""
    from sync.central.i18n import translate

    return translate(message, g.get("lang", "zh_CN"), **params)


@bp.before_app_request
def _language() -> None:
    g.lang = pick(request.args.get("lang") or request.cookies.get("lang"))


@bp.app_context_processor
def _helpers():
    user = current_user()
    return {
        "_": _,
        "lang": g.get("lang", "zh_CN"),
        "user": user.username if user else None,
        "role": user.role if user else None,
        "csrf_token": _csrf_token,
    }


def current_user() -> SignedIn | None:
    """Return the office user this request's session signs in, as the database holds them now.

    The cookie carries only a session token: sign-out, a new password, a new role or
    deactivation end the session on the server, and a copy of the cookie with it.
    """
    if "office_user" not in g:
        token = session.get("sid")
        found = None
        if token:
            idle = current_app.permanent_session_lifetime
            found = users.session_user(central(), token, idle=idle)
            if found is None:
                session.pop("sid", None)  # ended elsewhere: stop sending it
        g.office_user = found
    return g.office_user


def _actor() -> str:
    """Name the signed-in user for the audit log."""
    return current_user().username


def _csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


@bp.before_app_request
def _refuse_nul() -> None:
    # Before the CSRF check: that reads the form, and a NUL in it is refused alike.
    if not request.path.startswith("/api/") and holds_nul(request):
        abort(400, description=_("The request holds a character that cannot be used (NUL)."))


@bp.before_app_request
def _check_csrf() -> None:
    if request.method == "POST" and not request.path.startswith("/api/"):
        # As bytes: compare_digest refuses str with characters beyond ASCII (a 500 otherwise).
        sent = request.form.get("csrf_token", "").encode("utf-8", "replace")
        expected = session.get("csrf", "").encode("utf-8", "replace")
        if not sent or not hmac.compare_digest(sent, expected):
            abort(
                400, description=_("The form has expired: go back, reload the page and try again.")
            )


def signed_in(role: str = "viewer"):
    """Require a signed-in office user of at least the given role."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = current_user()
            if user is None:
                return redirect(url_for("office.login_page", next=request.path))
            if role == "admin" and user.role != "admin":
                abort(403, description=_("Your account may only read."))
            return view(*args, **kwargs)

        return wrapper

    return decorate


# -- sign-in ------------------------------------------------------------------------------------


@bp.get("/login")
def login_page():
    """Show the sign-in form."""
    return render_template("office/login.html")


@bp.post("/login")
def login_submit():
    """Sign in, or say why not; too many failures from one address are refused for a while."""
    failures = current_app.extensions["limits"].login_failures
    address = request.remote_addr or "?"
    wait = failures.peek(address)
    if wait:
        message = _(
            "Too many failed sign-ins from this computer: try again in {minutes} minute(s).",
            minutes=max(1, math.ceil(wait / 60)),
        )
        page = render_template("office/login.html", error=message)
        return page, 429, {"Retry-After": retry_after(wait)}
    try:
        _user, token = users.login(
            central(),
            request.form.get("username", ""),
            request.form.get("password", ""),
            idle=current_app.permanent_session_lifetime,
        )
    except LoginRefused as exc:
        failures.take(address)
        message = (
            _("Too many wrong passwords: the account is locked for 5 minutes.")
            if exc.code == "locked"
            else _("Wrong user name or password.")
        )
        return render_template("office/login.html", error=message), 401
    # End any session this browser held and start a fresh cookie: nothing planted before
    # sign-in (a CSRF token, say) carries over into the signed-in session.
    users.logout(central(), session.get("sid"))
    session.clear()
    session.permanent = True
    session["sid"] = token
    target = same_site_path(request.args.get("next"))
    return redirect(target or url_for("office.dashboard"))


@bp.post("/logout")
def logout():
    """Sign out: the session ends on the server, so a copy of the cookie stops working too."""
    users.logout(central(), session.get("sid"))
    session.clear()
    return redirect(url_for("office.login_page"))


# -- dashboard ----------------------------------------------------------------------------------


@bp.get("/")
@signed_in()
def dashboard():
    """Show the programme's figures, per store and per month, with charts."""
    c = central()
    figures = stats.stats(c)
    months = reports.monthly(c)[-12:]
    donors = reports.donors(c)[:10]
    labels = [m["month"][2:] for m in months]
    chart_points = charts.bars(
        labels, [m["points_redeemed"] for m in months], title=_("Points redeemed per month")
    )
    chart_issued = charts.bars(
        labels,
        [m["points_issued"] for m in months],
        colour="#0d47a1",
        title=_("Points issued per month"),
    )
    chart_donors = charts.bars(
        [d["donor"][:6] for d in donors],
        [int(d["value_yuan"]) for d in donors],
        colour="#6a1b9a",
        title=_("Donated value by donor (yuan)"),
    )
    return render_template(
        "office/dashboard.html",
        figures=figures,
        months=months,
        donors=donors,
        chart_points=chart_points,
        chart_issued=chart_issued,
        chart_donors=chart_donors,
    )


# -- households, residents, cards ---------------------------------------------------------------


@bp.get("/households")
@signed_in()
def households():
    """List households, searchable by name, member or id."""
    q = request.args.get("q", "").strip()[:40]
    page = request.args.get("page", 1, type=page_number)
    with central().uow(write=False) as uow:
        s = uow.session
        stmt = select(Household)
        if q:
            like = f"%{q}%"
            members = select(Resident.household_id).where(Resident.name.like(like))
            stmt = stmt.where(
                or_(Household.name.like(like), Household.id == q, Household.id.in_(members))
            )
        total = s.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = s.scalars(stmt.order_by(Household.id).offset((page - 1) * PAGE).limit(PAGE)).all()
        found = [{"id": h.id, "name": h.name, "balance": h.balance} for h in rows]
    return render_template(
        "office/households.html",
        households=found,
        q=q,
        page=page,
        pages=max((total + PAGE - 1) // PAGE, 1),
        total=total,
    )


@bp.get("/households/<household_id>")
@signed_in()
def household(household_id: str):
    """Show a household: members, cards, and its recent entries."""
    with central().uow(write=False) as uow:
        s = uow.session
        h = s.get(Household, household_id[:40])
        if h is None:
            abort(404)
        members = s.scalars(
            select(Resident).where(Resident.household_id == h.id).order_by(Resident.id)
        ).all()
        cards = {}
        for card in s.scalars(select(Card).where(Card.resident_id.in_([m.id for m in members]))):
            cards.setdefault(card.resident_id, []).append(
                {
                    "id": card.id,
                    "status": card.status,
                    "issued_at": card.issued_at,
                    "issued_by": card.issued_by,
                    "provisional": card.status == "active" and card.bound_store_id is not None,
                }
            )
        entries = s.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.household_id == h.id)
            .order_by(LedgerEntry.created_at.desc())
            .limit(50)
        ).all()
        reasons = dict(
            s.execute(
                select(Adjustment.id, Adjustment.reason).where(
                    Adjustment.id.in_([e.ref for e in entries if e.kind == "adjust"])
                )
            ).all()
        )
        refused = s.scalars(
            select(UncountedEntry)
            .where(UncountedEntry.household_id == h.id, UncountedEntry.role == "refused")
            .order_by(UncountedEntry.received_at.desc())
            .limit(20)
        ).all()
        view = {
            "id": h.id,
            "name": h.name,
            "balance": h.balance,
            "members": [
                {"id": m.id, "name": m.name, "phone": m.phone, "cards": cards.get(m.id, [])}
                for m in members
            ],
            "entries": [
                {
                    "at": e.created_at,
                    "kind": e.kind,
                    "points": e.points,
                    "kiosk": e.kiosk_id,
                    "ref": e.ref,
                    "reason": reasons.get(e.ref, ""),
                }
                for e in entries
            ],
            "refused": [
                {
                    "at": u.created_at,
                    "kind": u.kind,
                    "points": u.points,
                    "kiosk": u.kiosk_id,
                    "reason": u.reason,
                    "reversed": u.reversed_by is not None,
                }
                for u in refused
            ],
        }
    return render_template("office/household.html", h=view)


@bp.post("/households/import")
@signed_in("admin")
def import_roster():
    """Import a roster CSV (household, resident, phone, opening_points): all rows or none."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a CSV file first."), "error")
        return redirect(url_for("office.households"))
    _check_upload(upload, ROSTER_MAX_BYTES)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "roster.csv"
        upload.save(path)
        try:
            parsed = parse_roster(path)
        except ValueError as exc:
            flash(str(exc), "error")
            return redirect(url_for("office.households"))
    if parsed.problems and not request.form.get("skip_bad"):
        for problem in parsed.problems[:50]:
            flash(problem, "error")
        flash(_("Nothing was imported: fix the rows above, or tick 'skip bad rows'."), "error")
        return redirect(url_for("office.households"))
    added_h, added_r = add_roster(central(), parsed.rows, actor=_actor())
    flash(
        _(
            "{households} households and {residents} residents added.",
            households=added_h,
            residents=added_r,
        ),
        "ok",
    )
    return redirect(url_for("office.households"))


def _check_upload(upload, limit: int) -> None:
    """Refuse an upload that is not UTF-8 CSV (415) or is bigger than the limit (413)."""
    kind = (upload.mimetype or "").lower()
    if not upload.filename.lower().endswith(".csv") or kind not in CSV_TYPES:
        abort(415, description=_("Only CSV files (UTF-8) can be imported here."))
    upload.stream.seek(0, io.SEEK_END)
    size = upload.stream.tell()
    upload.stream.seek(0)
    if size > limit:
        abort(413, description=_("The file is too large: at most {mb} MB.", mb=limit // 2**20))
    try:
        text = upload.stream.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        text = "\x00"
    if "\x00" in text:  # not text (UTF-16 from a spreadsheet is full of NULs); nor storable
        abort(415, description=_("The file is not UTF-8 text: save it as CSV UTF-8."))
    upload.stream.seek(0)


def _card_pdf(issued, name: str):
    from core.sheets import CardSpec, card_sheet

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cards.pdf"
        card_sheet(
            [CardSpec(code=c.code, resident=c.resident, household=c.household) for c in issued],
            path,
        )
        data = path.read_bytes()
    return send_file(
        io.BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=name
    )


@bp.post("/cards/issue")
@signed_in("admin")
def cards_issue():
    """Issue cards to every resident without one; download the sheet (the only copy)."""
    issued = issue_cards(central(), actor=_actor())
    if not issued:
        flash(_("Every resident already has a card."), "ok")
        return redirect(url_for("office.households"))
    return _card_pdf(issued, f"cards-{localtime.today(_zone()).isoformat()}.pdf")


@bp.post("/residents/<resident_id>/reissue")
@signed_in("admin")
def card_reissue(resident_id: str):
    """Replace a resident's card (the old one stops working); download the new card."""
    issued = issue_cards(central(), [resident_id[:40]], reissue=True, actor=_actor())
    if not issued:
        abort(404)
    return _card_pdf(issued, f"card-{resident_id}.pdf")


@bp.post("/residents/<resident_id>/revoke")
@signed_in("admin")
def card_revoke(resident_id: str):
    """Revoke a resident's card."""
    with central().uow(write=False) as uow:
        person = uow.session.get(Resident, resident_id[:40])
        if person is None:
            abort(404)
        person_id, household_id = person.id, person.household_id  # read before the session ends
    count = revoke_card(central(), person_id, _actor())
    flash(_("{count} card(s) revoked.", count=count), "ok")
    return redirect(url_for("office.household", household_id=household_id))


@bp.post("/households/<household_id>/adjust")
@signed_in("admin")
def household_adjust(household_id: str):
    """Correct a household's points with a reason: a counter-entry, never an edit."""
    points = request.form.get("points", "").strip()
    try:
        done = adjust_points(
            central(),
            household_id[:40],
            int(points) if points.lstrip("-").isdigit() and len(points) < 10 else points,
            request.form.get("reason", ""),
            _actor(),
        )
    except RegistryError as exc:
        if str(exc).startswith("no household"):
            abort(404)
        flash(_("Not adjusted: {reason}", reason=_(str(exc))), "error")
    else:
        flash(
            _(
                "Adjusted by {points} points; the balance is now {balance}.",
                points=f"{done.points:+d}",
                balance=done.balance,
            ),
            "ok",
        )
    return redirect(url_for("office.household", household_id=household_id[:40]))


@bp.post("/cards/<int:card_id>/confirm")
@signed_in("admin")
def card_confirm(card_id: int):
    """Let a card issued at a kiosk work at every store."""
    with central().uow(write=False) as uow:
        card = uow.session.get(Card, card_id)
        if card is None:
            abort(404)
        household_id = uow.session.scalar(
            select(Resident.household_id).where(Resident.id == card.resident_id)
        )
    try:
        confirm_card(central(), card_id, _actor())
    except RegistryError:
        abort(404)
    flash(_("The card now works at every store."), "ok")
    return redirect(url_for("office.household", household_id=household_id))


# -- activities ---------------------------------------------------------------------------------


@bp.get("/activities")
@signed_in()
def activities():
    """List activities with their participation, newest first, a page at a time."""
    page = request.args.get("page", 1, type=page_number)
    with central().uow(write=False) as uow:
        s = uow.session
        total = s.scalar(select(func.count()).select_from(Activity)) or 0
        shown = s.scalars(
            select(Activity)
            .order_by(Activity.day.desc(), Activity.id)
            .offset((page - 1) * PAGE)
            .limit(PAGE)
        ).all()
        counts = dict(
            s.execute(
                select(CheckinTotal.activity_id, func.sum(CheckinTotal.checkins))
                .where(CheckinTotal.activity_id.in_([a.id for a in shown]))
                .group_by(CheckinTotal.activity_id)
            ).all()
        )
        rows = [
            {
                "id": a.id,
                "code": a.code,
                "name": a.name,
                "type": a.type,
                "day": a.day,
                "points": a.points,
                "cap": a.cap,
                "participants": int(counts.get(a.id, 0)),
            }
            for a in shown
        ]
    return render_template(
        "office/activities.html",
        activities=rows,
        today=localtime.today(_zone()),
        page=page,
        pages=max((total + PAGE - 1) // PAGE, 1),
    )


@bp.post("/activities")
@signed_in("admin")
def activity_define():
    """Define an activity; kiosks learn of it from the feed."""
    f = request.form
    try:
        day = date.fromisoformat(f.get("day", ""))
        points = int(f.get("points", ""))
        cap = int(f["cap"]) if f.get("cap", "").strip() else None
        define_activity(
            central(),
            f.get("code", ""),
            f.get("name", ""),
            f.get("type", ""),
            day,
            points,
            cap,
            actor=_actor(),
        )
    except (ValueError, RegistryError) as exc:
        flash(str(exc), "error")
    else:
        flash(_("Activity defined."), "ok")
    return redirect(url_for("office.activities"))


@bp.get("/activities/<activity_id>")
@signed_in()
def activity(activity_id: str):
    """Show an activity, who took part, and a form to award points."""
    q = request.args.get("q", "").strip()[:40]
    with central().uow(write=False) as uow:
        s = uow.session
        a = s.get(Activity, activity_id[:40])
        if a is None:
            abort(404)
        done = s.execute(
            select(CheckIn, Resident)
            .join(Resident, Resident.id == CheckIn.resident_id)
            .where(CheckIn.activity_id == a.id)
            .order_by(CheckIn.created_at)
        ).all()
        candidates = []
        if q:
            candidates = s.execute(
                select(Resident, Household)
                .join(Household, Household.id == Resident.household_id)
                .where(
                    or_(
                        Resident.name.like(f"%{q}%"),
                        Household.name.like(f"%{q}%"),
                        Resident.id == q,
                    )
                )
                .limit(100)
            ).all()
        view = {
            "id": a.id,
            "name": a.name,
            "code": a.code,
            "points": a.points,
            "cap": a.cap,
            "day": a.day,
            "type": a.type,
            "participants": [
                {
                    "resident": r.name,
                    "id": r.id,
                    "at": ci.created_at,
                    "kiosk": ci.kiosk_id or _("office"),
                }
                for ci, r in done
            ],
            "candidates": [
                {"id": r.id, "name": r.name, "household": h.name} for r, h in candidates
            ],
        }
    return render_template("office/activity.html", a=view, q=q)


@bp.post("/activities/<activity_id>/award")
@signed_in("admin")
def activity_award(activity_id: str):
    """Award an activity's points to picked residents or to those listed in a CSV."""
    ids = [r[:40] for r in request.form.getlist("resident")]
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        _check_upload(upload, AWARD_MAX_BYTES)
        text = upload.read().decode("utf-8-sig")
        for line in text.splitlines():
            first = line.split(",")[0].strip()
            if first and first.lower() not in ("resident", "resident_id"):
                ids.append(first[:40])
    if not ids:
        flash(_("Pick residents or upload a CSV of resident ids."), "error")
        return redirect(url_for("office.activity", activity_id=activity_id))
    try:
        result = award(central(), activity_id, ids, _actor())
    except RegistryError as exc:
        flash(str(exc), "error")
    else:
        flash(
            _(
                "{credited} credited, {skipped} skipped "
                "(already credited, unknown or over the cap).",
                credited=len(result["credited"]),
                skipped=len(result["skipped"]),
            ),
            "ok",
        )
    return redirect(url_for("office.activity", activity_id=activity_id))


# -- stores, kiosks, alerts ---------------------------------------------------------------------


@bp.get("/kiosks")
@signed_in()
def kiosks():
    """Show every store and kiosk: last sync, backlog, version, printer and camera."""
    with central().uow(write=False) as uow:
        stores = [
            {"id": st.id, "name": st.name, "allowance": st.offline_allowance}
            for st in uow.session.scalars(select(Store).order_by(Store.name))
        ]
    return render_template("office/kiosks.html", kiosks=reports.kiosks(central()), stores=stores)


@bp.post("/stores/<int:store_id>/allowance")
@signed_in("admin")
def store_allowance(store_id: int):
    """Change a store's offline allowance."""
    with central().uow(write=False) as uow:
        store = uow.session.get(Store, store_id)
        if store is None:
            abort(404)
        name = store.name
    try:
        set_allowance(central(), name, int(request.form.get("allowance", "")), _actor())
    except (ValueError, RegistryError) as exc:
        flash(str(exc), "error")
    else:
        flash(_("Allowance saved; the store's kiosks learn it at their next sync."), "ok")
    return redirect(url_for("office.kiosks"))


@bp.get("/alerts")
@signed_in()
def alerts():
    """List open overdrafts, chain gaps and tampering."""
    return render_template("office/alerts.html", alerts=reports.alerts(central()))


@bp.post("/alerts/<int:alert_id>/resolve")
@signed_in("admin")
def alert_resolve(alert_id: int):
    """Mark an alert as looked after."""
    c = central()
    with c.uow() as uow:
        alert = uow.session.get(Alert, alert_id)
        if alert is None:
            abort(404)
        alert.resolved_at = c.clock.now()
        uow.commit()
    return redirect(url_for("office.alerts"))


# -- reports ------------------------------------------------------------------------------------


@bp.get("/reports/donors")
@bp.get("/reports/donors.<fmt>")
@signed_in()
def report_donors(fmt: str = "html"):
    """Per donor: goods given, goods handed out, households reached."""
    rows = reports.donors(central())
    if fmt in ("csv", "xlsx"):
        header = [
            _("Donor"),
            _("Goods given"),
            _("Value (yuan)"),
            _("Kinds of goods"),
            _("Goods handed out"),
            _("Households reached"),
        ]
        return table_response(
            fmt,
            "donors",
            header,
            [
                [
                    r["donor"],
                    r["goods_given"],
                    r["value_yuan"],
                    r["kinds_of_goods"],
                    r["goods_handed_out"],
                    r["households_reached"],
                ]
                for r in rows
            ],
        )
    return render_template("office/donors.html", rows=rows)


PERIOD_HELP = "Choose dates between {first} and {last}, the end on or after the start."


@bp.get("/reports/statement")
@bp.get("/reports/statement.<fmt>")
@signed_in()
def report_statement(fmt: str = "html"):
    """A partner store's statement for a period."""
    with central().uow(write=False) as uow:
        stores = [
            {"id": st.id, "name": st.name}
            for st in uow.session.scalars(select(Store).order_by(Store.name))
        ]
    store_id = request.args.get("store", type=record_id) or (stores[0]["id"] if stores else None)
    try:
        start, end = reports.period(request.args.get("from"), request.args.get("to"), _zone())
        statement = reports.store_statement(central(), store_id, start, end) if store_id else None
    except ValueError:  # not a date, out of range, or ending before it starts
        flash(_(PERIOD_HELP, first=reports.FIRST_YEAR, last=reports.LAST_YEAR), "error")
        statement, start, end = None, None, None
    except LookupError:
        flash(_("No such store."), "error")
        statement, start, end = None, None, None
    if fmt in ("csv", "xlsx") and statement:
        header = [_("Code"), _("Goods"), _("Quantity"), _("Points")]
        rows = [[g["code"], g["name"], g["qty"], g["points"]] for g in statement["goods"]]
        rows.append(
            [
                "",
                _("Total"),
                sum(g["qty"] for g in statement["goods"]),
                statement["points_redeemed"],
            ]
        )
        return table_response(fmt, f"statement-{statement['from']}", header, rows)
    return render_template("office/statement.html", stores=stores, store_id=store_id, s=statement)


@bp.get("/reports/monthly")
@bp.get("/reports/monthly.<fmt>")
@signed_in()
def report_monthly(fmt: str = "html"):
    """The programme's figures per month, overall or for one store."""
    store_id = request.args.get("store", type=record_id)
    rows = reports.monthly(central(), store_id)
    if fmt in ("csv", "xlsx"):
        header = [
            _("Month"),
            _("Points issued"),
            _("Points redeemed"),
            _("Exchanges"),
            _("Goods given out"),
            _("Participations"),
        ]
        return table_response(
            fmt,
            "monthly",
            header,
            [
                [
                    r["month"],
                    r["points_issued"],
                    r["points_redeemed"],
                    r["exchanges"],
                    r["goods_issued"],
                    r["participations"],
                ]
                for r in rows
            ],
        )
    with central().uow(write=False) as uow:
        stores = [
            {"id": st.id, "name": st.name}
            for st in uow.session.scalars(select(Store).order_by(Store.name))
        ]
    return render_template("office/monthly.html", rows=rows, stores=stores, store_id=store_id)


@bp.app_template_filter("local")
def _local(at: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored time as the office reads it: in the programme's time zone."""
    return localtime.local(at, fmt, _zone())


def _zone() -> str:
    """The programme's time zone, read once per request (`kiosk central timezone` may change
    it while the server runs)."""
    if "zone" not in g:
        with central().uow(write=False) as uow:  # a read: never waits for a push on SQLite
            g.zone = totals.programme_zone(uow.session.connection())
    return g.zone


# -- refusals as pages --------------------------------------------------------------------------

PROBLEMS = {
    400: "The request was refused.",
    403: "Your account may only read.",
    404: "Not found.",
    405: "This method is not allowed here.",
    413: "The request is too large.",
    415: "This kind of file cannot be used here.",
}


def problem_page(exc):
    """Answer a refused office request with a page in the user's language."""
    code = exc.code or 400
    own = exc.description if exc.description != type(exc).description else None
    text = own or _(PROBLEMS.get(code, "The request was refused."))
    return render_template("office/problem.html", text=text), code
