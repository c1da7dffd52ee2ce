"""The sync worker's back-off: a function of how long central has been gone."""

from __future__ import annotations

from kiosk.sync.client import BACKOFF_CAP, backoff_seconds


def test_back_off_grows_with_time_offline_not_with_attempts_and_is_capped():
    assert BACKOFF_CAP <= 60
    assert backoff_seconds(0) == backoff_seconds(0.5) > 0
    assert backoff_seconds(5) < backoff_seconds(30) < backoff_seconds(90)
    assert backoff_seconds(3 * 3600) == backoff_seconds(600) == BACKOFF_CAP
