"""The session belongs to the terminal: scans from other threads and the change stream."""

from __future__ import annotations

import json
import threading
import time

from kiosk.services import terminal


def _in_thread(target, *args) -> None:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            target(*args)
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=run, name="camera")
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive()
    assert errors == []


def _events(chunks) -> list[tuple[str, dict]]:
    """Parse server-sent event chunks into (event, data) pairs."""
    out = []
    text = b"".join(chunks).decode("utf-8")
    for block in text.split("\n\n"):
        fields = dict(
            line.split(": ", 1) for line in block.splitlines() if not line.startswith(":")
        )
        if "event" in fields:
            out.append((fields["event"], json.loads(fields["data"])))
    return out


def test_a_card_seen_by_the_camera_thread_shows_in_the_session(client, card, runtime):
    _in_thread(terminal.scan, runtime.kiosk, card("刘淑珍")["code"])

    view = client.get("/api/session").get_json()

    assert view["mode"] == "exchange"
    assert view["resident"]["name"] == "刘淑珍"
    assert view["household"] == {
        "id": "H0004",
        "name": "刘淑珍家",
        "balance": 260,
        "available": 260,
        "limited_by": None,
        "expiring": None,
    }


def test_a_label_seen_by_the_camera_joins_the_cart_started_on_screen(client, card, runtime):
    client.post("/api/scan", json={"code": card("王建国")["code"]})

    _in_thread(terminal.scan, runtime.kiosk, "EKP:SOAP")
    view = client.get("/api/session").get_json()

    assert [(ln["product_code"], ln["qty"]) for ln in view["cart"]] == [("SOAP", 1)]
    assert client.post("/api/session/checkout", json={}).get_json()["balance_after"] == 312


def test_another_card_at_the_camera_asks_and_replaces_the_session_only_when_confirmed(
    client, card, runtime
):
    client.post("/api/scan", json={"code": card("王建国")["code"]})
    client.post("/api/session/cart", json={"product_code": "SOAP", "qty": 1})

    _in_thread(terminal.scan, runtime.kiosk, card("李德福")["code"])
    view = client.get("/api/session").get_json()

    assert view["resident"]["name"] == "王建国" and len(view["cart"]) == 1
    assert view["switch"] == {"resident": "李德福", "household": "李德福家"}
    view = client.post("/api/session/switch", json={"confirm": True}).get_json()
    assert view["resident"]["name"] == "李德福"
    assert view["cart"] == []
    client.post("/api/session/cancel")
    assert (
        client.post("/api/scan", json={"code": card("王建国")["code"]}).get_json()["household"][
            "balance"
        ]
        == 320
    )


def test_the_event_stream_announces_a_change_made_elsewhere(client, card, runtime):
    response = client.get("/api/events?timeout=2", buffered=False)
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-cache"
    chunks = iter(response.response)
    try:
        hello = next(chunks)
        started = time.monotonic()
        _in_thread(terminal.scan, runtime.kiosk, card("王建国")["code"])
        change = next(chunks)
        waited = time.monotonic() - started
    finally:
        response.close()

    (event, data), *_ = _events([hello])
    assert event == "hello"
    events = _events([change])
    assert events[0][0] == "change"
    assert events[0][1]["what"] == "session"
    assert events[0][1]["version"] > data["version"]
    assert waited < 1.5


def test_the_event_stream_announces_a_checkout_made_through_the_api(client, card, runtime):
    client.post("/api/scan", json={"code": card("王建国")["code"]})
    client.post("/api/session/cart", json={"product_code": "SOAP", "qty": 1})
    response = client.get("/api/events?timeout=2", buffered=False)
    chunks = iter(response.response)
    try:
        next(chunks)
        _in_thread(terminal.checkout, runtime.kiosk)
        change = next(chunks)
    finally:
        response.close()

    (event, data), *_ = _events([change])
    assert event == "change"
    assert data["what"] in {"session", "stock"}


def test_a_quiet_event_stream_keeps_alive_and_ends_at_its_timeout(client):
    started = time.monotonic()
    response = client.get("/api/events?timeout=1", buffered=False)
    try:
        body = b"".join(response.response).decode("utf-8")
    finally:
        response.close()

    assert body.startswith("event: hello\n")
    assert ": keep-alive" in body
    assert "event: change" not in body
    assert 0.9 < time.monotonic() - started < 5
