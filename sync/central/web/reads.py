"""Which database a request's read-only view reads: the replica when there is one that answers."""

from __future__ import annotations

from flask import current_app, g

from sync.central.context import Central
from sync.central.replica import Freshness, Source


def reader() -> Central:
    """Return the central server to read from in a read-only view (never for a write).

    The replica is asked once per request how fresh it is (`freshness()` tells the page); one
    that cannot be reached leaves the reads on the primary.
    """
    c: Central = current_app.extensions["central"]
    if c.replica is None:
        return c
    if "freshness" not in g:
        g.freshness = c.replica.freshness()
    if g.freshness.source is Source.FALLBACK:
        return c
    return c.on_replica()


def freshness() -> Freshness | None:
    """Return how fresh this request's reads are, or None when it read only the primary."""
    return g.get("freshness")
