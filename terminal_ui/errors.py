"""Every failure of the API as 4xx JSON with a stable code and a localised message."""

from __future__ import annotations

import logging

from flask import Flask, Response, g, jsonify, render_template, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from core.db.engine import StorageUnavailable, storage_problem
from core.domain import errors as domain
from terminal_ui.context import language
from terminal_ui.i18n import translate
from terminal_ui.limits import TooBusy

log = logging.getLogger(__name__)

_HTTP = {
    400: ("bad_request", "The request is not valid JSON."),
    404: ("not_found", "Not found."),
    405: ("method_not_allowed", "This method is not allowed here."),
    413: ("too_large", "The request is too large."),
    500: ("internal", "Something went wrong. Nothing was changed."),
}


def error_body(code: str, message: str, /, **params: object):
    """Return the JSON error shape with the message in the screen's language."""
    # Positional-only: a message parameter may itself be called code (No such product: {code}).
    return {"error": {"code": code, "message": translate(message, language(), **params)}}


def register(app: Flask) -> None:
    """Install the error handlers."""

    @app.errorhandler(domain.DomainError)
    def _domain(exc: domain.DomainError):
        return jsonify(error_body(exc.code, exc.message, **exc.params)), exc.status

    @app.errorhandler(StorageUnavailable)
    def _storage(exc: StorageUnavailable):
        return _storage_unavailable(exc)

    @app.errorhandler(TooBusy)
    def _too_busy(exc: TooBusy):
        headers = {"Retry-After": str(exc.retry_after)}
        return jsonify(error_body(exc.code, exc.message)), exc.status, headers

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if not request.path.startswith("/api/"):
            return exc
        code, message = _HTTP.get(exc.code or 400, ("bad_request", "The request was refused."))
        return jsonify(error_body(code, message)), exc.code

    @app.errorhandler(OperationalError)
    def _locked(exc: OperationalError):
        if storage_problem(exc):
            return _storage_unavailable(exc)
        if "locked" in str(exc.orig).lower():
            busy = domain.Busy()
            return jsonify(error_body(busy.code, busy.message)), busy.status
        log.exception("database failure")
        return jsonify(error_body("internal", "Something went wrong. Nothing was changed.")), 500

    @app.errorhandler(OSError)
    def _disk(exc: OSError):
        if storage_problem(exc):
            return _storage_unavailable(exc)
        raise exc  # anything else is a failure like any other (a 500, logged)


def _storage_unavailable(exc: BaseException):
    """Answer a write the disk refused: 503 with the reason, as JSON or as the page's own."""
    cause = exc.__cause__ or exc
    log.error("storage unavailable (%s): %s", storage_problem(cause), cause)
    problem = StorageUnavailable()
    if request.path.startswith("/api/"):
        return jsonify(error_body(problem.code, problem.message)), problem.status
    lang = g.get("lang") or language()
    text = translate(problem.message, lang)
    if request.blueprint == "admin":
        page = render_template(
            "admin/problem.html", title=translate("Cannot save", lang), text=text
        )
        return page, problem.status
    return Response(text + "\n", status=problem.status, mimetype="text/plain")
