"""The camera loop: newest frame first, one scan per showing, recovery, a clean stop."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from kiosk.camera import CameraError, CameraLoop, Debouncer, EndOfStream, SimulatedCamera
from kiosk.camera.loop import shown

CARD = "EKC:ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LABEL = "EKP:OIL5L"
FAST = (0.01, 0.05)  # backoff for tests: reconnect within milliseconds


def frame_of(number: int) -> np.ndarray:
    """Return a tiny frame that carries its number (fake decoders read it back)."""
    return np.full((2, 2), number, np.int64)


def number_of(frame: np.ndarray) -> int:
    return int(frame[0, 0])


class ScriptedCamera:
    """Play a script (a frame number, None, an exception) a frame per pause, then end."""

    name = "scripted"

    def __init__(self, script, *, pause: float = 0.03, open_failures: int = 0) -> None:
        self.script = list(script)
        self.pause = pause
        self.open_failures = open_failures
        self.opens = 0
        self.closed = threading.Event()

    def open(self) -> None:
        self.opens += 1
        if self.open_failures > 0:
            self.open_failures -= 1
            raise CameraError("device busy")
        self.closed.clear()

    def read(self):
        if self.pause and self.closed.wait(self.pause):
            return None
        if not self.script:
            raise EndOfStream(self.name)
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        return None if step is None else frame_of(step)

    def close(self) -> None:
        self.closed.set()


def codes_by_number(mapping: dict[int, list[str]]):
    """Return a fake decoder that looks a frame's number up in mapping."""
    return lambda frame: list(mapping.get(number_of(frame), []))


class Recorder:
    """Collect codes and states from the loop's callbacks."""

    def __init__(self) -> None:
        self.codes: list[str] = []
        self.states: list[str] = []
        self.lock = threading.Lock()

    def code(self, code: str) -> None:
        with self.lock:
            self.codes.append(code)

    def status(self, status: dict) -> None:
        with self.lock:
            if not self.states or self.states[-1] != status["state"]:
                self.states.append(status["state"])


def camera_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("camera-")]


@pytest.fixture(autouse=True)
def no_threads_left_behind():
    yield
    deadline = time.monotonic() + 2
    while camera_threads() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert camera_threads() == []


# -- debounce ------------------------------------------------------------------------------


def test_debouncer_counts_the_same_code_twice_within_the_window_as_one_scan():
    gate = Debouncer(window=2.5)
    assert gate.accept([CARD], 10.0) == [CARD]
    assert gate.accept([CARD], 11.0) == []


def test_debouncer_lets_the_same_code_through_again_after_the_window():
    gate = Debouncer(window=2.5)
    assert gate.accept([CARD], 10.0) == [CARD]
    assert gate.accept([CARD], 12.6) == [CARD]


def test_debouncer_lets_a_different_code_through_at_once():
    gate = Debouncer(window=2.5)
    assert gate.accept([CARD], 10.0) == [CARD]
    assert gate.accept([LABEL], 10.1) == [LABEL]


def test_debouncer_counts_a_card_held_up_for_a_minute_as_one_scan():
    gate = Debouncer(window=2.5)
    seen = [code for second in range(60) for code in gate.accept([CARD], float(second))]
    assert seen == [CARD]


def test_debouncer_counts_two_codes_in_view_together_once_each():
    gate = Debouncer(window=2.5)
    seen = [c for t in range(10) for c in gate.accept([CARD, LABEL], t * 0.1)]
    assert seen == [CARD, LABEL]


def test_debouncer_memory_stays_small_with_many_codes():
    gate = Debouncer(window=1.0)
    for i in range(10_000):
        gate.accept([f"EKP:P{i}"], float(i))
    assert len(gate._seen) <= 33


def test_loop_calls_on_code_once_for_the_same_code_twice_within_the_window():
    rec = Recorder()
    camera = ScriptedCamera([1, 1, 1])
    loop = CameraLoop(camera, rec.code, decode=codes_by_number({1: [CARD]}), window=60)
    loop.start()
    assert loop.wait(5)
    assert rec.codes == [CARD]


def test_loop_calls_on_code_again_after_the_window():
    clock = iter([0.0, 10.0, 20.0]).__next__
    sim = SimulatedCamera()
    rec = Recorder()
    loop = CameraLoop(sim, rec.code, decode=lambda f: [CARD], window=2.5, clock=clock)
    assert loop.scan_frame(frame_of(1)) == [CARD]
    assert loop.scan_frame(frame_of(2)) == [CARD]
    assert rec.codes == [CARD, CARD]


def test_loop_calls_on_code_for_each_of_two_different_codes():
    rec = Recorder()
    camera = ScriptedCamera([1, 2])
    loop = CameraLoop(camera, rec.code, decode=codes_by_number({1: [CARD], 2: [LABEL]}))
    loop.start()
    assert loop.wait(5)
    assert rec.codes == [CARD, LABEL]


# -- newest frame first --------------------------------------------------------------------


class FastCamera:
    """A camera delivering a numbered frame every millisecond, forever."""

    name = "fast"

    def __init__(self) -> None:
        self.produced = 0
        self.closed = threading.Event()

    def open(self) -> None:
        self.closed.clear()

    def read(self):
        if self.closed.wait(0.001):
            return None
        self.produced += 1
        return frame_of(self.produced)

    def close(self) -> None:
        self.closed.set()


def test_loop_decodes_the_newest_frame_and_drops_stale_ones():
    camera = FastCamera()
    lags, decoded = [], []

    def slow_decode(frame):
        lags.append(camera.produced - number_of(frame))
        decoded.append(number_of(frame))
        time.sleep(0.03)
        return []

    loop = CameraLoop(camera, lambda code: None, decode=slow_decode).start()
    time.sleep(0.6)
    assert loop.stop()
    status = loop.status()
    assert status["frames_dropped"] > 0
    # Every frame produced was read, but for one the camera may hand over while the loop stops.
    assert camera.produced - 1 <= status["frames_read"] <= camera.produced
    assert status["frames_decoded"] == len(decoded)
    assert status["frames_read"] >= 3 * status["frames_decoded"]  # most frames never decoded
    assert decoded == sorted(decoded)
    # Each decode starts on the frame just captured: a queue would lag by hundreds.
    assert max(lags) <= 25


def test_loop_holds_at_most_one_waiting_frame():
    camera = FastCamera()
    release = threading.Event()
    loop = CameraLoop(camera, lambda code: None, decode=lambda f: release.wait(2) and [])
    loop.start()
    time.sleep(0.2)
    assert loop._slot is not None  # the one newest frame, nothing more is kept
    release.set()
    assert loop.stop()


# -- lost camera ---------------------------------------------------------------------------


def test_a_camera_that_fails_then_recovers_goes_lost_reconnecting_then_running():
    rec = Recorder()
    script = [1, CameraError("unplugged"), None, CameraError("still gone"), 2, 2]
    camera = ScriptedCamera(script, open_failures=0)
    loop = CameraLoop(
        camera,
        rec.code,
        on_status=rec.status,
        decode=codes_by_number({1: [CARD], 2: [LABEL]}),
        backoff=FAST,
    )
    loop.start()
    assert loop.wait(5)
    assert rec.codes == [CARD, LABEL]  # codes flow again after the camera came back
    states = rec.states
    assert states[0] == "running"
    lost = states.index("lost")
    assert "reconnecting" in states[lost:]
    assert "running" in states[states.index("reconnecting", lost) :]
    assert states[-1] == "ended"
    status = loop.status()
    assert status["reconnects"] == 3
    assert "still gone" in status["last_error"]
    assert camera.opens == 4


def test_a_camera_that_cannot_be_opened_is_retried_with_growing_waits():
    rec = Recorder()
    camera = ScriptedCamera([1], open_failures=3)
    loop = CameraLoop(
        camera, rec.code, on_status=rec.status, decode=codes_by_number({1: [CARD]}), backoff=FAST
    )
    started = time.monotonic()
    loop.start()
    assert loop.wait(5)
    elapsed = time.monotonic() - started
    assert rec.codes == [CARD]
    assert camera.opens == 4
    assert elapsed >= 0.01 + 0.02 + 0.04  # 10 ms, then 20, then 40
    assert "device busy" in loop.status()["last_error"]


def test_backoff_never_grows_past_its_limit(monkeypatch):
    waits = []
    loop = CameraLoop(ScriptedCamera([]), lambda c: None, backoff=(0.5, 10.0))
    monkeypatch.setattr(loop._stop, "wait", lambda t: waits.append(t) or False)
    delay = 0.5
    for _ in range(10):
        delay = loop._lost("gone", delay)
    assert waits == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0, 10.0, 10.0]


def test_bad_frames_are_recorded_and_the_loop_keeps_going():
    rec = Recorder()
    frames = iter(
        [
            np.zeros((0, 0), np.uint8),
            np.zeros((10, 10, 2), np.uint8),  # decode refuses this shape
            np.full((50, 50), "x"),  # and this pixel type
            np.zeros((720, 1280, 3), np.uint8),
        ]
    )

    class Garbage(ScriptedCamera):
        def read(self):
            time.sleep(0.05)  # slower than a decode: every frame is decoded
            try:
                return next(frames)
            except StopIteration:
                raise EndOfStream("done") from None

    loop = CameraLoop(Garbage([]), rec.code).start()
    assert loop.wait(10)
    status = loop.status()
    assert status["frames_decoded"] == 4
    assert status["last_error"].startswith("decode:")
    assert rec.codes == []


def test_an_on_code_that_raises_does_not_stop_the_loop():
    seen = []

    def on_code(code):
        seen.append(code)
        raise ValueError("unknown card")

    loop = CameraLoop(
        ScriptedCamera([1, 2]), on_code, decode=codes_by_number({1: [CARD], 2: [LABEL]})
    )
    loop.start()
    assert loop.wait(5)
    assert seen == [CARD, LABEL]
    assert loop.status()["last_error"] == "on_code: unknown card"


def test_status_never_shows_a_whole_card_token():
    assert shown(CARD) == "EKC:ABCD…"
    assert shown("ekc:abcdefgh") == "ekc:abcd…"
    assert shown(LABEL) == LABEL
    assert shown("X" * 100) == "X" * 40 + "…"


# -- stopping ------------------------------------------------------------------------------


def test_stop_ends_both_threads_while_the_camera_waits_for_a_frame():
    loop = CameraLoop(SimulatedCamera(), lambda code: None).start()
    time.sleep(0.05)
    assert len(camera_threads()) == 2
    started = time.monotonic()
    assert loop.stop()
    assert time.monotonic() - started < 1
    assert camera_threads() == []
    assert loop.status()["state"] == "stopped"


def test_stop_ends_the_loop_while_it_waits_to_reconnect():
    camera = ScriptedCamera([], open_failures=100)
    loop = CameraLoop(camera, lambda code: None, backoff=(30.0, 60.0)).start()
    time.sleep(0.05)
    assert loop.status()["state"] == "lost"
    started = time.monotonic()
    assert loop.stop()
    assert time.monotonic() - started < 1


def test_stop_while_decoding_delivers_nothing_more():
    rec = Recorder()
    entered = threading.Event()

    def slow(frame):
        entered.set()
        time.sleep(0.2)
        return [CARD]

    sim = SimulatedCamera()
    loop = CameraLoop(sim, rec.code, decode=slow).start()
    sim.push(frame_of(1))
    assert entered.wait(2)
    assert loop.stop()
    assert rec.codes == []


def test_the_loop_works_as_a_context_manager():
    rec = Recorder()
    sim = SimulatedCamera()
    with CameraLoop(sim, rec.code, decode=lambda f: [CARD]) as loop:
        sim.push(frame_of(1))
        deadline = time.monotonic() + 2
        while not rec.codes and time.monotonic() < deadline:
            time.sleep(0.01)
    assert rec.codes == [CARD]
    assert loop.status()["running"] is False
