"""The rule book (积分细则): rules checked, added and changed; each change audited."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from core.domain import limits
from sync.central.context import Central, emit
from sync.central.models import Rule
from sync.central.queries.rules import rule_dict
from sync.central.services.audit import audit
from sync.central.services.errors import Refusal, RegistryError
from sync.central.states import ApproverLevel, CapPeriod, CapScope, Evidence

MAX_POINTS = limits.MAX_RULE_POINTS
MAX_CAP = limits.RULE_CAP.high
# The fields of a rule, as the API takes them and the CSV's columns name them.
FIELDS = (
    "code",
    "name",
    "category",
    "points",
    "evidence",
    "approver",
    "cap_scope",
    "cap_period",
    "cap_count",
    "active",
)


@dataclass(frozen=True)
class RuleSpec:
    """A checked rule, ready to save."""

    code: str
    name: str
    category: str
    points: int
    evidence: str
    approver: str
    cap_scope: str
    cap_period: str
    cap_count: int | None
    active: bool


def _text(value: object, most: int, refusal: Refusal) -> str:
    text = " ".join(value.split()) if isinstance(value, str) else ""
    if not text or len(text) > most or not text.isprintable():
        raise RegistryError(refusal)
    return text


def _choice(value: object, choices: type, default: str, refusal: Refusal) -> str:
    if value is None or value == "":
        return default
    if not isinstance(value, str) or value.strip().lower() not in set(choices):
        raise RegistryError(refusal)
    return value.strip().lower()


def check_rule(fields: dict[str, Any]) -> RuleSpec:
    """Check a rule's fields (from JSON, a form or a CSV row); raise RegistryError if bad.

    Left out: evidence none, approver village, a cap per household, period none, active.
    """
    code = fields.get("code")
    code = code.strip().upper() if isinstance(code, str) else ""
    if not limits.is_code(code):
        raise RegistryError(Refusal.RULE_CODE)
    name = _text(fields.get("name"), limits.MAX_NAME, Refusal.RULE_NAME)
    category = _text(fields.get("category"), limits.MAX_CATEGORY, Refusal.RULE_CATEGORY)
    points = fields.get("points")
    if isinstance(points, bool) or not isinstance(points, int):
        raise RegistryError(Refusal.RULE_POINTS, most=MAX_POINTS)
    if points == 0 or abs(points) > MAX_POINTS:
        raise RegistryError(Refusal.RULE_POINTS, most=MAX_POINTS)
    evidence = _choice(fields.get("evidence"), Evidence, Evidence.NONE, Refusal.RULE_EVIDENCE)
    approver = _choice(
        fields.get("approver"), ApproverLevel, ApproverLevel.VILLAGE, Refusal.RULE_APPROVER
    )
    scope = _choice(fields.get("cap_scope"), CapScope, CapScope.HOUSEHOLD, Refusal.RULE_CAP)
    period = _choice(fields.get("cap_period"), CapPeriod, CapPeriod.NONE, Refusal.RULE_CAP)
    count = fields.get("cap_count")
    if count == "":
        count = None
    if period == CapPeriod.NONE:
        if count is not None:
            raise RegistryError(Refusal.RULE_CAP, most=MAX_CAP)
    elif count not in limits.RULE_CAP:
        raise RegistryError(Refusal.RULE_CAP, most=MAX_CAP)
    active = fields.get("active", True)
    if not isinstance(active, bool):
        raise RegistryError(Refusal.RULE_ACTIVE)
    return RuleSpec(code, name, category, points, evidence, approver, scope, period, count, active)


def save_rules(c: Central, specs: list[RuleSpec], actor: str) -> tuple[int, int]:
    """Add or change rules, all in one transaction; return (added, changed)."""
    added = changed = 0
    with c.uow() as uow:
        s = uow.session
        now = c.clock.now()
        for spec in specs:
            values = asdict(spec)
            rule = s.get(Rule, spec.code, with_for_update=True)
            if rule is None:
                s.add(Rule(**values, updated_at=now))
                audit(s, now, actor, "rule_add", spec.code, **values)
                emit(s, "rule", values, now)  # every store's kiosks record claims under it
                added += 1
                continue
            old = rule_dict(rule)
            if old == values:
                continue
            for name, value in values.items():
                setattr(rule, name, value)
            rule.updated_at = now
            was = {k: v for k, v in old.items() if values[k] != v}
            audit(s, now, actor, "rule_change", spec.code, was=was, now=values)
            emit(s, "rule", values, now)
            changed += 1
        uow.commit()
    return added, changed


def save_rule(c: Central, fields: dict[str, Any], actor: str) -> tuple[dict[str, Any], bool]:
    """Check and save one rule; return it and whether it is new."""
    spec = check_rule(fields)
    added, _ = save_rules(c, [spec], actor)
    return asdict(spec), bool(added)
