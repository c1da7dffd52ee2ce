"""The terminal's web app: touch screens, the JSON API and screen updates."""

from __future__ import annotations

from flask import Flask

from kiosk.bootstrap import Runtime


def create_app(runtime: Runtime, test_config: dict | None = None) -> Flask:
    """Create the Flask app for one terminal."""
    app = Flask(__name__)
    app.config.update(
        MAX_CONTENT_LENGTH=64 * 1024,
        JSON_AS_ASCII=False,
        LANGUAGE=runtime.settings.ui.language,
    )
    app.json.ensure_ascii = False
    if test_config:
        app.config.update(test_config)
    app.extensions["kiosk"] = runtime

    from terminal_ui import api, errors, screens

    app.register_blueprint(api.bp)
    app.register_blueprint(screens.bp)
    errors.register(app)
    return app
