"""The central server's Flask app: the /api/v1 API and the office web."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from sync.central.context import Central


def create_central_app(central: Central, test_config: dict | None = None) -> Flask:
    """Create the central web app."""
    from sync.central import api, web
    from sync.central.users import site_secret

    app = Flask(__name__)
    app.config.update(
        MAX_CONTENT_LENGTH=8 * 1024 * 1024,
        SECRET_KEY=site_secret(central),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
    )
    app.json.ensure_ascii = False
    if test_config:
        app.config.update(test_config)
    app.extensions["central"] = central
    app.register_blueprint(api.bp)
    app.register_blueprint(web.bp)
    api.register_errors(app)

    @app.after_request
    def _secure_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'"
        )
        return response

    return app
