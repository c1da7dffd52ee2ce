"""The OpenAPI document central serves, built from the same schemas that validate requests."""

from __future__ import annotations

from functools import cache
from typing import Any

from core import __version__
from sync import protocol

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        }
    },
}


_INT = {"type": "integer"}
_OK = {"type": "object", "required": ["ok"], "properties": {"ok": {"const": True}}}
_FIGURES = ["registered_residents", "households", "activities", "points_issued"]
_FIGURES += ["participations", "points_redeemed", "exchanges", "goods_issued"]
_STORE_FIGURES = ["exchanges", "points_redeemed", "households_served", "goods_issued"]
_STORE_FIGURES += ["participations"]
_STATS = {
    "type": "object",
    "required": [*_FIGURES, "stores"],
    "properties": {
        **dict.fromkeys(_FIGURES, _INT),
        "stores": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["store", *_STORE_FIGURES],
                "properties": {"store": {"type": "string"}, **dict.fromkeys(_STORE_FIGURES, _INT)},
            },
        },
    },
}
_PERSON = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
}
_HOUSEHOLD = {
    "type": "object",
    "required": ["id", "name", "balance", "members"],
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "balance": _INT,
        "members": {"type": "array", "items": _PERSON},
    },
}


def _oas(schema: Any) -> Any:
    """Turn our JSON Schema subset into OpenAPI 3.1 (which is JSON Schema)."""
    if isinstance(schema, dict):
        return {k: _oas(v) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_oas(v) for v in schema]
    return schema


def _errors(*codes: int) -> dict[str, Any]:
    names = {
        400: "Invalid request",
        401: "Missing or unknown token",
        403: "Not allowed",
        404: "Not found",
        409: "Conflict",
        413: "Too large",
        429: "Too many requests: wait for the Retry-After header's seconds",
    }
    return {
        str(c): {
            "description": names[c],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for c in codes
    }


def _json(ref: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


def _json_any() -> dict[str, Any]:
    return {"content": {"application/json": {"schema": {"type": "object"}}}}


@cache
def document() -> dict[str, Any]:
    """Return the OpenAPI 3.1 document of /api/v1."""
    kiosk = [{"kioskToken": []}]
    office = [{"officeToken": []}]
    payloads = {f"Payload_{k}": _oas(v) for k, v in protocol.PAYLOADS.items()}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Exchange Kiosk central API",
            "version": __version__,
            "description": "Kiosk sync (push outbox entries, pull the change feed, heartbeat) "
            "and the office's figures. Protocol version 1; see docs/sync-protocol.md.",
        },
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {
                "kioskToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "from `kiosk central enroll`",
                },
                "officeToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "from `kiosk central office-token`",
                },
            },
            "schemas": {
                "Error": _ERROR,
                "PushRequest": _oas(protocol.PUSH_REQUEST),
                "PushResponse": _oas(protocol.PUSH_RESPONSE),
                "FeedResponse": _oas(protocol.FEED_RESPONSE),
                "Heartbeat": _oas(protocol.HEARTBEAT),
                "LedgerEntry": _oas(protocol.LEDGER_ENTRY),
                "Ok": _OK,
                "Stats": _STATS,
                "Household": _HOUSEHOLD,
                "AdjustRequest": {
                    "type": "object",
                    "required": ["points", "reason"],
                    "properties": {
                        "points": {"type": "integer", "minimum": -100000, "maximum": 100000},
                        "reason": {"type": "string", "minLength": 1, "maxLength": 200},
                    },
                    "additionalProperties": False,
                },
                "Adjustment": {
                    "type": "object",
                    "required": ["id", "household_id", "points", "reason", "balance"],
                    "properties": {
                        "id": {"type": "string"},
                        "household_id": {"type": "string"},
                        "points": {"type": "integer"},
                        "reason": {"type": "string"},
                        "balance": {"type": "integer"},
                    },
                },
                **payloads,
            },
        },
        "paths": {
            "/api/v1/push": {
                "post": {
                    "summary": "Push a batch of outbox entries (at most 500)",
                    "description": "Each entry is applied at most once, by id. The answer lists "
                    "applied / duplicate / rejected (with a reason) per entry and the highest "
                    "sequence number held without a gap. 409 when an id or sequence number was "
                    "pushed before with other content. Each entry's payload is checked against "
                    "the Payload_<kind> schema.",
                    "security": kiosk,
                    "requestBody": {"required": True, **_json("PushRequest")},
                    "responses": {
                        "200": {"description": "Per-entry answers", **_json("PushResponse")},
                        # A conflict is answered per entry too, with the same body as a 200.
                        "409": {"description": "Conflicting entries", **_json("PushResponse")},
                        **_errors(400, 401, 403, 413, 429),
                    },
                }
            },
            "/api/v1/changes": {
                "get": {
                    "summary": "Pull the change feed after a cursor",
                    "security": kiosk,
                    "parameters": [
                        {
                            "name": "after",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 0},
                        },
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": protocol.MAX_FEED_PAGE,
                            },
                        },
                    ],
                    "responses": {
                        "200": {"description": "Changes in order", **_json("FeedResponse")},
                        **_errors(400, 401, 429),
                    },
                }
            },
            "/api/v1/heartbeat": {
                "post": {
                    "summary": "Report version, backlog, printer and camera state",
                    "security": kiosk,
                    "requestBody": {"required": True, **_json("Heartbeat")},
                    "responses": {
                        "200": {"description": "Recorded", **_json("Ok")},
                        **_errors(400, 401, 429),
                    },
                }
            },
            "/api/v1/stats": {
                "get": {
                    "summary": "The programme's figures, overall and per store",
                    "security": office,
                    "responses": {
                        "200": {"description": "Figures", **_json("Stats")},
                        **_errors(401, 429),
                    },
                }
            },
            "/api/v1/households/{household_id}": {
                "get": {
                    "summary": "A household's balance and members",
                    "security": office,
                    "parameters": [
                        {
                            "name": "household_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "maxLength": 40},
                        }
                    ],
                    "responses": {
                        "200": {"description": "The household", **_json("Household")},
                        **_errors(401, 404, 429),
                    },
                }
            },
            "/api/v1/households/{household_id}/adjust": {
                "post": {
                    "summary": "Correct a household's points with a reason (office admin)",
                    "security": office,
                    "parameters": [
                        {
                            "name": "household_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "maxLength": 40},
                        }
                    ],
                    "requestBody": {"required": True, **_json("AdjustRequest")},
                    "responses": {
                        "201": {"description": "The correction", **_json("Adjustment")},
                        **_errors(400, 401, 403, 404, 429),
                    },
                }
            },
            "/api/v1/openapi.json": {
                "get": {
                    "summary": "This document",
                    "responses": {"200": {"description": "OpenAPI 3.1", **_json_any()}},
                }
            },
            "/api/v1/health": {
                "get": {
                    "summary": "Liveness",
                    "responses": {"200": {"description": "Up", **_json("Ok")}},
                }
            },
        },
    }
