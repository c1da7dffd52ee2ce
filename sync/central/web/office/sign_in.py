"""Office pages: sign in and sign out."""

from __future__ import annotations

import math

from flask import current_app, redirect, render_template, request, session, url_for

from sync.central.limits import retry_after
from sync.central.services import users
from sync.central.services.users import LoginRefused
from sync.central.states import LoginRefusal
from sync.central.web.input import same_site_path
from sync.central.web.office.base import _, bp, central


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
            if exc.code == LoginRefusal.LOCKED
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
