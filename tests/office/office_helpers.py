"""Helpers of the office web tests: the CSRF token of a page, and signing in as the form does."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

ADMIN_PASSWORD, VIEWER_PASSWORD = "admin-password", "viewer-password"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(client: FlaskClient, path: str = "/login") -> str:
    """Return the CSRF token the page at path carries for the client's session."""
    return CSRF.search(client.get(path).text).group(1)


def sign_in(client: FlaskClient, user: str, password: str, next_path: str | None = None):
    """Sign in to the office web the way the form does (to /login?next=… when given)."""
    url = "/login" if next_path is None else f"/login?next={next_path}"
    return client.post(
        url, data={"csrf_token": csrf(client), "username": user, "password": password}
    )
