"""The touch screen pages."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, make_response, render_template, request

from kiosk.services import shop_settings
from terminal_ui import camera
from terminal_ui.context import language, runtime
from terminal_ui.i18n import LANGUAGES, catalogue, pick, translate

bp = Blueprint("screens", __name__)

# Seconds: the done screen stays this long; a shop screen nobody touches this long asks
# "still there?", and gives up (cancelling, nothing spent) this long after asking.
DONE_SECONDS = 20
IDLE_SECONDS = 120
STILL_SECONDS = 30
BOARD_SECONDS = 8  # a page of the village board on the idle screen
ANNOUNCE_SECONDS = 240  # at most one announcement read aloud in this long

# Prompts the screen says often and whole (no blanks): their audio is fetched once at the
# start, so the first resident to hear one does not wait for it (and a lost connection to the
# kiosk can still be said).
SPOKEN_OFTEN = (
    "Are you still there?",
    "Please show your points card first.",
    "Could not reach the terminal. Please try again.",
    "This card is not known here.",
    "This code cannot be read. Please try again.",
    "This code is not a card, a product or an activity.",
)

# A product's picture: the first rule whose word is in its name, else its category's, else a box.
# (Words to match, not words shown: they stay out of the message catalogues.)
ICON_RULES = [
    ("洗衣", "detergent"),
    ("洗发", "shampoo"),
    ("沐浴", "shampoo"),
    ("卷纸", "roll"),
    ("抽纸", "tissue"),
    ("纸巾", "tissue"),
    ("牙膏", "toothpaste"),
    ("牙刷", "toothbrush"),
    ("毛巾", "towel"),
    ("保温", "flask"),
    ("油", "oil"),
    ("米", "rice"),
    ("面", "noodle"),
    ("盐", "salt"),
    ("酱", "soy"),
    ("醋", "soy"),
    ("皂", "soap"),
    ("杯", "mug"),
    ("盆", "basin"),
    ("伞", "umbrella"),
]
CATEGORY_ICONS = {"粮油": "grain", "日用": "home", "个护": "care"}


@bp.app_context_processor
def _helpers():
    lang = language()
    return {"_": lambda message, **kw: translate(message, lang, **kw), "lang": lang}


def screen_config() -> dict:
    """Return what the resident screen's script needs besides its messages."""
    cfg = current_app.config
    current = shop_settings.current(runtime().kiosk)
    voice = current.voice
    lang = language()
    return {
        "voice": bool(cfg.get("VOICE_DEFAULT", True)) if voice is None else voice,
        "volume": current.volume,
        "speech_lang": "zh-CN" if lang == "zh_CN" else "en-US",
        "speech_prefetch": [translate(message, lang) for message in SPOKEN_OFTEN],
        # The screen returns to this language when a resident's session ends.
        "default_lang": pick(cfg.get("LANGUAGE", "zh_CN")),
        "done_seconds": float(cfg.get("TERMINAL_DONE_SECONDS", DONE_SECONDS)),
        "idle_seconds": float(cfg.get("TERMINAL_IDLE_SECONDS", IDLE_SECONDS)),
        "still_seconds": float(cfg.get("TERMINAL_STILL_SECONDS", STILL_SECONDS)),
        # The village board turns a page this often; an announcement is read aloud at most
        # this often, on the idle screen only.
        "board_seconds": float(cfg.get("TERMINAL_BOARD_SECONDS", BOARD_SECONDS)),
        "announce_seconds": float(cfg.get("TERMINAL_ANNOUNCE_SECONDS", ANNOUNCE_SECONDS)),
        # A small live picture on the idle screen, only from a real camera.
        "camera_preview": camera.live_camera(),
        "icon_rules": ICON_RULES,
        "category_icons": CATEGORY_ICONS,
    }


@bp.get("/")
def terminal():
    """Show the resident's touch screen."""
    runtime().claim_card.disarm()  # a claim page waiting for a card has been left
    lang = language()
    page = render_template(
        "terminal/index.html",
        store=runtime().settings.kiosk.store,
        messages=catalogue(lang),
        config=screen_config(),
        languages=LANGUAGES,
        demo_cards=current_app.config.get("DEMO_CARDS", []),
    )
    response = make_response(page)
    if request.args.get("lang"):
        # For this browser session only (no max_age): the screen itself switches back to the
        # shop's language when the resident who chose another one is done.
        response.set_cookie(
            "lang",
            lang,
            samesite="Strict",
            httponly=True,
            secure=request.is_secure,
        )
    return response


@bp.get("/screen/config")
def config():
    """Return the resident screen's settings (it asks again when the shopkeeper changes them)."""
    return jsonify(screen_config())
