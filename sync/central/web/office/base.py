"""The office blueprint and what every office page shares: language, sign-in, CSRF, time zone."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime
from functools import wraps

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from core.i18n import pick
from sync.central import localtime
from sync.central.context import Central
from sync.central.i18n import translate
from sync.central.queries.settings import programme_zone
from sync.central.replica import Source
from sync.central.scope import Scope
from sync.central.services import users
from sync.central.services.errors import RegistryError
from sync.central.services.users import SignedIn
from sync.central.states import Permission, Role, may, needed
from sync.central.web.input import holds_nul
from sync.central.web.office import refusals
from sync.central.web.reads import freshness

bp = Blueprint(
    "office",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/office-static",
)
PAGE = 50


def central() -> Central:
    """Return the central server this app serves."""
    return current_app.extensions["central"]


def _(message: str, **params) -> str:
    """Translate an office message into the page's language."""
    return translate(message, g.get("lang", "zh_CN"), **params)


def refusal(exc: RegistryError) -> str:
    """Say in the page's language why a use case refused the request."""
    return _(exc.message, **exc.params)


LANG_COOKIE_SECONDS = 365 * 24 * 3600


@bp.before_app_request
def _language() -> None:
    g.lang = pick(request.args.get("lang") or request.cookies.get("lang"))


@bp.after_app_request
def _keep_language(response):
    # A language picked from the switch lasts until it is switched back, not for one page.
    if request.args.get("lang") and request.cookies.get("lang") != g.lang:
        response.set_cookie(
            "lang", g.lang, max_age=LANG_COOKIE_SECONDS, httponly=True, samesite="Lax"
        )
    return response


@bp.app_context_processor
def _helpers():
    user = current_user()
    return {
        "_": _,
        "lang": g.get("lang", "zh_CN"),
        "user": user.username if user else None,
        "role": user.role if user else None,
        "may": lambda asked: user is not None and may(user.role, Permission(asked)),
        "user_area": user.area if user else None,
        "csrf_token": _csrf_token,
        "freshness_note": freshness_note,
    }


def freshness_note() -> str | None:
    """Say where this page's figures come from and how fresh they are (None: the primary)."""
    found = freshness()
    if found is None:
        return None
    if found.source is Source.FALLBACK:
        return _("The read replica cannot be reached: these figures come from the main database.")
    if found.up_to_date:
        return _("Figures from the read replica: up to date.")
    if found.lag_seconds is None:
        note = _("Figures from the read replica, which is behind the main database.")
    else:
        note = _(
            "Figures from the read replica, {lag} behind the main database.",
            lag=_duration(found.lag_seconds),
        )
    if found.paused:
        note += " " + _("Replay on the replica is paused.")
    return note


def _duration(seconds: float) -> str:
    whole = int(seconds)
    if whole < 120:
        return _("{n} seconds", n=whole)
    if whole < 2 * 3600:
        return _("{n} minutes", n=whole // 60)
    return _("{n} hours", n=whole // 3600)


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


def scope() -> Scope:
    """Return what part of the programme the signed-in user sees and acts on."""
    return current_user().scope


def actor() -> str:
    """Name the signed-in user for the audit log."""
    return current_user().username


def _csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


@bp.before_app_request
def _admit_body() -> None:
    # A body over its route's limit is refused from its length alone. A large one (an upload)
    # is read only for a signed-in user whose role may use the route and who sent the form's
    # CSRF token in its address: no one else makes the server read or spool megabytes. The API
    # checks its bearer token in each route before reading the body.
    length, limit = request.content_length, request.max_content_length
    if length is not None and limit is not None and length > limit:
        abort(413)
    if request.method != "POST" or request.path.startswith("/api/") or not request.is_large():
        return
    user = current_user()
    sent = request.args.get("csrf_token", "").encode("utf-8", "replace")
    expected = session.get("csrf", "").encode("utf-8", "replace")
    if user is None or not sent or not hmac.compare_digest(sent, expected):
        abort(400, description=_("The form has expired: go back, reload the page and try again."))
    asks = getattr(current_app.view_functions.get(request.endpoint or ""), "asks", None)
    if asks is None or not may(user.role, asks):
        abort(403, description=_("Your account may not do this."))


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


def signed_in(role: Role | Permission = Role.VIEWER, *, whole_programme: bool = False):
    """Require a signed-in office user whose role grants what the page asks (and, for a change
    to what the whole programme shares, a user without an area)."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = current_user()
            if user is None:
                return redirect(url_for("office.login_page", next=request.path))
            if not may(user.role, role):
                abort(403, description=_("Your account may not do this."))
            if whole_programme and not user.scope.everything:
                abort(403, description=_("Only a user of the whole programme may do this."))
            return view(*args, **kwargs)

        wrapper.asks = needed(role)  # read by the route table's test
        return wrapper

    return decorate


@bp.app_template_filter("in_words")
def _in_words(text: str | None) -> str:
    """Central's refusal or alert text, in the office's language."""
    return refusals.in_words(text, _)


@bp.app_template_filter("local")
def _local(at: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored time as the office reads it: in the programme's time zone."""
    return localtime.local(at, fmt, zone())


def zone() -> str:
    """The programme's time zone, read once per request (`kiosk central timezone` may change
    it while the server runs)."""
    if "zone" not in g:
        g.zone = programme_zone(central())
    return g.zone


# -- refusals as pages --------------------------------------------------------------------------

PROBLEMS = {
    400: "The request was refused.",
    403: "Your account may not do this.",
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
