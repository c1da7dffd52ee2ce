"""Central's refusals and alerts in the office's words.

Ingest answers kiosks in the protocol's English (docs/sync-protocol.md), and keeps that text with
the refused entry and its alert. The office reads it here, turned into a message of its own
catalogue with the ids and numbers filled in; a text this table does not know is shown as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# (the protocol's text, the office's message); named groups fill the message's blanks.
WORDS: tuple[tuple[str, str], ...] = (
    (r"unknown household (?P<id>\S+)", "Unknown household {id}"),
    (
        r"ledger sequence (?P<seq>\d+) already held for this kiosk",
        "Entry {seq} of this kiosk was already received",
    ),
    (r"hash does not match contents", "The entry's check value does not match it: altered?"),
    (r"ledger entry id already held", "An entry with this id was already received"),
    (r"unknown activity (?P<id>\S+)", "Unknown activity {id}"),
    (
        r"activity (?P<id>\S+) is worth (?P<worth>-?\d+) points, not (?P<asked>-?\d+)",
        "Activity {id} is worth {worth} points, not {asked}",
    ),
    (r"activity (?P<id>\S+) is full \((?P<cap>\d+)\)", "Activity {id} is full ({cap} places)"),
    (r"activity (?P<id>\S+) is closed", "Activity {id} is closed"),
    (
        r"activity (?P<id>\S+) is on (?P<day>[\d-]+), the check-in on (?P<on>[\d-]+)",
        "Activity {id} is on {day}; the check-in was on {on}",
    ),
    (
        r"activity (?P<id>\S+) is on (?P<day>[\d-]+), not yet come",
        "Activity {id} is on {day}, a day that has not come yet",
    ),
    (
        r"(?P<resident>\S+) is already credited for (?P<id>\S+)",
        "{resident} already has points for activity {id}",
    ),
    (
        r"points are adjusted only by the office, not by a kiosk",
        "Only the office adjusts points; a kiosk may not",
    ),
    (r"unknown product (?P<code>\S+)", "Unknown product {code}"),
    (r"unknown card", "Unknown card"),
    (r"this card is already held", "This card was already received"),
    (
        r"a card of a household this store has not served is revoked only by the office",
        "Only the office may revoke the card of a household this store has not served",
    ),
    (
        r"a stock move names (?P<code>\S+), not in the entry",
        "A stock movement names {code}, which is not in the exchange",
    ),
    (
        r"a stock move of (?P<qty>-?\d+) (?P<code>\S+) goes the wrong way",
        "A stock movement of {qty} × {code} goes the wrong way",
    ),
    (
        r"stock batch (?P<batch>\S+) was never received at this kiosk",
        "Stock batch {batch} was never received at this kiosk",
    ),
    (
        r"stock batch (?P<batch>\S+) holds (?P<held>\S+), not (?P<code>\S+)",
        "Stock batch {batch} holds {held}, not {code}",
    ),
    (r"batch (?P<batch>\S+) already held", "Stock batch {batch} was already received"),
    (
        r"the stocktake names new batch (?P<batch>\S+) twice",
        "The stocktake names new stock batch {batch} twice",
    ),
    (
        r"the ledger entry does not match the exchange total",
        "The points entry does not match the exchange's total",
    ),
    (
        r"the ledger entry does not match the voided total",
        "The points entry does not match the voided total",
    ),
    (r"the ledger entry is for another household", "The points entry is for another household"),
    (r"exchange id already held", "This exchange was already received"),
    (r"check-in id already held", "This check-in was already received"),
    (r"the lines do not add up to the total", "The lines do not add up to the total"),
    (r"the stock moves do not match the lines", "The stock movements do not match the lines"),
    (
        r"the void does not return exactly the goods the exchange handed out",
        "The void does not return exactly the goods the exchange handed out",
    ),
    (r"a check-in must carry an earn entry", "A check-in must carry a points credit"),
    (
        r"a reversal of an entry central has not refused",
        "A reversal of an entry the office did not refuse",
    ),
    (r"this refusal is already reversed", "This refusal was already reversed"),
    (
        r"the reversal does not mirror the refused entry",
        "The reversal does not mirror the refused entry",
    ),
    (r"exchange already voided", "The exchange was already voided"),
    (
        r"void of an exchange this kiosk has not pushed",
        "A void of an exchange this kiosk never sent",
    ),
    (
        r"ledger seq (?P<seq>\d+) missing before (?P<next>\d+)",
        "Entry {seq} of this kiosk is missing (before {next})",
    ),
    (
        r"ledger seq (?P<seq>\d+): (?:previous )?hash does not match(?: contents)?",
        "Entry {seq} of this kiosk does not match the entries before it: altered?",
    ),
    (
        r"household (?P<id>\S+) took (?P<total>\d+) of (?P<code>\S+) in (?P<period>\S+), "
        r"over its quota of (?P<limit>\d+)",
        "Household {id} took {total} of {code} in {period}, over its quota of {limit}",
    ),
    (
        r"household (?P<id>\S+) is (?P<short>\d+) points short",
        "Household {id} is {short} points short (spent at two offline kiosks)",
    ),
    (r"claim id already held", "A claim with this id was already received"),
    (r"unknown rule (?P<code>\S+)", "Unknown rule {code}"),
    (r"rule (?P<code>\S+) is no longer in use", "Rule {code} is no longer in use"),
    (
        r"rule (?P<code>\S+) counts per resident: a resident must be named",
        "Rule {code} counts each person: the claim must name who took part",
    ),
    (
        r"photo (?P<n>\d+) is not a JPEG, PNG or WebP image",
        "Photo {n} is not a JPEG, PNG or WebP image",
    ),
    (
        r"photo (?P<n>\d+) is larger than (?P<most>\d+) bytes",
        "Photo {n} is larger than {most} bytes",
    ),
    (r"rule (?P<code>\S+) needs a photo", "Rule {code} needs a photo"),
    (
        r"household (?P<id>\S+) is not served by this kiosk's store",
        "Household {id} is not served by this kiosk's store",
    ),
)
WORDS += (
    (r"unknown [a-z]+ (?P<id>\S+)", "Unknown resident {id}"),
    (
        r"[a-z]+ (?P<id>\S+) is not a member of household (?P<household>\S+)",
        "Resident {id} is not a member of household {household}",
    ),
)
_COMPILED = tuple((re.compile(pattern), message) for pattern, message in WORDS)
_CARRIER = re.compile(r"(?P<kind>[a-z_]+) #(?P<seq>\d+): (?P<rest>.+)", re.S)


def in_words(text: str | None, translate: Callable[..., str]) -> str:
    """Return central's refusal or alert text in the office's language."""
    if not text:
        return ""
    carried = _CARRIER.fullmatch(text)
    if carried:
        inner = in_words(carried["rest"], translate)
        return translate(
            "{kind} no. {seq}: {why}",
            kind=translate(carried["kind"]),
            seq=carried["seq"],
            why=inner,
        )
    for pattern, message in _COMPILED:
        found = pattern.fullmatch(text.strip())
        if found:
            return translate(message, **found.groupdict())
    return text
