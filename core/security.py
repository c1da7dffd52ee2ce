"""Secure response headers and session cookies, shared by the kiosk's and central's web apps."""

from __future__ import annotations

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface

# Nothing from elsewhere: no external scripts, styles, fonts or frames; no embedding anywhere.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def secure_headers(response: Response) -> Response:
    """Add the security headers a response does not set itself."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


class TlsAwareSessions(SecureCookieSessionInterface):
    """Mark the session cookie Secure when configured so, or whenever the request came by TLS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def install(app: Flask) -> None:
    """Give an app the security headers and the TLS-aware session cookie."""
    app.session_interface = TlsAwareSessions()
    app.after_request(secure_headers)
