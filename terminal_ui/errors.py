"""Every failure of the API as 4xx JSON with a stable code and a localised message."""

from __future__ import annotations

import logging

from flask import Flask, Response, g, jsonify, render_template, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from core.db.engine import storage_problem
from core.domain import errors as domain
from core.domain.errors import StorageUnavailable
from kiosk.services import claims, notices, staff
from kiosk.services.print_jobs import AlreadyPrinted
from kiosk.services.shop_settings import BadVolume
from terminal_ui import camera, speech
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


# The HTTP status of each refusal the kiosk answers; a subclass answers as its nearest mapped base.
STATUS: dict[type[domain.DomainError], int] = {
    domain.DomainError: 400,
    domain.BadRequest: 400,
    domain.BadCode: 400,
    domain.CodeTooLong: 400,
    domain.UnknownCode: 404,
    domain.UnknownCard: 404,
    domain.UnknownCardOffline: 404,  # unknown here, and central cannot be asked just now
    domain.RevokedCard: 403,
    domain.UnknownProduct: 404,
    domain.InactiveProduct: 409,
    domain.UnknownActivity: 404,
    domain.InactiveActivity: 409,
    domain.ActivityNotToday: 409,
    domain.ActivityAtScreen: 403,
    domain.ActivityFull: 409,
    domain.AlreadyCheckedIn: 409,
    domain.UnknownResident: 404,
    domain.NotInHousehold: 409,
    domain.UnknownExchange: 404,
    domain.UnknownReceipt: 404,
    domain.NoSession: 409,
    domain.WrongMode: 409,
    domain.EmptyCart: 409,
    domain.AlreadyCheckedOut: 409,
    domain.InsufficientPoints: 409,
    domain.QuotaExceeded: 409,
    domain.ExchangeWindowClosed: 409,
    staff.LastShopkeeper: 409,
    staff.UnknownStaff: 404,
    domain.TooMuchInOneGo: 409,
    domain.OutOfStock: 409,
    domain.BadQuantity: 400,
    domain.BadPoints: 400,
    domain.BadSource: 400,
    domain.BadValue: 400,
    domain.AlreadyVoided: 409,
    domain.ReasonRequired: 400,
    domain.CardAlreadyRevoked: 409,
    domain.Busy: 503,
    StorageUnavailable: 503,
    TooBusy: 429,
    AlreadyPrinted: 409,
    camera.NoSimulatedCamera: 409,
    camera.UnreadableFrame: 400,
    camera.NotAnImageType: 415,
    camera.NoPreview: 404,
    notices.NoPicture: 404,
    speech.PromptTooLong: 400,
    speech.UnknownPrompt: 404,
    speech.ForeignPage: 403,
    speech.SpeechUnavailable: 503,
    BadVolume: 400,
    claims.NoRule: 404,
    claims.NoHousehold: 404,
    claims.NotAMember: 400,
    claims.ResidentNeeded: 400,
    claims.PhotoNeeded: 400,
    claims.TooManyPhotos: 400,
    claims.BadPhoto: 400,
    claims.BadNote: 400,
}


def status_of(exc: domain.DomainError) -> int:
    """Return the HTTP status the kiosk answers a refusal with."""
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def error_body(code: str, message: str, /, **params: object):
    """Return the JSON error shape with the message in the screen's language."""
    # Positional-only: a message parameter may itself be called code (No such product: {code}).
    return {"error": {"code": code, "message": translate(message, language(), **params)}}


def register(app: Flask) -> None:
    """Install the error handlers."""

    @app.errorhandler(domain.DomainError)
    def _domain(exc: domain.DomainError):
        return jsonify(error_body(exc.code, exc.message, **exc.params)), status_of(exc)

    @app.errorhandler(StorageUnavailable)
    def _storage(exc: StorageUnavailable):
        return _storage_unavailable(exc)

    @app.errorhandler(TooBusy)
    def _too_busy(exc: TooBusy):
        headers = {"Retry-After": str(exc.retry_after)}
        return jsonify(error_body(exc.code, exc.message)), status_of(exc), headers

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
            return jsonify(error_body(busy.code, busy.message)), status_of(busy)
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
        return jsonify(error_body(problem.code, problem.message)), status_of(problem)
    lang = g.get("lang") or language()
    text = translate(problem.message, lang)
    if request.blueprint == "admin":
        page = render_template(
            "admin/problem.html", title=translate("Cannot save", lang), text=text
        )
        return page, status_of(problem)
    return Response(text + "\n", status=status_of(problem), mimetype="text/plain")
