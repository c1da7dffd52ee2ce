"""A real server under many requests at once: decodes and event streams are bounded (429 beyond).

The kiosk is served by waitress in this process, as `kiosk run` serves it, and the requests
come from real concurrent clients; memory is the process's peak resident size.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from PIL import Image

from kiosk.camera.scans import start_camera
from kiosk.scan.images import DECODE_BUDGET
from terminal_ui import create_app
from tests.e2e.kiosk_server import serving

pytestmark = pytest.mark.slow

CLEAR_REFS = Path("/proc/self/clear_refs")


def rss_peak_mb() -> float:
    """Return the process's peak resident size since the last reset, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def reset_rss_peak() -> float:
    """Start measuring the peak afresh (Linux: writing 5 to clear_refs); return the RSS now."""
    CLEAR_REFS.write_text("5")
    return rss_peak_mb()


def image(fmt: str, width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("P" if fmt == "GIF" else "L", (width, height)).save(out, fmt)
    return out.getvalue()


@pytest.fixture
def kiosk_url(runtime, cards) -> Iterator[str]:
    """Serve the demo store with its simulated camera on a free port; yield the URL."""
    start_camera(runtime)
    app = create_app(runtime, {"DEMO_CARDS": cards, "EVENT_STREAM_SECONDS": 2})
    with serving(app, runtime) as url:
        yield url


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    """Return one client for the concurrent requests, made before anything is measured."""
    with httpx.Client(timeout=60, limits=httpx.Limits(max_connections=32)) as client:
        yield client


def at_once(client: httpx.Client, count: int, request) -> list[httpx.Response]:
    """Send count requests together (a barrier lines them up) and return the answers."""
    ready = threading.Barrier(count)

    def one(_: int) -> httpx.Response:
        ready.wait()
        return request(client)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def upload(url: str, data: bytes, kind: str):
    def send(client: httpx.Client) -> httpx.Response:
        return client.post(f"{url}/api/camera/frame", files={"image": ("frame", data, kind)})

    return send


@pytest.mark.skipif(not CLEAR_REFS.exists(), reason="peak memory is read from Linux's /proc")
def test_sixteen_8000_square_gifs_at_once_are_refused_and_memory_stays_flat(kiosk_url, http):
    gif = image("GIF", 8000, 8000)
    before = reset_rss_peak()

    answers = at_once(http, 16, upload(kiosk_url, gif, "image/gif"))

    grown = rss_peak_mb() - before
    codes = [(a.status_code, a.json()["error"]["code"]) for a in answers]
    assert set(codes) <= {(400, "unreadable_image"), (429, "busy")}, codes
    assert grown < DECODE_BUDGET / 2**20, f"the kiosk grew by {grown:.0f} MB"  # not one decode


@pytest.mark.skipif(not CLEAR_REFS.exists(), reason="peak memory is read from Linux's /proc")
def test_decodes_beyond_the_slots_get_429_busy_and_memory_stays_bounded(
    kiosk_url, http, monkeypatch
):
    from kiosk.scan import images

    decoding, most = 0, 0
    lock = threading.Lock()
    real = images.image_from_bytes

    def slow_decode(data, **kw):  # a decode that takes a while, so the requests overlap
        nonlocal decoding, most
        with lock:
            decoding += 1
            most = max(most, decoding)
        try:
            time.sleep(0.5)
            return real(data, **kw)
        finally:
            with lock:
                decoding -= 1

    monkeypatch.setattr(images, "image_from_bytes", slow_decode)
    png = image("PNG", 5000, 4000)  # within the budget: 20 million pixels
    before = reset_rss_peak()

    answers = at_once(http, 16, upload(kiosk_url, png, "image/png"))

    grown = rss_peak_mb() - before
    statuses = sorted(a.status_code for a in answers)
    busy = [a for a in answers if a.status_code == 429]
    assert set(statuses) == {200, 429}, statuses
    assert most <= images.DECODE_SLOTS
    assert busy[0].json()["error"] == {"code": "busy", "message": "终端繁忙，请稍后再试。"}
    assert busy[0].headers["Retry-After"] == "1"
    # At most DECODE_SLOTS decodes at once, each within its budget (without slots: 16 of them).
    limit = (images.DECODE_SLOTS * images.DECODE_BUDGET) / 2**20 + 32
    assert grown < limit, f"the kiosk grew by {grown:.0f} MB"


def test_event_streams_beyond_the_limit_get_429_and_the_session_stays_responsive(kiosk_url):
    streams: list[httpx.Response] = []
    clients = [httpx.Client(timeout=10) for _ in range(20)]
    try:
        for client in clients:
            request = client.build_request("GET", f"{kiosk_url}/api/events?timeout=3600")
            streams.append(client.send(request, stream=True))
        started = time.monotonic()
        session = httpx.get(f"{kiosk_url}/api/session", timeout=5)
        took = time.monotonic() - started
    finally:
        for stream in streams:
            stream.close()
        for client in clients:
            client.close()

    assert session.status_code == 200 and took < 1.0
    statuses = [s.status_code for s in streams]
    assert 1 <= statuses.count(200) <= 4
    assert statuses.count(429) == 20 - statuses.count(200)
    refused = next(s for s in streams if s.status_code == 429)
    assert refused.headers["Content-Type"].startswith("application/json")


def test_an_event_stream_ends_at_the_servers_limit_whatever_the_client_asks(kiosk_url):
    started = time.monotonic()
    with httpx.stream("GET", f"{kiosk_url}/api/events?timeout=3600", timeout=10) as stream:
        body = b"".join(stream.iter_bytes())
    took = time.monotonic() - started

    assert body.startswith(b"event: hello")
    assert took < 5  # the server's limit here is 2 s, not the hour asked for
