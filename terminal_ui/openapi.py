"""The OpenAPI document of the kiosk's JSON API (/api): openapi.yaml, with core.domain's limits."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

import yaml

from core import __version__
from core.domain import codes, errors, rules
from terminal_ui import prompts


def error_codes() -> list[str]:
    """Return every stable error code the kiosk API can answer with."""
    from terminal_ui import camera, speech
    from terminal_ui.errors import _HTTP, STATUS

    found = {
        value.code
        for value in vars(errors).values()
        if isinstance(value, type) and issubclass(value, errors.DomainError)
    }
    found |= {camera.NoSimulatedCamera.code, camera.UnreadableFrame.code}
    found |= {camera.NotAnImageType.code, "forbidden_origin"}
    found |= {error.code for error in speech.ERRORS}
    found |= {code for code, _ in _HTTP.values()}
    found |= {cls.code for cls in STATUS if cls.code}  # every refusal the web app answers
    return sorted(found)


def _filled() -> dict[str, Any]:
    """Return the values the document takes from the code, by where they go in it."""
    schemas = "/components/schemas"
    return {
        "/info/version": __version__,
        f"{schemas}/Error/properties/error/properties/code/enum": error_codes(),
        f"{schemas}/CartLine/properties/qty/maximum": rules.MAX_CART_QTY,
        f"{schemas}/ScanResult/properties/scan/oneOf/1/properties/qty/maximum": rules.MAX_CART_QTY,
        f"{schemas}/CartRequest/properties/qty/anyOf/0/maximum": rules.MAX_CART_QTY,
        f"{schemas}/ScanRequest/properties/code/maxLength": codes.MAX_CODE_LENGTH,
        "/components/parameters/speechText/schema/maxLength": prompts.MAX_TEXT,
    }


@cache
def document() -> dict[str, Any]:
    """Return the OpenAPI 3.1 document of the kiosk's /api."""
    text = files(__package__).joinpath("openapi.yaml").read_text("utf-8")
    # Through JSON: the YAML's anchors (one session, one person) become separate objects.
    doc = json.loads(json.dumps(yaml.safe_load(text)))
    for pointer, value in _filled().items():
        *parents, last = pointer.strip("/").split("/")
        node = doc
        for step in parents:
            node = node[int(step)] if isinstance(node, list) else node[step]
        if last not in node or node[last] not in (None, []):
            raise KeyError(f"openapi.yaml has no empty {pointer}")
        node[last] = value
    return doc
