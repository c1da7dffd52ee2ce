"""The touch screen pages."""

from __future__ import annotations

from flask import Blueprint, current_app, make_response, render_template, request

from terminal_ui.context import language, runtime
from terminal_ui.i18n import LANGUAGES, catalogue, translate

bp = Blueprint("screens", __name__)


@bp.app_context_processor
def _helpers():
    lang = language()
    return {"_": lambda message, **kw: translate(message, lang, **kw), "lang": lang}


@bp.get("/")
def terminal():
    """Show the resident's touch screen."""
    lang = language()
    page = render_template(
        "terminal/index.html",
        store=runtime().settings.kiosk.store,
        messages=catalogue(lang),
        languages=LANGUAGES,
        demo_cards=current_app.config.get("DEMO_CARDS", []),
    )
    response = make_response(page)
    if request.args.get("lang"):
        response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="Strict")
    return response
