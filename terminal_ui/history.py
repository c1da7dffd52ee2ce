"""查积分 on the screen: the household's history in words, as JSON, aloud and on a slip."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from kiosk.services import points_history
from terminal_ui.api import bp
from terminal_ui.context import language, runtime
from terminal_ui.i18n import translate

# Each entry as one sentence (message ids): the screen shows it, the kiosk may read it aloud
# (its blanks are short names and plain numbers), the slip prints its Chinese.
SENTENCES = {
    "checkin": "{day}: took part in {activity}, {points} points.",
    "exchange": "{day}: exchanged {count} goods at {store}, {points} points.",
    "void": "{day}: exchange given back at {store}, {points} points.",
    "opening": "{day}: opening points, {points} points.",
    "refused": "{day}: taken back, the office did not accept it, {points} points.",
    "adjust": "{day}: corrected, {points} points.",
    "office": "{day}: from the office's books, {points} points.",
    "elsewhere": "{day}: exchanged at another store, {points} points.",
    # central's own entries, named by their note (the rule or activity, the office's reason)
    "award": "{day}: {activity}{why}, added by the office, {points} points.",
    "deduct": "{day}: {activity}{why}, deducted by the office, {points} points.",
    "office_add": "{day}: added by the office{why}, {points} points.",
    "office_deduct": "{day}: deducted by the office{why}, {points} points.",
    "expired": "{day}: points expired{why}, {points} points.",
}
WHY = " ({reason})"
EXPIRING = "{points} points will expire on {on}."
BALANCE = "Your household has {balance} points."
UNCONFIRMED = "not yet confirmed by the office"


def _words(entry: points_history.HistoryEntry, lang: str) -> str:
    return translate(
        SENTENCES[entry.what],
        lang,
        day=entry.at.strftime("%m-%d"),
        activity=entry.activity or "—",
        store=entry.store,
        count=entry.count,
        points=abs(entry.points),
        # A claim's note that only repeats its rule's name is not said twice.
        why=translate(WHY, lang, reason=entry.reason)
        if entry.reason and entry.reason.strip() != entry.activity.strip()
        else "",
    )


def history_view(found: points_history.History, lang: str) -> dict[str, Any]:
    """Return the history as the screen's JSON, each entry in words."""
    return {
        "household": {"id": found.household_id, "name": found.household},
        "balance": found.balance,
        "said": translate(BALANCE, lang, balance=found.balance),
        "entries": [
            {
                "at": e.at.strftime("%Y-%m-%d %H:%M"),
                "kind": e.kind,
                "what": e.what,
                "points": e.points,
                "confirmed": e.confirmed,
                "text": _words(e, lang),
            }
            for e in found.entries
        ],
        "more": found.more,
        "unconfirmed_label": translate(UNCONFIRMED, lang),
        "expiring": _expiring(found, lang),
    }


def _expiring(found: points_history.History, lang: str) -> dict[str, Any] | None:
    if found.expiring is None:
        return None
    points, on = found.expiring
    return {
        "points": points,
        "on": on.isoformat(),
        "text": translate(EXPIRING, lang, points=points, on=on.isoformat()),
    }


@bp.get("/session/history")
def session_history():
    """Return the open session's household's points history (newest first)."""
    return jsonify(history_view(points_history.history(runtime().kiosk), language()))


@bp.post("/session/history/print")
def session_history_print():
    """Print the household's history as a slip on the receipt printer."""
    k = runtime().kiosk
    found = points_history.history(k)
    lines = [
        (e.at.strftime("%m-%d"), _words(e, "zh_CN").split("：", 1)[-1], e.points, e.confirmed)
        for e in found.entries
    ]
    receipt_id = points_history.print_slip(k, lines)
    return jsonify({"receipt_id": receipt_id})
