"""The OpenAPI document of the kiosk's JSON API (/api), served at /api/openapi.json."""

from __future__ import annotations

from functools import cache
from typing import Any

from core import __version__
from core.domain import codes, errors, rules

_REF = "#/components/schemas/"
JSON = "application/json"
# The body's type when an image is sent as is (any image/* is taken; BMP and TIFF too).
IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp", "image/gif")


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _obj(required: list[str], extra: bool = False, **props: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "required": required,
        "properties": props,
        "additionalProperties": extra,
    }


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF + name}


def error_codes() -> list[str]:
    """Return every stable error code the kiosk API can answer with."""
    from terminal_ui import camera
    from terminal_ui.errors import _HTTP

    found = {
        value.code
        for value in vars(errors).values()
        if isinstance(value, type) and issubclass(value, errors.DomainError)
    }
    found |= {camera.NoSimulatedCamera.code, camera.UnreadableFrame.code}
    found |= {camera.NotAnImageType.code, "forbidden_origin"}
    found |= {code for code, _ in _HTTP.values()}
    return sorted(found)


_TEXT = {"type": "string"}
_INT = {"type": "integer"}
_PERSON = _obj(["id", "name"], id=_TEXT, name=_TEXT)
_LINE = _obj(
    ["product_code", "name", "qty", "points", "points_each"],
    product_code=_TEXT,
    name=_TEXT,
    qty={"type": "integer", "minimum": 1, "maximum": rules.MAX_CART_QTY},
    points={"type": "integer", "minimum": 0},
    points_each={"type": "integer", "minimum": 0},
)
_SESSION_FIELDS = {
    "session_id": _nullable(_TEXT),
    "mode": {"type": "string", "enum": ["idle", "exchange", "checkin"]},
    "resident": _nullable(_PERSON),
    "household": _nullable(_obj(["id", "name", "balance"], id=_TEXT, name=_TEXT, balance=_INT)),
    "beneficiary": _nullable(_PERSON),
    "members": {"type": "array", "items": _PERSON},
    "activity": _nullable(
        _obj(
            ["id", "name", "points", "type", "ends_in"],
            id=_TEXT,
            name=_TEXT,
            points=_INT,
            type=_TEXT,
            ends_in={"type": "integer", "minimum": 0},  # seconds until check-in mode ends
        )
    ),
    "cart": {"type": "array", "items": _ref("CartLine")},
    "total": {"type": "integer", "minimum": 0},
    "remaining": _nullable(_INT),
}


def _session(**more: Any) -> dict[str, Any]:
    fields = {**_SESSION_FIELDS, **more}
    return _obj(list(fields), **fields)


# What a scan did: one shape per kind (see kiosk.services.terminal.scan).
_SCAN = {
    "oneOf": [
        _obj(["kind", "resident_id"], kind={"const": "card"}, resident_id=_TEXT),
        _obj(
            ["kind", "product_code", "qty"],
            kind={"const": "product"},
            product_code=_TEXT,
            qty={"type": "integer", "minimum": 1, "maximum": rules.MAX_CART_QTY},
        ),
        _obj(
            [
                "kind",
                "checkin_id",
                "activity",
                "resident",
                "household",
                "points",
                "balance",
                "receipt_id",
                "printed",
            ],
            kind={"const": "checkin"},
            checkin_id=_TEXT,
            activity=_TEXT,
            resident=_TEXT,
            household=_TEXT,
            points=_INT,
            balance=_INT,
            receipt_id=_INT,
            printed={"type": "boolean"},
        ),
    ]
}
# The camera's last outcome: what the scan did, or why it was refused (message localised).
_OUTCOME = _nullable(
    {
        "oneOf": [
            _obj(["ok", "kind", "seq"], extra=True, ok={"const": True}, kind=_TEXT, seq=_INT),
            _obj(
                ["ok", "code", "message", "params", "seq"],
                ok={"const": False},
                code=_TEXT,
                message=_TEXT,
                params={"type": "object", "additionalProperties": _TEXT},
                seq=_INT,
            ),
        ]
    }
)
_CAMERA_STATUS = {
    "type": "object",
    "required": ["state"],
    "properties": {"state": _TEXT},
    "description": "The camera loop's snapshot (frames read, decoded, dropped, last code, …), "
    'or {"state": "off"} without a camera.',
}

_CODE_BODY = _obj(
    [],
    extra=True,
    code={
        "type": "string",
        "maxLength": codes.MAX_CODE_LENGTH,
        "description": "the scanned text: a card (EKC:…), product label (EKP:…) or activity "
        "(EKA:…) code",
    },
)
_QTY = {
    "anyOf": [
        {"type": "integer", "minimum": 0, "maximum": rules.MAX_CART_QTY},
        {"type": "string", "pattern": r"^\s*[0-9]{1,2}\s*$"},
    ],
    "description": "how many; 0 removes the line (a string of digits is read as a number)",
}
_DESCRIPTIONS = {
    400: "Refused input",
    403: "Refused card, or a request from another site or address (forbidden_origin)",
    404: "Unknown code, product, person or receipt",
    409: "Not possible in the terminal's present state",
    413: "Too large",
    415: "Not an image (image/*, or multipart/form-data with an image part)",
    429: "Too many at once (busy); try again after Retry-After seconds",
    503: "The terminal is busy, or cannot save (storage_unavailable); try again",
}


def _errors(*statuses: int) -> dict[str, Any]:
    # Every request may be refused as not the kiosk's own (403) or when it cannot answer (503).
    return {
        str(status): {"description": _DESCRIPTIONS[status], "content": {JSON: _schema("Error")}}
        for status in sorted({*statuses, 403, 503})
    }


def _schema(name: str) -> dict[str, Any]:
    return {"schema": _ref(name)}


def _ok(name: str, description: str) -> dict[str, Any]:
    return {"200": {"description": description, "content": {JSON: _schema(name)}}}


def _json_body(name: str) -> dict[str, Any]:
    return {"required": False, "content": {JSON: _schema(name)}}


def _op(summary: str, responses: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {
        "summary": summary,
        "parameters": [{"$ref": "#/components/parameters/lang"}],
        "responses": responses,
        **more,
    }


@cache
def document() -> dict[str, Any]:
    """Return the OpenAPI 3.1 document of the kiosk's /api."""
    cart_errors = _errors(400, 404, 409, 413)
    scan_errors = _errors(400, 403, 404, 409, 413)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Exchange Kiosk terminal API",
            "version": __version__,
            "description": "The touch screen's own API, served on the kiosk (no token: it "
            "listens locally). Every refusal is 4xx JSON with a stable code and a message in "
            "the screen's language (?lang=, else the lang cookie, else the kiosk's). A "
            "refused request changes nothing. Request bodies are at most 64 KB (camera "
            "frames 12 MB).",
        },
        "servers": [{"url": "/"}],
        "components": {
            "parameters": {
                "lang": {
                    "name": "lang",
                    "in": "query",
                    "required": False,
                    "description": "language of messages: zh_CN or en (others fall back)",
                    "schema": {"type": "string"},
                }
            },
            "schemas": {
                "Error": _obj(
                    ["error"],
                    error=_obj(
                        ["code", "message"],
                        code={"type": "string", "enum": error_codes()},
                        message={"type": "string", "minLength": 1},
                    ),
                ),
                "CartLine": _LINE,
                "Session": _session(),
                "ScanResult": _session(scan=_SCAN),
                "CameraResult": _session(
                    camera=_obj(
                        ["codes", "outcome"],
                        codes={"type": "integer", "minimum": 0},
                        outcome=_OUTCOME,
                    )
                ),
                "CameraStatus": _obj(["status", "last"], status=_CAMERA_STATUS, last=_OUTCOME),
                "Checkout": _obj(
                    ["exchange_id", "number", "total", "balance_after", "receipt_id", "printed"],
                    exchange_id=_TEXT,
                    number=_TEXT,
                    total={"type": "integer", "minimum": 0},
                    balance_after=_INT,
                    receipt_id=_INT,
                    printed={"type": "boolean"},
                ),
                "Receipt": _obj(
                    ["id", "kind", "number", "status", "text", "escpos_base64"],
                    id=_INT,
                    kind={
                        "type": "string",
                        "enum": ["exchange", "void", "checkin", "restock", "summary"],
                    },
                    number=_TEXT,
                    status={
                        "type": "string",
                        "enum": ["pending", "printing", "printed", "failed", "held", "dismissed"],
                    },
                    text=_TEXT,
                    escpos_base64={"type": "string", "contentEncoding": "base64"},
                ),
                "Products": {
                    "type": "array",
                    "items": _obj(
                        ["code", "name", "points", "stock", "category", "unit", "active"],
                        code=_TEXT,
                        name=_TEXT,
                        points={"type": "integer", "minimum": 0},
                        stock={"type": "integer", "minimum": 0},
                        category=_TEXT,
                        unit=_TEXT,
                        active={"type": "boolean"},
                    ),
                },
                "ScanRequest": _CODE_BODY,
                "CardRequest": _obj(
                    ["code"], extra=True, code={"type": "string", "minLength": 1, "maxLength": 64}
                ),
                "CartRequest": _obj(
                    ["product_code", "qty"],
                    extra=True,
                    product_code={"type": "string", "description": "a product code or label"},
                    qty=_QTY,
                ),
                "BeneficiaryRequest": _obj(
                    [],
                    extra=True,
                    resident_id={
                        **_nullable(_TEXT),
                        "description": "a member of the household; null, empty or the card "
                        "holder's own id: for the card holder",
                    },
                ),
                "CheckoutRequest": _obj(
                    [],
                    extra=True,
                    session_id={
                        **_nullable(_TEXT),
                        "description": "the session shown; omitted: the terminal's latest",
                    },
                ),
            },
        },
        "paths": {
            "/api/openapi.json": {
                "get": {
                    "summary": "This document",
                    "responses": {
                        "200": {"description": "OpenAPI 3.1", "content": {JSON: {"schema": {}}}}
                    },
                }
            },
            "/api/scan": {
                "post": _op(
                    "Resolve a scanned code: a card starts a session, a label adds to the "
                    "cart, an activity code starts check-in (where a card then checks in)",
                    {**_ok("ScanResult", "The session after the scan"), **scan_errors},
                    requestBody=_json_body("ScanRequest"),
                )
            },
            "/api/session": {
                "get": _op(
                    "The terminal's current session", {**_ok("Session", "The session"), **_errors()}
                )
            },
            "/api/session/cart": {
                "post": _op(
                    "Set how many of a product the resident takes (0 removes the line)",
                    {**_ok("Session", "The session"), **cart_errors},
                    requestBody=_json_body("CartRequest"),
                )
            },
            "/api/session/beneficiary": {
                "post": _op(
                    "Record the household member the goods are for",
                    {**_ok("Session", "The session"), **cart_errors},
                    requestBody=_json_body("BeneficiaryRequest"),
                )
            },
            "/api/session/checkout": {
                "post": _op(
                    "Commit the exchange (points, stock, receipt in one transaction), then "
                    "print the receipt",
                    {**_ok("Checkout", "The exchange"), **_errors(400, 409, 413)},
                    requestBody=_json_body("CheckoutRequest"),
                )
            },
            "/api/session/cancel": {
                "post": _op(
                    "End the session; nothing is spent",
                    {**_ok("Session", "The idle session"), **_errors(400, 413)},
                )
            },
            "/api/receipts/{receipt_id}": {
                "get": _op(
                    "A receipt's text and ESC/POS bytes",
                    {**_ok("Receipt", "The receipt"), **_errors(404)},
                    parameters=[
                        {"$ref": "#/components/parameters/lang"},
                        {
                            "name": "receipt_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer", "minimum": 0},
                        },
                    ],
                )
            },
            "/api/products": {
                "get": _op("The goods on offer", {**_ok("Products", "Goods"), **_errors()})
            },
            "/api/events": {
                "get": _op(
                    "Server-sent events: hello, then change (session, stock, printer, camera) "
                    "with keep-alive comments, until the timeout. A few streams at once (429 "
                    "beyond); the screen reconnects when its stream ends",
                    {
                        "200": {
                            "description": "An event stream",
                            "content": {"text/event-stream": {"schema": {"type": "string"}}},
                        },
                        **_errors(429),
                    },
                    parameters=[
                        {"$ref": "#/components/parameters/lang"},
                        {
                            "name": "timeout",
                            "in": "query",
                            "description": "seconds, 1 to the server's limit (300, the "
                            "default); unreadable: the default",
                            "schema": {"type": "string"},
                        },
                    ],
                )
            },
            "/api/camera": {
                "get": _op(
                    "The camera's state and its last scan outcome",
                    {**_ok("CameraStatus", "The camera"), **_errors()},
                )
            },
            "/api/camera/frame": {
                "post": _op(
                    "Put an image (PNG, JPEG, BMP, WebP, TIFF, GIF; at most 12 MB) through the "
                    "real decode path, as if the simulated camera had seen it",
                    {
                        **_ok("CameraResult", "The session after any scan"),
                        **_errors(400, 409, 413, 415, 429),
                    },
                    requestBody={
                        "required": True,
                        "content": {
                            "multipart/form-data": {
                                "schema": {
                                    "type": "object",
                                    "required": ["image"],
                                    "properties": {"image": {"type": "string", "format": "binary"}},
                                }
                            },
                            **{
                                kind: {"schema": {"type": "string", "format": "binary"}}
                                for kind in IMAGE_TYPES
                            },
                        },
                    },
                )
            },
            "/api/camera/card": {
                "post": _op(
                    "Hold a card to the simulated camera: its QR is rendered into a scene "
                    "and scanned",
                    {**_ok("CameraResult", "The session after any scan"), **_errors(400, 409, 413)},
                    requestBody={"required": True, "content": {JSON: _schema("CardRequest")}},
                )
            },
        },
    }
