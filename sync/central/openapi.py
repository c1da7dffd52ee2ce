"""The OpenAPI document central serves: openapi.yaml, with the wire protocol's own schemas."""

from __future__ import annotations

import copy
from functools import cache
from importlib.resources import files
from typing import Any

import yaml

from core import __version__
from core.domain import limits
from sync import protocol


def protocol_schemas() -> dict[str, dict[str, Any]]:
    """Return the schemas that validate kiosks' requests, by their names in the document."""
    return {
        "PushRequest": protocol.PUSH_REQUEST,
        "PushResponse": protocol.PUSH_RESPONSE,
        "FeedResponse": protocol.FEED_RESPONSE,
        "SyncRequest": protocol.SYNC_REQUEST,
        "SyncResponse": protocol.SYNC_RESPONSE,
        "CardLookup": protocol.CARD_LOOKUP,
        "Balance": protocol.BALANCE,
        "Heartbeat": protocol.HEARTBEAT,
        "LedgerEntry": protocol.LEDGER_ENTRY,
        **{f"Payload_{kind}": schema for kind, schema in protocol.PAYLOADS.items()},
    }


@cache
def document() -> dict[str, Any]:
    """Return the OpenAPI 3.1 document of /api/v1."""
    doc = yaml.safe_load(files(__package__).joinpath("openapi.yaml").read_text("utf-8"))
    doc["info"]["version"] = __version__
    # Copies: whoever edits the served document must not change what validates requests.
    doc["components"]["schemas"].update(copy.deepcopy(protocol_schemas()))
    changes = doc["paths"]["/api/v1/changes"]["get"]["parameters"]
    limit = next(p for p in changes if p["name"] == "limit")
    limit["schema"]["maximum"] = protocol.MAX_FEED_PAGE
    schemas = doc["components"]["schemas"]
    rule = schemas["Rule"]["properties"]
    rule["points"]["minimum"], rule["points"]["maximum"] = (
        -limits.MAX_RULE_POINTS,
        limits.MAX_RULE_POINTS,
    )
    count = rule["cap_count"]["anyOf"][0]
    count["minimum"], count["maximum"] = limits.RULE_CAP
    schemas["ClaimRequest"]["properties"]["photos"]["maxItems"] = limits.MAX_CLAIM_PHOTOS
    return doc
