"""The camera's side of the API: frames for the simulated camera, and what it last saw."""

from __future__ import annotations

import random

from flask import Blueprint, Response, jsonify, request

from core.domain import errors
from kiosk.services import queries
from terminal_ui import origin
from terminal_ui.context import language, runtime
from terminal_ui.i18n import translate
from terminal_ui.limits import DECODE_SLOTS, slots

bp = Blueprint("camera", __name__, url_prefix="/api/camera")
MAX_FRAME_BYTES = 12 * 1024 * 1024


class NoSimulatedCamera(errors.DomainError):
    code = "no_simulated_camera"
    message = "Frames can only be sent to the simulated camera."


class UnreadableFrame(errors.DomainError):
    code = "unreadable_image"
    message = "The image cannot be read."


class NotAnImageType(errors.DomainError):
    code = "unsupported_media_type"
    message = "Send the picture as an image file (image/png, image/jpeg, …)."


class NoPreview(errors.DomainError):
    code = "no_preview"
    message = "There is no camera picture to show."


def _is_image(mimetype: str | None) -> bool:
    return bool(mimetype) and mimetype.startswith("image/")


def _loop():
    rt = runtime()
    if rt.camera is None or rt.settings.camera.source != "sim":
        raise NoSimulatedCamera()
    return rt.camera


def live_camera() -> bool:
    """Tell whether a real camera is configured (the simulator has nothing to show)."""
    rt = runtime()
    return rt.camera is not None and rt.settings.camera.source != "sim"


def last_outcome() -> dict | None:
    """Return the camera's last scan outcome with its message in the screen's language."""
    scans = runtime().camera_scans
    last = dict(scans.last) if scans is not None and scans.last else None
    if last and not last["ok"]:
        last["message"] = translate(last["message"], language(), **last.get("params", {}))
    return last


def _answer(codes: list[str]):
    view = queries.session_view(runtime().kiosk)
    view["camera"] = {"codes": len(codes), "outcome": last_outcome() if codes else None}
    return jsonify(view)


@bp.post("/frame")
def frame():
    """Put an uploaded image through the real decode path, as if the camera had seen it."""
    from kiosk.scan import images

    # Only an image, or a form carrying one: text/plain and plain forms are what any page may
    # send the kiosk without asking, and must never put goods in the cart.
    multipart = request.mimetype == "multipart/form-data"
    if not (multipart or _is_image(request.mimetype)):
        raise NotAnImageType()
    loop = _loop()
    request.max_content_length = MAX_FRAME_BYTES
    # A few at once: the body is read, the picture decoded and scanned inside a slot, so many
    # uploads together cannot take the kiosk's memory (the others are told to come back).
    with slots(DECODE_SLOTS).held():
        if multipart:
            upload = request.files.get("image")
            if upload is None:
                raise UnreadableFrame()
            if not _is_image(upload.mimetype):
                raise NotAnImageType()
            data = upload.read()
        else:
            data = request.get_data()
        try:
            image = images.image_from_bytes(data)
        except images.UnreadableImage:
            raise UnreadableFrame() from None
        del data
        codes = loop.scan_frame(image)
        del image
    return _answer(codes)


@bp.post("/card")
def card():
    """Hold a card to the simulated camera: render its QR into a scene and scan that."""
    from kiosk.camera import render_card_frame

    loop = _loop()
    data = request.get_json(silent=True)
    code = data.get("code") if isinstance(data, dict) else None
    if not isinstance(code, str) or not 1 <= len(code) <= 64:
        raise errors.BadCode()
    loop.debouncer.forget(code)  # a tap is a fresh showing of the card
    for _ in range(3):  # a hand can hold a card badly; a person would simply hold it again
        codes = loop.scan_frame(render_card_frame(code, seed=random.randrange(1 << 30)))
        if codes:
            break
    return _answer(codes)


@bp.get("")
def status():
    """Return the camera's state and its last scan outcome."""
    rt = runtime()
    state = rt.camera.status() if rt.camera is not None else {"state": "off"}
    return jsonify({"status": state, "last": last_outcome()})


@bp.get("/preview")
def preview():
    """Return the newest camera frame, small and mirrored: where to hold the card.

    It shows whoever stands at the kiosk: for the kiosk's own screen only, kept by no cache and
    handed by the browser to no other origin.
    """
    origin.own_page_only()
    picture = runtime().camera.preview_jpeg() if live_camera() else None
    if picture is None:
        raise NoPreview()
    headers = {"Cache-Control": "no-store", "Cross-Origin-Resource-Policy": "same-origin"}
    return Response(picture, mimetype="image/jpeg", headers=headers)
