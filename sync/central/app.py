"""The central server's Flask app."""

from __future__ import annotations

from flask import Flask

from sync.central.context import Central


def create_central_app(central: Central, test_config: dict | None = None) -> Flask:
    """Create the central web app: the /api/v1 API (and the office web)."""
    from sync.central import api

    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=8 * 1024 * 1024)
    app.json.ensure_ascii = False
    if test_config:
        app.config.update(test_config)
    app.extensions["central"] = central
    app.register_blueprint(api.bp)
    api.register_errors(app)
    return app
