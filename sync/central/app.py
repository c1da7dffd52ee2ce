"""The central server's Flask app: the /api/v1 API and the office web."""

from __future__ import annotations

import logging
import os
from datetime import timedelta

from flask import Flask, g, redirect, request
from sqlalchemy.exc import OperationalError

from core import fonts, security
from sync.central.context import Central

log = logging.getLogger(__name__)


def _env_settings() -> dict:
    """Return settings given as KIOSK_CENTRAL_<NAME> environment variables."""
    from sync.central.limits import DEFAULTS

    names = [
        *DEFAULTS,
        "TOKEN_CACHE_SECONDS",
        "TOKEN_REVOCATION_CHECK_SECONDS",
        "PROXIES",
        "SESSION_COOKIE_SECURE",
    ]
    found: dict = {}
    for name in names:
        value = os.environ.get(f"KIOSK_CENTRAL_{name}")
        if value is None:
            continue
        if name == "SESSION_COOKIE_SECURE":
            found[name] = value.strip().lower() in ("1", "true", "yes", "on")
        else:
            found[name] = float(value)
    return found


def _read_the_replica() -> bool:
    """Say whether this request read the replica (a GET of a read-only view)."""
    from sync.central.replica import Source

    found = g.get("freshness")
    return request.method == "GET" and found is not None and found.source is Source.REPLICA


def create_central_app(central: Central, test_config: dict | None = None) -> Flask:
    """Create the central web app."""
    from sync.central.limits import Limits
    from sync.central.services.users import site_secret
    from sync.central.web import api, office
    from sync.central.web.input import SMALL_BODY, CentralRequest, RecordId

    app = Flask(__name__)
    app.request_class = CentralRequest
    app.config.update(
        MAX_CONTENT_LENGTH=SMALL_BODY,  # routes that take uploads have their own limit
        SECRET_KEY=site_secret(central),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=False,  # Secure anyway whenever the request came over TLS
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
    )
    app.config.update(_env_settings())
    app.json.ensure_ascii = False
    if test_config:
        app.config.update(test_config)
    security.install(app)
    if "TOKEN_CACHE_SECONDS" in app.config:
        central.tokens.seconds = float(app.config["TOKEN_CACHE_SECONDS"])
    if "TOKEN_REVOCATION_CHECK_SECONDS" in app.config:
        central.tokens.check_every = float(app.config["TOKEN_REVOCATION_CHECK_SECONDS"])
    proxies = int(app.config.get("PROXIES", 0))
    if proxies > 0:
        # Behind nginx: trust its X-Forwarded-For (client address for rate limits) and -Proto.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    app.extensions["central"] = central
    app.extensions["limits"] = Limits(app.config)
    # Every <int:…> in a URL names a record: numbers past what the database holds match no
    # route (a 404) instead of reaching a query that overflows (a 500). Set before any rule.
    app.url_map.converters["int"] = RecordId
    app.register_blueprint(api.bp)
    app.register_blueprint(office.bp)
    fonts.install(app)
    api.register_errors(app)

    @app.errorhandler(OperationalError)
    def _busy(exc: OperationalError):
        # A deadlock, a lock timeout or a lost connection: nothing was committed; try again.
        log.warning("database trouble: %s", exc.orig)
        if _read_the_replica() and not request.path.startswith("/api/"):
            # The replica answered how fresh it was, then failed the page's reads (it stopped,
            # or cancelled a query that replay conflicted with): the page again, on the primary.
            central.replica.mark_down()
            return redirect(request.full_path)
        return api.busy()

    @app.after_request
    def _no_store(response):
        response.headers.setdefault("Cache-Control", "no-store")  # pages carry personal data
        return response

    return app
