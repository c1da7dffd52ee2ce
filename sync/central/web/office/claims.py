"""Office pages: claims under the rule book, recorded on a phone and approved or rejected.

The pages are narrow enough for a group leader's phone (390 px wide).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from core.domain import limits
from sync.central.queries import claims as claim_queries
from sync.central.queries import households as household_queries
from sync.central.queries import rules as rule_queries
from sync.central.services.claims import approve_claim, record_claim, reject_claim
from sync.central.services.errors import RegistryError
from sync.central.states import ApproverLevel, ClaimStatus, Permission
from sync.central.web.input import page_number
from sync.central.web.office.base import (
    PAGE,
    _,
    actor,
    bp,
    central,
    refusal,
    scope,
    signed_in,
)

# A photo read from a form beyond this is refused without reading the rest.
PHOTO_READ_LIMIT = limits.MAX_PHOTO_BYTES + 1


@bp.get("/claims")
@signed_in(Permission.READ)
def claims():
    """List claims by state and rule, newest first (pending ones by default)."""
    status = request.args.get("status", ClaimStatus.PENDING)
    if status not in {*ClaimStatus, "all"}:
        status = ClaimStatus.PENDING
    rule = request.args.get("rule", "").strip().upper()[:32]
    page = request.args.get("page", 1, type=page_number)
    where = claim_queries.ClaimFilter(
        status=None if status == "all" else status, rule_code=rule or None, scope=scope()
    )
    rows, total = claim_queries.listing(central(), where, page, PAGE)
    return render_template(
        "office/claims.html",
        claims=rows,
        status=status,
        rule=rule,
        rules=rule_queries.rules(central()),
        statuses=list(ClaimStatus),
        page=page,
        pages=max((total + PAGE - 1) // PAGE, 1),
        total=total,
    )


@bp.get("/claims/new")
@signed_in(Permission.RECORD_CLAIMS)
def claim_new():
    """Find a household, then record a claim for it: rule, residents, note and photos."""
    q = request.args.get("q", "").strip()[:40]
    found = household_queries.search(central(), q, 1, 20, scope())[0] if q else []
    household = None
    chosen = request.args.get("household", "").strip()[:40]
    if chosen:
        household = household_queries.detail(central(), chosen, scope())
    return render_template(
        "office/claim_new.html",
        q=q,
        found=found,
        h=household,
        rules=rule_queries.rules(central(), active_only=True),
        max_photos=limits.MAX_CLAIM_PHOTOS,
    )


@bp.post("/claims")
@signed_in(Permission.RECORD_CLAIMS)
def claim_record():
    """Record a claim; it waits for an approver."""
    household_id = request.form.get("household", "")[:40]
    photos = []
    for upload in request.files.getlist("photos"):
        try:
            if upload.filename:
                photos.append(upload.stream.read(PHOTO_READ_LIMIT))
        finally:
            upload.close()  # a large upload is spooled to a temporary file: close it now
    try:
        claim_id = record_claim(
            central(),
            request.form.get("rule", ""),
            household_id,
            [r[:40] for r in request.form.getlist("resident")],
            request.form.get("note", ""),
            photos,
            actor(),
            scope(),
        )
    except RegistryError as exc:
        flash(_("Not recorded: {reason}", reason=refusal(exc)), "error")
        return redirect(url_for("office.claim_new", household=household_id))
    flash(_("Claim recorded; it waits for an approver."), "ok")
    return redirect(url_for("office.claim", claim_id=claim_id))


@bp.get("/claims/<claim_id>")
@signed_in(Permission.READ)
def claim(claim_id: str):
    """Show a claim, its photos, and (to an approver) the forms to decide it."""
    view = claim_queries.detail(central(), claim_id[:36], scope())
    if view is None:
        abort(404)
    rule = rule_queries.rule(central(), view["rule"]) or {}
    level = rule.get("approver", ApproverLevel.VILLAGE)
    return render_template(
        "office/claim.html", c=view, level=level, decides=scope().approves_for(level)
    )


@bp.get("/claims/<claim_id>/photos/<int:position>")
@signed_in(Permission.READ)
def claim_photo(claim_id: str, position: int):
    """Serve a claim's photo to a signed-in user, as the type its bytes were checked to be."""
    found = claim_queries.photo(central(), claim_id[:36], position, scope())
    if found is None:
        abort(404)
    data, media_type = found
    return (
        data,
        200,
        {
            "Content-Type": media_type,
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": "inline",
        },
    )


def _decided(claim_id: str, decide) -> object:
    try:
        done = decide()
    except RegistryError as exc:
        if exc.not_found:
            abort(404)
        flash(_("Not decided: {reason}", reason=refusal(exc)), "error")
    else:
        if done.status == ClaimStatus.APPROVED and done.shortfall:
            flash(
                _(
                    "Approved: {booked} points deducted; {shortfall} could not be deducted "
                    "(the balance may not go below zero).",
                    booked=-done.booked,
                    shortfall=done.shortfall,
                ),
                "ok",
            )
        elif done.status == ClaimStatus.APPROVED:
            flash(_("Approved: {points} points booked.", points=f"{done.booked:+d}"), "ok")
        else:
            flash(_("Rejected; nothing was booked."), "ok")
    return redirect(url_for("office.claim", claim_id=claim_id))


@bp.post("/claims/<claim_id>/approve")
@signed_in(Permission.APPROVE_CLAIMS)
def claim_approve(claim_id: str):
    """Approve a claim: its points are booked and reach every kiosk."""
    claim_id = claim_id[:36]
    return _decided(claim_id, lambda: approve_claim(central(), claim_id, actor(), scope()))


@bp.post("/claims/<claim_id>/reject")
@signed_in(Permission.APPROVE_CLAIMS)
def claim_reject(claim_id: str):
    """Reject a claim with a reason; nothing is booked."""
    claim_id = claim_id[:36]
    reason = request.form.get("reason", "")
    return _decided(claim_id, lambda: reject_claim(central(), claim_id, reason, actor(), scope()))
