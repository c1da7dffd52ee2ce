"""Office pages: the rule book (积分细则), listed for everyone and edited by an admin."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from sync.central.queries import rules as rule_queries
from sync.central.services.errors import RegistryError
from sync.central.services.rules import save_rule
from sync.central.states import ApproverLevel, CapPeriod, CapScope, Evidence, Permission
from sync.central.web.input import form_int
from sync.central.web.office.base import _, actor, bp, central, refusal, signed_in

CHOICES = {
    "evidence": list(Evidence),
    "approver": list(ApproverLevel),
    "cap_scope": list(CapScope),
    "cap_period": list(CapPeriod),
}


@bp.get("/rules")
@signed_in(Permission.READ)
def rules():
    """List the rule book; an admin edits a rule in the form below it."""
    editing = None
    code = request.args.get("edit", "").strip().upper()[:32]
    if code:
        editing = rule_queries.rule(central(), code)
    return render_template(
        "office/rules.html",
        rules=rule_queries.rules(central()),
        editing=editing,
        choices=CHOICES,
    )


@bp.post("/rules")
@signed_in(Permission.MANAGE, whole_programme=True)
def rule_save():
    """Add a rule, or change the rule with the code given."""
    f = request.form
    count = f.get("cap_count", "").strip()
    fields = {
        "code": f.get("code", ""),
        "name": f.get("name", ""),
        "category": f.get("category", ""),
        "points": form_int(f.get("points", "").strip()),
        "evidence": f.get("evidence", ""),
        "approver": f.get("approver", ""),
        "cap_scope": f.get("cap_scope", ""),
        "cap_period": f.get("cap_period", ""),
        "cap_count": form_int(count) if count else None,
        "active": f.get("active") == "1",
    }
    try:
        saved, added = save_rule(central(), fields, actor())
    except RegistryError as exc:
        flash(_("Not saved: {reason}", reason=refusal(exc)), "error")
        return redirect(url_for("office.rules"))
    message = "Rule {code} added." if added else "Rule {code} saved."
    flash(_(message, code=saved["code"]), "ok")
    return redirect(url_for("office.rules"))
