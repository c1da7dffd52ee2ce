"""A kiosk bound beyond this machine says so loudly at start; one on loopback stays quiet."""

from __future__ import annotations

import logging

import pytest

from kiosk import cli


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Start `kiosk run` up to the point of serving, and record where it would have listened."""
    import waitress

    calls: list[tuple[str, int]] = []
    monkeypatch.setattr(waitress, "serve", lambda app, host, port, **kw: calls.append((host, port)))
    return calls


def test_a_kiosk_bound_beyond_loopback_warns_at_start_in_chinese_and_english(store, served, caplog):
    config, _ = store
    with caplog.at_level(logging.WARNING, logger="kiosk"):
        assert (
            cli.main(["run", "--config", str(config), "--host", "0.0.0.0", "--port", "8000"]) == 0
        )

    assert served == [("0.0.0.0", 8000)]
    warned = [r.getMessage() for r in caplog.records if r.name == "kiosk"]
    assert len(warned) == 1
    assert "警告" in warned[0] and "0.0.0.0:8000" in warned[0]
    assert "beyond this machine" in warned[0] and "allowed_hosts" in warned[0]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_a_kiosk_bound_to_loopback_starts_without_a_warning(store, served, caplog, host):
    config, _ = store
    with caplog.at_level(logging.WARNING, logger="kiosk"):
        assert cli.main(["run", "--config", str(config), "--host", host, "--port", "8000"]) == 0

    assert served == [(host, 8000)]
    assert [r for r in caplog.records if r.name == "kiosk"] == []
