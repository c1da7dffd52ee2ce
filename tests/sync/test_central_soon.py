"""Central's thread for work an office decision leaves (sync.central.soon)."""

from __future__ import annotations

import threading
import time

from sync.central.soon import Soon


def test_the_thread_ends_when_idle_and_the_next_decision_starts_it_again():
    soon = Soon(idle_seconds=0.2)
    done: list[set[str]] = []
    soon.add({"H1"}, done.append)
    assert soon.settle()
    assert done == [{"H1"}]
    deadline = time.monotonic() + 5
    while soon._thread is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert soon._thread is None  # ended after its idle time
    soon.add({"H2"}, done.append)
    assert soon.settle()
    assert done == [{"H1"}, {"H2"}]


def test_keys_added_during_a_run_are_taken_together_by_the_next():
    soon = Soon()
    running, release = threading.Event(), threading.Event()
    done: list[set[str]] = []

    def work(keys):
        done.append(keys)
        running.set()
        assert release.wait(5)

    soon.add({"H1"}, work)
    assert running.wait(5)
    soon.add({"H2"}, work)
    soon.add({"H3", "H2"}, work)
    assert not soon.settle(timeout=0.1)  # a run is under way and more wait
    release.set()
    assert soon.settle()
    assert done == [{"H1"}, {"H2", "H3"}]


def test_a_failed_run_is_logged_and_the_thread_goes_on(caplog):
    soon = Soon()
    done: list[set[str]] = []

    def fail(keys):
        raise RuntimeError("no database")

    soon.add({"H1"}, fail)
    assert soon.settle()
    assert "timed jobs will do it" in caplog.text
    soon.add({"H2"}, done.append)
    assert soon.settle()
    assert done == [{"H2"}]


def test_nothing_to_do_starts_no_thread():
    soon = Soon()
    soon.add(set(), lambda keys: None)
    assert soon._thread is None
    assert soon.settle(timeout=0)
