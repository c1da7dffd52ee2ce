"""The kiosk killed with SIGKILL twenty times mid-stream loses and doubles nothing."""

from __future__ import annotations

import pytest

from benchmarks.crash import run


@pytest.mark.slow
@pytest.mark.timeout(600)  # about 250 s on a 2-core machine: each kill may wait for a checkout
def test_twenty_sigkills_lose_no_acknowledged_checkout_and_deliver_everything_once(tmp_path):
    report = run(kills=20, seed=7, root=tmp_path)
    assert report["problems"] == []
    # The stream really ran between the kills (half of them wait for an acknowledged checkout).
    assert report["acknowledged_checkouts"] >= 10
    assert report["outbox_rows"] >= report["exchanges_at_kiosk"]
