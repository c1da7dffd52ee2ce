"""The terminal's web app: touch screens, the JSON API, screen updates and the admin screen."""

from __future__ import annotations

from flask import Flask

from kiosk.bootstrap import Runtime
from kiosk.scan.images import DECODE_SLOTS


def create_app(runtime: Runtime, test_config: dict | None = None) -> Flask:
    """Create the Flask app for one terminal."""
    app = Flask(__name__)
    app.config.update(
        MAX_CONTENT_LENGTH=64 * 1024,
        JSON_AS_ASCII=False,
        LANGUAGE=runtime.settings.ui.language,
        # Only the shopkeeper's screen has a session: its cookie is sent to /admin and nowhere
        # else, so the resident screen and the API stay cookie-free. Its key lives in memory
        # only (see Runtime.admin_key).
        SECRET_KEY=runtime.admin_key,
        SESSION_COOKIE_NAME="kiosk_admin",
        SESSION_COOKIE_PATH="/admin",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        # Secure when configured (KIOSK_UI_SECURE_COOKIES) or whenever served over TLS.
        SESSION_COOKIE_SECURE=runtime.settings.ui.secure_cookies,
        DECODE_SLOTS=DECODE_SLOTS,  # uploaded pictures decoded at once
        EVENT_STREAMS=4,  # screens following changes at once (a screen holds one)
        EVENT_STREAM_SECONDS=300,  # the longest one stream lasts; the screen then reconnects
    )
    app.json.ensure_ascii = False
    if test_config:
        app.config.update(test_config)
    app.extensions["kiosk"] = runtime

    from core import fonts, security
    from terminal_ui import (
        admin,
        api,
        camera,
        errors,
        history,  # noqa: F401  (adds the history routes to api.bp)
        limits,
        origin,
        screens,
        speech,
    )

    origin.install(app)
    limits.install(app, decodes=app.config["DECODE_SLOTS"], streams=app.config["EVENT_STREAMS"])
    app.register_blueprint(api.bp)
    app.register_blueprint(screens.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(camera.bp)
    app.register_blueprint(speech.bp)
    fonts.install(app)
    errors.register(app)
    security.install(app)
    return app
