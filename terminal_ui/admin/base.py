"""The admin blueprint and what its pages share: language, CSRF, pages, sign-in checks, printing."""

from __future__ import annotations

import dataclasses
import hmac
import secrets
from datetime import date, datetime
from functools import wraps
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from core.domain.errors import DomainError
from kiosk.services import audit_log, print_jobs, staff, staff_call
from kiosk.services.receipts import local_time
from kiosk.services.times import shown_time
from printer.ports import state_message
from terminal_ui.context import runtime
from terminal_ui.i18n import LANGUAGES, pick, translate

bp = Blueprint("admin", __name__, url_prefix="/admin")

# What a volunteer may open: the check-in and claim pages, the staff call and the device status.
VOLUNTEER_PAGES = frozenset(
    {
        "admin.checkin_list",
        "admin.checkin_start",
        "admin.checkin_page",
        "admin.checkin_rows",
        "admin.checkin_scan",
        "admin.checkin_end",
        "admin.staff_call_state",
        "admin.staff_call_answer",
        "admin.status_json",
        "admin.claim_list",
        "admin.claim_new",
        "admin.claim_photo_take",
        "admin.claim_photo_remove",
        "admin.claim_photo",
        "admin.claim_record",
    }
)
IDLE_SECONDS = 600  # an admin session left alone this long signs itself out
PAGE = 50
SOURCES = ("donation", "purchase", "transfer")

# What the audit log's action and actor codes are called on the screen (message ids).
ACTIONS = {
    "login": "Signed in",
    "claim_record": "Recorded a claim",
    "logout": "Signed out",
    "login_failed": "Wrong PIN",
    "login_refused_locked": "Sign-in while locked",
    "pin_locked": "PIN locked",
    "pin_taken": "Tried a PIN already in use",
    "pin_set": "PIN set",
    "restock": "Goods received",
    "stocktake": "Stocktake",
    "write_off": "Written off",
    "void": "Exchange voided",
    "product_add": "Product added",
    "product_edit": "Product edited",
    "price_change": "Price changed",
    "checkin": "Checked in",
    "checkin_mode": "Terminal in check-in mode",
    "checkin_mode_end": "Terminal left check-in mode",
    "refused": "Refused by the office",
    "checkin_start": "Check-in started",
    "checkin_end": "Check-in ended",
    "checkout": "Exchange",
    "session_start": "Card shown",
    "session_cancel": "Exchange cancelled",
    "staff_call": "Resident called the shopkeeper",
    "staff_call_answer": "Shopkeeper answered the call",
    "session_switch_asked": "Another card shown during an exchange",
    "session_switch_declined": "Exchange kept after another card",
    "cart_set": "Cart changed",
    "history_print": "Points history printed",
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
    "staff_add": "Staff member added",
    "staff_remove": "Staff member removed",
    "exchange_window": "Exchange hours changed",
}
DETAILS = {
    "household": "Household",
    "resident": "Resident",
    "kind": "Kind",
    "qty": "Quantity",
    "count": "How many",
    "total": "Points",
    "points": "Points",
    "old": "Before",
    "new": "After",
    "donor": "Donor",
    "source": "Where it came from",
    "reason": "Reason",
    "counted": "Counted",
    "change": "Change",
    "failures": "Wrong tries",
    "minutes": "Minutes",
}
DETAIL_VALUES = {
    "donation": "Donation",
    "purchase": "Purchase",
    "transfer": "Transfer from another store",
    "idle": "left idle",
    "ended": "ended",
    "locked": "locked",
    "breakage": "Breakage",
    "expiry": "Expired",
    "stocktake": "Stocktake",
}
ACTORS = {
    "admin": "Shopkeeper",
    "terminal": "Resident screen",
    "cli": "Command line",
    "demo": "Demo set-up",
    "central": "Central office",
    "checkin": "Check-in operator",
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
    return response  # the security headers come from core.security, as on every page


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "_": _,
        "lang": g.get("lang", "zh_CN"),
        "languages": LANGUAGES,
        "csrf_token": csrf_token,
        "action_label": lambda code: _(ACTIONS[code]) if code in ACTIONS else code,
        "actor_label": actor_label,
        "printer_label": lambda state: _(state_message(state)),
        "detail_label": lambda key: _(DETAILS[key]) if key in DETAILS else key,
        "detail_value": lambda key, value: (
            _(DETAIL_VALUES[value]) if isinstance(value, str) and value in DETAIL_VALUES else value
        ),
        "store": runtime().settings.kiosk.store,
        "signed_in": bool(session.get("admin")),
        "person": g.get("person"),
        "staff_call_time": staff_call_time,
        "idle_seconds": idle_seconds(),
    }


def actor_label(code: str) -> str:
    """Return who an audit actor code names: a staff member's name, or a kind of actor."""
    if code in ACTORS:
        return _(ACTORS[code])
    if code.startswith(staff.ACTOR_PREFIX):
        if "staff_names" not in g:
            g.staff_names = staff.names(runtime().kiosk)
        return g.staff_names.get(code, code)
    return code


def staff_call_time() -> str | None:
    """Return the local time (HH:MM) of a resident's call for the shopkeeper still waiting."""
    k = runtime().kiosk
    at = staff_call.waiting(k)
    return local_time(k, at).strftime("%H:%M") if at is not None else None


def csrf_token() -> str:
    """Return the admin session's CSRF token, making one on first use."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


def idle_seconds() -> int:
    """Return how long an admin session may stay idle."""
    return int(current_app.config.get("ADMIN_IDLE_SECONDS", IDLE_SECONDS))


def _page(template: str, http_status: int = 200, **context: Any) -> Response:
    if template != "admin/claim_new.html":  # left the claim page: the camera is residents' again
        runtime().claim_card.disarm()
    return make_response(render_template(template, **context), http_status)


# A bad form value said in words that tell the shopkeeper what to do: (field, reason) first,
# then the field alone (message ids).
FIELD_PROBLEMS = {
    ("donor", "missing"): "Please write who gave the goods: a donation needs a donor or supplier.",
    "donor": "The donor's name is too long or has signs that cannot be used. Please shorten it.",
    ("unit_value", "too large"): "The value of one item is too large. Please check the amount.",
    "unit_value": "Write the value of one item in yuan, for example 9.9, or leave it empty.",
    ("reason", "missing"): "Please write a reason.",
    "reason": "The reason is too long or has signs that cannot be used. Please shorten it.",
    ("name", "missing"): "Please write a name.",
    "name": "The name is too long or has signs that cannot be used. Please shorten it.",
    "unit": "Please write the unit, for example 个 or 袋.",
    "category": "Please write the category, for example 日用.",
    "household": "Please check the household's name and number.",
    "resident": "Please check the residents' names.",
    "phone": "Please write the phone number with digits only.",
    "type": "The activity's type is too long. Please shorten it.",
    "hours": "Write the hours as 09:00-11:30, with a comma between two times of day.",
}


def _problem(exc: DomainError) -> str:
    """Return a domain error's message in the page's language, a bad value as what to do."""
    if exc.code == "bad_value":
        field, reason = exc.params.get("field"), exc.params.get("reason")
        said = FIELD_PROBLEMS.get((field, reason)) or FIELD_PROBLEMS.get(field)
        if said:
            return _(said)
        return _("A value in the form is not valid. Please check it and try again.")
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
            person = staff.member(k, session.get("staff"))
            ended = (
                session.get("epoch") != staff.session_epoch(k)
                or person is None
                or person.role != session.get("role")
            )
            if ended or idle > idle_seconds():
                audit_log.record(
                    k,
                    "logout",
                    actor=_session_actor(),
                    reason="idle" if idle > idle_seconds() else "ended",
                )
                _fresh_session()
                flash(_("You were signed out after a while without use."), "info")
                return redirect(url_for("admin.login"))
            g.person = person
            if not person.is_shopkeeper and request.endpoint not in VOLUNTEER_PAGES:
                if request.endpoint == "admin.home":
                    return redirect(url_for("admin.checkin_list"))
                return _page(
                    "admin/problem.html",
                    403,
                    title=_("Only a shopkeeper may do this."),
                    text=_("A volunteer runs check-ins. Please ask a shopkeeper."),
                )
            if not background:
                session["seen"] = _now().isoformat()
            return view(*args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate


def _session_actor() -> str:
    member_id = session.get("staff")
    return staff.actor_of(member_id) if isinstance(member_id, int) else staff.ADMIN


def actor() -> str:
    """Return the audit log's name for the person signed in on this request."""
    person = g.get("person")
    return person.actor if person is not None else _session_actor()


def start_session(person: staff.Person, epoch: int) -> None:
    """Mark the (fresh) admin session as this person's."""
    session["admin"] = True
    session["staff"] = person.id
    session["role"] = person.role
    session["epoch"] = epoch
    session["seen"] = _now().isoformat()


def _fresh_session() -> None:
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session["csrf"] = secrets.token_urlsafe(24)


# -- shared helpers -----------------------------------------------------------------------------


def print_now(receipt_id: int) -> bool:
    """Send a stored receipt to the printer; return True if it printed."""
    rt = runtime()
    # With the print worker running this waits a moment for it; without one it prints here.
    return bool(print_jobs.print_receipt(rt.kiosk, rt.printer, receipt_id))


def _not_found() -> Response:
    return _page(
        "admin/problem.html",
        404,
        title=_("Not found."),
        text=_("It may have been removed. Please go back."),
    )


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


def device_status() -> dict[str, Any]:
    """Return the printer's, the camera's and sync's state for the screen."""
    rt = runtime()
    return {
        "printer": _printer_status(),
        "camera": _camera_status(),
        "sync": _sync_status() if rt.sync is not None else None,
    }


def sync_problem(error: str | None) -> str | None:
    """Return the sync client's last problem in the shopkeeper's words (message id), or None."""
    if not error:
        return None
    if error.startswith("central unreachable"):
        return (
            "Cannot reach the central office (the network is down or the office's server is "
            "off). Exchanges go on; they are sent when it is back. Check the network cable or "
            "Wi-Fi."
        )
    if error.startswith(
        ("central asked for a pause", "central answered 429", "central answered 503")
    ):
        return (
            "The central office is busy and asked the kiosk to wait a little. Exchanges go on; "
            "they are sent by themselves later."
        )
    if error.startswith(("central answered 401", "central answered 403")):
        return "The central office does not accept this kiosk's key. Please call the office."
    return "The central office had a problem. The kiosk tries again by itself."


def _sync_status() -> dict[str, Any]:
    """Return sync's state with local times and its problem in words."""
    rt = runtime()
    raw = rt.sync.status
    found = raw.as_dict()
    problem = sync_problem(raw.last_error) if not raw.online else None
    return {
        **found,
        "last_success_shown": shown_time(rt.kiosk, raw.last_success),
        "last_error_shown": shown_time(rt.kiosk, raw.last_error_at) if problem else "",
        "problem": _(problem) if problem else None,
    }


def _printer_status() -> dict[str, Any]:
    rt = runtime()
    try:
        found = print_jobs.printer_status(rt.kiosk, rt.printer, live=False)
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
