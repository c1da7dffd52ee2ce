"""Domain errors carry a stable code and a message with its parameters, and no HTTP status."""

from __future__ import annotations

import pytest

from core.domain import errors


def _all_errors() -> list[type[errors.DomainError]]:
    return [
        value
        for value in vars(errors).values()
        if isinstance(value, type)
        and issubclass(value, errors.DomainError)
        and value is not errors.DomainError
    ]


def test_every_domain_error_has_a_unique_code():
    codes = [cls.code for cls in _all_errors()]
    assert len(codes) == len(set(codes))


def test_a_domain_error_carries_no_http_status():
    assert not any(hasattr(cls, "status") for cls in (errors.DomainError, *_all_errors()))


def test_a_domain_error_renders_its_parameters_into_the_message():
    exc = errors.InsufficientPoints(needed=120, available=95)
    assert str(exc) == "Not enough points: 120 needed, 95 available."
    assert exc.code == "insufficient_points"
    assert exc.params == {"needed": 120, "available": 95}


@pytest.mark.parametrize("cls", _all_errors())
def test_a_domain_error_without_its_parameters_still_renders(cls):
    assert str(cls())
