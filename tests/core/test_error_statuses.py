"""Every domain error has a code, a Chinese message, and a status on each side that meets it."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest

from core.domain import errors
from core.domain.errors import StorageUnavailable
from sync.central.web import api as central_api
from terminal_ui import errors as kiosk_web
from terminal_ui.i18n import catalogue

ROOT = Path(__file__).resolve().parents[2]
ALL = [
    value
    for value in vars(errors).values()
    if isinstance(value, type) and issubclass(value, errors.DomainError)
] + [StorageUnavailable]


def _raised_by_central() -> set[str]:
    """Return the names of the domain errors central's code names (raises or catches)."""
    names: set[str] = set()
    for path in (ROOT / "sync").rglob("*.py"):
        if "migrations" not in path.parts:
            names |= set(re.findall(r"\berrors\.([A-Z]\w+)", path.read_text(encoding="utf-8")))
    return names


@pytest.mark.parametrize("cls", ALL, ids=lambda cls: cls.__name__)
def test_a_domain_error_has_a_code_and_a_message_in_chinese(cls):
    assert re.fullmatch(r"[a-z_]+", cls.code)
    assert cls.message and catalogue("zh_CN").get(cls.message), cls.message


@pytest.mark.parametrize("cls", ALL, ids=lambda cls: cls.__name__)
def test_the_kiosk_answers_every_domain_error_with_a_mapped_status(cls):
    assert cls in kiosk_web.STATUS
    assert kiosk_web.STATUS[cls] in (400, 403, 404, 409, 503)


def _subclasses(cls: type) -> set[type]:
    return {sub for child in cls.__subclasses__() for sub in (child, *_subclasses(child))}


def test_the_kiosk_maps_every_refusal_its_web_app_can_meet():
    import kiosk.services
    import terminal_ui

    for package in (terminal_ui, kiosk.services):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            importlib.import_module(module.name)
    defined = {cls for cls in _subclasses(errors.DomainError) if cls.__module__ != __name__}
    assert defined - set(kiosk_web.STATUS) == set()


def test_central_maps_every_domain_error_its_code_names():
    named = _raised_by_central()
    assert {"ActivityFull", "InactiveActivity", "ActivityNotToday"} <= named
    mapped = {cls.__name__ for cls in central_api.STATUS}
    assert named <= mapped


def test_both_sides_answer_a_shared_refusal_with_the_same_status():
    for cls, status in central_api.STATUS.items():
        assert kiosk_web.STATUS[cls] == status, cls.__name__


def test_a_subclass_answers_as_its_nearest_mapped_base():
    class Special(errors.OutOfStock):
        code = "special"

    assert kiosk_web.status_of(Special()) == 409
    assert central_api.status_of(Special()) == 400


@pytest.mark.parametrize("cls", list(central_api.STATUS), ids=lambda cls: cls.__name__)
def test_centrals_api_answers_a_domain_refusal_as_json_with_its_status(cls):
    from flask import Flask

    app = Flask(__name__)
    central_api.register_errors(app)

    @app.get("/api/v1/refuse")
    def refuse():
        raise cls(name="植树", day="2025-03-01", low=1, high=9, field="x", reason="y")

    response = app.test_client().get("/api/v1/refuse")
    assert response.status_code == central_api.STATUS[cls]
    assert response.get_json()["error"]["code"] == cls.code
