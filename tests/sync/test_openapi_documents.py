"""The OpenAPI documents: data in YAML, the request shapes and limits from the code that checks."""

from __future__ import annotations

import json

import pytest

from core.domain import codes, rules
from sync import protocol
from sync.central.openapi import document as central_document
from sync.central.openapi import protocol_schemas
from terminal_ui.openapi import document as terminal_document
from terminal_ui.openapi import error_codes


def _nulls(value, path="") -> list[str]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _nulls(v, f"{path}/{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _nulls(v, f"{path}/{i}")]
    return [path] if value is None else []


def test_central_publishes_the_schemas_it_validates_pushes_with():
    schemas = central_document()["components"]["schemas"]
    for name, schema in protocol_schemas().items():
        assert schemas[name] == schema
        assert schemas[name] is not schema  # editing the document cannot loosen validation
    assert {f"Payload_{kind}" for kind in protocol.PAYLOADS} <= set(schemas)
    [limit] = [
        p
        for p in central_document()["paths"]["/api/v1/changes"]["get"]["parameters"]
        if p["name"] == "limit"
    ]
    assert limit["schema"]["maximum"] == protocol.MAX_FEED_PAGE


def test_the_kiosk_document_takes_its_limits_and_error_codes_from_the_code():
    doc = terminal_document()
    schemas = doc["components"]["schemas"]
    assert schemas["CartLine"]["properties"]["qty"]["maximum"] == rules.MAX_CART_QTY
    assert schemas["CartRequest"]["properties"]["qty"]["anyOf"][0]["maximum"] == rules.MAX_CART_QTY
    assert schemas["ScanRequest"]["properties"]["code"]["maxLength"] == codes.MAX_CODE_LENGTH
    error = schemas["Error"]["properties"]["error"]["properties"]["code"]
    assert error["enum"] == error_codes()


def test_no_value_is_left_for_the_code_to_fill_and_no_yaml_alias_is_shared():
    for doc in (central_document(), terminal_document()):
        assert _nulls(doc) == []
        assert doc["openapi"] == "3.1.0"
        json.dumps(doc)  # served as JSON
    sessions = terminal_document()["components"]["schemas"]
    assert (
        sessions["Session"]["properties"]["resident"]
        is not (sessions["ScanResult"]["properties"]["resident"])
    )
    assert sessions["Session"]["properties"] == {
        k: v for k, v in sessions["ScanResult"]["properties"].items() if k != "scan"
    }


def test_the_rule_and_claim_schemas_take_their_limits_from_the_code():
    from core.domain import limits

    schemas = central_document()["components"]["schemas"]
    points = schemas["Rule"]["properties"]["points"]
    assert (points["minimum"], points["maximum"]) == (
        -limits.MAX_RULE_POINTS,
        limits.MAX_RULE_POINTS,
    )
    assert schemas["ClaimRequest"]["properties"]["photos"]["maxItems"] == limits.MAX_CLAIM_PHOTOS
    assert "base64" in schemas["ClaimRequest"]["description"]


def test_the_central_document_is_valid_openapi():
    spec = pytest.importorskip("openapi_spec_validator")  # installed with schemathesis
    spec.validate(central_document())
