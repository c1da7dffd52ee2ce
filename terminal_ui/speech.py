"""Spoken prompts as audio: GET /api/speech?text=… answers a WAV clip the screen plays."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request

from core.domain import errors
from kiosk.services import notices
from kiosk.voice import SpeechError
from terminal_ui import origin
from terminal_ui.context import language, runtime
from terminal_ui.limits import SPEECH_SLOTS, slots
from terminal_ui.prompts import MAX_TEXT, prompt_id

log = logging.getLogger(__name__)

bp = Blueprint("speech", __name__, url_prefix="/api/speech")
# A clip is named by its text and language in the URL, and by what it was made from in its
# ETag: kept a day, then checked again (a changed voice or rate makes another clip).
CACHE_CONTROL = "private, max-age=86400"


class PromptTooLong(errors.DomainError):
    code = "prompt_too_long"
    message = "A spoken prompt has at most {limit} characters."


class UnknownPrompt(errors.DomainError):
    code = "unknown_prompt"
    message = "The terminal does not speak this text."


ForeignPage = origin.ForeignPage


class SpeechUnavailable(errors.DomainError):
    code = "speech_unavailable"
    message = "Spoken prompts are not available at the moment."


ERRORS = (PromptTooLong, UnknownPrompt, SpeechUnavailable)


def voice_for(lang: str) -> str:
    """Return the synthesiser's voice for a screen language."""
    v = runtime().settings.voice
    return v.voice if lang == "zh_CN" else v.english_voice


@bp.get("")
def speech():
    """Return a prompt's audio (WAV), made once and kept."""
    origin.own_page_only()  # an <audio> on another site must not keep the kiosk synthesising
    text = request.args.get("text", "").strip()
    if not text:
        raise errors.BadRequest()
    lang = language()
    # Besides its own messages, the kiosk reads out the office's announcements showing today.
    if not notices.showing(runtime().kiosk, text):
        if len(text) > MAX_TEXT:
            raise PromptTooLong(limit=MAX_TEXT)
        if prompt_id(text, lang) is None:
            raise UnknownPrompt()
    cache = runtime().speech
    if cache is None:
        raise SpeechUnavailable()
    voice = voice_for(lang)
    etag = cache.key(text, voice)
    if etag in request.if_none_match:
        return _clip(Response(status=304), etag)
    clip = cache.lookup(text, voice)
    if clip is None:
        # Synthesis runs a program for a moment: a few at once, the rest are told to retry.
        with slots(SPEECH_SLOTS).held():
            try:
                clip = cache.make(text, voice)
            except SpeechError as exc:
                log.warning("no audio for a prompt: %s", exc)
                raise SpeechUnavailable() from None
    return _clip(Response(clip, mimetype="audio/wav"), etag)


def _clip(response: Response, etag: str) -> Response:
    response.set_etag(etag)
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.vary.add("Cookie")  # the lang cookie picks the voice when ?lang= is not given
    return response
