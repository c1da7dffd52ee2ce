"""/fonts/<name> serves the shipped font and its licence, and nothing else of the package."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "path",
    [
        "/fonts/__init__.py",
        "/fonts/..%2f..%2fkiosk%2fconfig.py",
        "/fonts/%2e%2e/%2e%2e/pyproject.toml",
        "/fonts/../../core/security.py",
        "/fonts/KioskSansSC-Regular.ttf%00.py",
        "/fonts/kiosksanssc-regular.ttf",
    ],
)
def test_no_other_file_is_served_as_a_font(kiosk_client, path):
    answer = kiosk_client.get(path)
    assert answer.status_code == 404
    assert b"import" not in answer.data


def test_the_font_is_served_with_its_type_and_no_cross_origin_grant(kiosk_client):
    answer = kiosk_client.get("/fonts/KioskSansSC-Regular.woff2")
    assert answer.status_code == 200 and answer.mimetype == "font/woff2"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert "Access-Control-Allow-Origin" not in answer.headers
    answer.close()
    rebound = kiosk_client.get("/fonts/KioskSansSC-Regular.woff2", headers={"Host": "evil.example"})
    assert rebound.status_code == 403
