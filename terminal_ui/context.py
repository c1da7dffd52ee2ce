"""Request helpers: the running kiosk and the screen's language."""

from __future__ import annotations

from flask import current_app, has_request_context, request

from kiosk.bootstrap import Runtime
from terminal_ui.i18n import pick


def runtime() -> Runtime:
    """Return the kiosk this app serves."""
    return current_app.extensions["kiosk"]


def language() -> str:
    """Return the language to answer in: ?lang=, the lang cookie, else the configured one."""
    default = current_app.config.get("LANGUAGE", "zh_CN")
    if not has_request_context():
        return pick(default)
    asked = request.args.get("lang") or request.cookies.get("lang")
    return pick(asked, pick(default))
