"""Claims under the rule book, recorded at the counter: the rule, the household (by its card or
by name), who took part, a note and up to four photos from the kiosk's camera.

Shopkeepers and volunteers alike may record a claim: it moves no points until the office
approves it, as a check-in records a fact and central decides what it is worth.
"""

from __future__ import annotations

import time

from flask import Response, flash, jsonify, redirect, request, url_for

from core.domain import limits
from core.domain.errors import DomainError
from kiosk.camera.stills import still_jpeg
from kiosk.services import claims
from terminal_ui.admin.base import _, _not_found, _page, _problem, actor, bp, signed_in
from terminal_ui.context import runtime

STATUS_LABELS = {
    "pending": "Waiting for the office",
    "approved": "Approved",
    "rejected": "Rejected",
    "refused": "Refused by central",
}


def _draft_args(form) -> dict[str, object]:
    """The form's choices, carried in the address while photos are taken."""
    return {
        "household": form.get("household", "")[:40],
        "rule": form.get("rule", "")[:32],
        "note": form.get("note", "")[: limits.MAX_REASON + 20],
        "resident": [r[:40] for r in form.getlist("resident")][:20],
    }


@bp.get("/claims")
@signed_in
def claim_list():
    """Show the claims recorded here, newest first, with the office's decision when it came."""
    return _page(
        "admin/claims.html",
        claims=claims.recent_claims(runtime().kiosk),
        labels=STATUS_LABELS,
    )


@bp.get("/claims/new")
@signed_in
def claim_new():
    """Find the household (scan its card or type a name), then fill in the claim."""
    k = runtime().kiosk
    q = request.args.get("q", "").strip()[:80]
    found, error = [], None
    if q:
        try:
            found = claims.find_households(k, q)
        except DomainError as exc:
            error = _problem(exc)
        else:
            if len(found) == 1:
                return redirect(url_for("admin.claim_new", household=found[0]["id"]))
            if not found:
                error = _("No household found. Try another name or scan the card again.")
    household = claims.household(k, request.args.get("household", "")[:40])
    who = actor()
    rt = runtime()
    # Without a household yet, a card held to the camera names it (instead of opening a
    # resident's session); with one, the camera is the resident's again.
    camera_card = household is None and rt.camera is not None
    if camera_card:
        rt.claim_card.arm(who, time.monotonic())
    else:
        rt.claim_card.disarm()
    return _page(
        "admin/claim_new.html",
        400 if error else 200,
        q=q,
        found=found,
        error=error,
        h=household,
        rules=claims.rule_book(k),
        chosen_rule=request.args.get("rule", ""),
        chosen_residents=set(request.args.getlist("resident")),
        note=request.args.get("note", ""),
        photos=len(runtime().stills.of(who)),
        max_photos=limits.MAX_CLAIM_PHOTOS,
        camera=runtime().camera is not None,
        camera_card=camera_card,
    )


@bp.get("/claims/camera-card")
@signed_in(background=True)
def claim_camera_card():
    """Say which household the card last held to the camera named for this person's claim page
    (`household`, or `error` in words), or nothing yet; never the card's code."""
    wait, who = runtime().claim_card, actor()
    wait.renew(who, time.monotonic())  # the page asking is still open
    found = wait.result(who)
    if found is None:
        return jsonify({"seq": None, "household": None, "error": None})
    if found["error"] is not None:
        found["error"] = _problem(found["error"])
    elif found["household"] is None:
        found["error"] = _("No household found. Try another name or scan the card again.")
    if found["household"] is not None:
        found["url"] = url_for("admin.claim_new", household=found["household"])
    return jsonify(found)


@bp.post("/claims/photo")
@signed_in
def claim_photo_take():
    """Take a still from the camera's current picture for the claim being recorded."""
    rt = runtime()
    args = _draft_args(request.form)
    frame = rt.camera.still() if rt.camera is not None else None
    jpeg = still_jpeg(frame) if frame is not None else None
    if jpeg is None:
        flash(_("The camera has no picture yet. Point it at the scene and try again."), "error")
    elif not rt.stills.add(actor(), jpeg):
        flash(_("A claim has at most {most} photos.", most=limits.MAX_CLAIM_PHOTOS), "error")
    else:
        flash(_("Photo taken."), "ok")
    return redirect(url_for("admin.claim_new", **args) + "#photos")


@bp.post("/claims/photo/<int:index>/remove")
@signed_in
def claim_photo_remove(index: int):
    """Drop one of the photos taken for the claim being recorded."""
    runtime().stills.drop(actor(), index)
    return redirect(url_for("admin.claim_new", **_draft_args(request.form)) + "#photos")


@bp.get("/claims/photo/<int:index>")
@signed_in
def claim_photo(index: int):
    """Show a photo taken for the claim being recorded (to the person who took it)."""
    taken = runtime().stills.of(actor())
    if not 0 <= index < len(taken):
        return _not_found()
    return Response(
        taken[index],
        mimetype="image/jpeg",
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
    )


@bp.post("/claims")
@signed_in
def claim_record():
    """Record the claim: it goes to the office with its photos, and waits for approval."""
    rt = runtime()
    who = actor()
    args = _draft_args(request.form)
    try:
        claims.record_claim(
            rt.kiosk,
            args["rule"],
            args["household"],
            args["resident"],
            request.form.get("note", ""),
            rt.stills.of(who),
            who,
        )
    except DomainError as exc:
        flash(_("Not recorded: {reason}", reason=_problem(exc)), "error")
        return redirect(url_for("admin.claim_new", **args))
    rt.stills.drop(who)
    rt.claim_card.disarm()
    if rt.sync is not None:
        rt.sync.wake()
    flash(_("Claim recorded. It goes to the office for approval."), "ok")
    return redirect(url_for("admin.claim_list"))
