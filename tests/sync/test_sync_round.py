"""A kiosk's whole sync round in one request (`POST /api/v1/sync`): its batch applied exactly once
as a push is, a page of its store's feed as `/changes?scope=store` answers it, its heartbeat
recorded; checked as strictly as the three requests, and the kiosk's client falls back to them on
a central that has no such route."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import select
from sync_helpers import (
    WireKiosk,
    buy,
    central_balances,
    central_count,
    get,
    household_id,
    outbox_statuses,
    pending_body,
    push,
)

from kiosk.sync import client as sync_client
from kiosk.sync.apply import CURSOR, get_state
from sync.central import models as cm
from sync.protocol import MAX_BATCH, MAX_PUSH_BYTES, validate_push
from sync.schema import validate

H1 = household_id(1)


def sync(base: str, token: str | None, body=None, **kw) -> httpx.Response:
    """POST a round straight to central (JSON unless content= is given)."""
    with httpx.Client(base_url=base, timeout=30) as http:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        headers.update(kw.pop("headers", {}))
        if "content" in kw:
            return http.post("/api/v1/sync", headers=headers, **kw)
        return http.post("/api/v1/sync", headers=headers, json=kw.pop("json", body), **kw)


def round_body(kiosk_id: str, entries: list, after: int = 0, **extra) -> dict:
    return {"kiosk_id": kiosk_id, "version": "test", "entries": entries, "after": after, **extra}


def kiosk_row(programme, kiosk_id: str) -> tuple:
    k = cm.Kiosk
    with programme.central.uow(write=False) as uow:
        return uow.session.execute(
            select(
                k.last_seen,
                k.version,
                k.backlog,
                k.printer_state,
                k.camera_state,
                k.contiguous_seq,
            ).where(k.id == kiosk_id)
        ).one()


def held(programme) -> dict:
    c = programme.central
    return {
        "sync": central_count(c, cm.SyncEntry),
        "ledger": central_count(c, cm.LedgerEntry),
        "exchanges": central_count(c, cm.Exchange),
        "changes": central_count(c, cm.Change),
        "kiosks": [kiosk_row(programme, k) for k in ("K1", "K2", "K3")],
    }


def test_a_round_applies_its_batch_once_and_a_replay_is_duplicates(programme):
    k1 = programme.kiosk("K1")
    buy(k1, programme.codes["王建国"], {"OIL": 1, "SOAP": 2}, online=True)
    entries = pending_body(k1)["entries"]
    base, token = programme.server.base, programme.token("K1")
    before = central_balances(programme.central)[H1]

    first = sync(base, token, round_body("K1", entries, after=0))
    assert first.status_code == 200, first.text
    answer = first.json()
    assert {r["status"] for r in answer["results"]} == {"applied"}
    assert [r["id"] for r in answer["results"]] == [e["id"] for e in entries]
    assert answer["contiguous_seq"] == max(e["seq"] for e in entries)
    assert central_balances(programme.central)[H1] == before - 76

    again = sync(base, token, round_body("K1", entries, after=answer["cursor"]))
    assert again.status_code == 200
    assert [r["status"] for r in again.json()["results"]] == ["duplicate"] * len(entries)
    # and a plain push of the same batch hears the same
    assert [r["status"] for r in push(base, token, pending_body(k1)).json()["results"]] == [
        "duplicate"
    ] * len(entries)
    assert central_balances(programme.central)[H1] == before - 76
    assert central_count(programme.central, cm.Exchange) == 1
    assert central_count(programme.central, cm.SyncEntry) == len(entries)


def test_a_round_returns_the_page_the_feed_returns(programme):
    base, token = programme.server.base, programme.token("K1")
    k2 = programme.kiosk("K2")
    buy(k2, programme.codes["李德福"], {"SOAP": 1}, online=True)
    k2.sync.sync_once()  # K2's entries reach central; balances go to the stores' feeds
    for after, limit in ((0, 1000), (0, 3), (5, 4)):
        feed = get(base, token, f"/api/v1/changes?after={after}&limit={limit}&scope=store")
        assert feed.status_code == 200
        answer = sync(base, token, round_body("K1", [], after=after, limit=limit))
        assert answer.status_code == 200, answer.text
        page = answer.json()
        assert page["results"] == []
        assert {k: page[k] for k in ("changes", "cursor", "more")} == feed.json()
    validate(page, sync_client_schema())
    # without a limit, a page of 500 as /changes gives
    whole = sync(base, token, round_body("K1", [], after=0)).json()
    assert (
        whole["changes"]
        == get(base, token, "/api/v1/changes?after=0&scope=store").json()["changes"]
    )


def sync_client_schema() -> dict:
    from sync.protocol import SYNC_RESPONSE

    return SYNC_RESPONSE


def test_a_round_records_the_heartbeat_and_the_version(programme):
    base, token = programme.server.base, programme.token("K1")
    seen_before = kiosk_row(programme, "K1")[0]
    beat = {"backlog": 7, "printer": "paper_out", "camera": "ok"}
    answer = sync(base, token, round_body("K1", [], heartbeat=beat, version="9.9.9"))
    assert answer.status_code == 200, answer.text
    last_seen, version, backlog, printer, camera, contiguous = kiosk_row(programme, "K1")
    assert (version, backlog, printer, camera) == ("9.9.9", 7, "paper_out", "ok")
    assert last_seen is not None and (seen_before is None or last_seen > seen_before)
    assert answer.json()["contiguous_seq"] == contiguous == 0


def test_a_conflicting_batch_is_answered_409_with_the_results_and_the_page(programme):
    wire = WireKiosk("K1")
    base, token = programme.server.base, programme.token("K1")
    first = wire.restock(1)
    assert push(base, token, wire.body(first)).status_code == 200
    other = dict(first, payload=dict(first["payload"], qty=9))
    answer = sync(base, token, round_body("K1", [other], heartbeat={"backlog": 0}))
    assert answer.status_code == 409, answer.text
    body = answer.json()
    assert body["results"][0]["status"] == "rejected"
    assert "conflict" in body["results"][0]["reason"]
    assert body["changes"] and body["cursor"] > 0  # the page is there all the same
    plain = push(base, token, wire.body(other))
    assert plain.status_code == 409
    assert plain.json()["results"] == body["results"]
    assert kiosk_row(programme, "K1")[2] == 0  # the heartbeat was recorded too


def test_a_round_may_push_only_the_tokens_kiosk(programme):
    wire = WireKiosk("K1")
    before = held(programme)
    answer = sync(programme.server.base, programme.token("K2"), round_body("K1", [wire.restock(1)]))
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "forbidden"
    assert held(programme) == before
    for token in (None, "ekt_0123456789abcdef.nope"):
        answer = sync(programme.server.base, token, round_body("K1", []))
        assert answer.status_code == 401
    assert held(programme) == before


def _bodies() -> dict[str, dict]:
    wire = WireKiosk("K1")
    entry = wire.restock(1)
    twice = wire.restock(2)
    twice["id"] = entry["id"]
    ok = round_body("K1", [entry], after=0, heartbeat={"backlog": 1})
    return {
        "not an object": {"json": [ok]},
        "not JSON": {"content": b"{nope", "headers": {"Content-Type": "application/json"}},
        "not JSON content type": {"content": json.dumps(ok).encode()},
        "null": {"content": b"null", "headers": {"Content-Type": "application/json"}},
        "no after": {"json": {k: v for k, v in ok.items() if k != "after"}},
        "no entries": {"json": {k: v for k, v in ok.items() if k != "entries"}},
        "no kiosk id": {"json": {k: v for k, v in ok.items() if k != "kiosk_id"}},
        "negative cursor": {"json": dict(ok, after=-1)},
        "cursor past 64 bits": {
            "content": json.dumps(ok).replace('"after": 0', '"after": 9223372036854775808'),
            "headers": {"Content-Type": "application/json"},
        },
        "cursor as text": {"json": dict(ok, after="0")},
        "fractional cursor": {"json": dict(ok, after=1.5)},
        "limit 0": {"json": dict(ok, limit=0)},
        "limit as text": {"json": dict(ok, limit="500")},
        "unknown member": {"json": dict(ok, scope="store")},
        "heartbeat not an object": {"json": dict(ok, heartbeat="ok")},
        "negative backlog": {"json": dict(ok, heartbeat={"backlog": -1})},
        "unknown heartbeat member": {"json": dict(ok, heartbeat={"mood": "fine"})},
        "huge version": {"json": dict(ok, version="x" * 41)},
        "same id twice": {"json": dict(ok, entries=[entry, twice])},
        "too many entries": {
            "json": dict(ok, entries=[wire.restock(i) for i in range(10, 11 + MAX_BATCH)])
        },
        "NUL in a heartbeat": {"json": dict(ok, heartbeat={"printer": "ok\x00"})},
        "NaN cursor": {
            "content": json.dumps(ok).replace('"after": 0', '"after": NaN'),
            "headers": {"Content-Type": "application/json"},
        },
    }


MALFORMED = _bodies()


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_malformed_round_gets_a_4xx_with_a_reason_and_changes_nothing(programme, name):
    before = held(programme)
    answer = sync(programme.server.base, programme.token("K1"), **MALFORMED[name])
    assert 400 <= answer.status_code < 500, answer.text
    assert answer.json()["error"]["message"]
    assert held(programme) == before


def test_the_malformed_bodies_would_be_refused_as_pushes_too():
    """What the round refuses in its entries, a push of the same entries refuses."""
    for name in ("same id twice", "too many entries"):
        body = MALFORMED[name]["json"]
        with pytest.raises(ValueError):
            validate_push({"kiosk_id": "K1", "entries": body["entries"]})


def test_a_round_over_the_body_limit_is_refused_with_413(programme):
    wire = WireKiosk("K1")
    entry = wire.restock(1)
    entry["payload"]["donor"] = "x" * (MAX_PUSH_BYTES + 10)
    before = held(programme)
    answer = sync(programme.server.base, programme.token("K1"), round_body("K1", [entry]))
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "too_large"
    assert held(programme) == before


def test_a_round_costs_the_kiosks_rate_what_its_three_requests_would(programme):
    from sync.central.app import create_central_app

    app = create_central_app(
        programme.central, {"SYNC_RATE_BURST": 3, "SYNC_RATE_PER_SECOND": 0.001}
    )
    http = app.test_client()
    wire = WireKiosk("K1")
    for kiosk_id in ("K1", "K3"):
        headers = {"Authorization": f"Bearer {programme.token(kiosk_id)}"}
        if kiosk_id == "K1":  # a whole round with entries and a heartbeat: three requests' worth
            body = round_body("K1", [wire.restock(1)], heartbeat={"backlog": 0})
            assert http.post("/api/v1/sync", json=body, headers=headers).status_code == 200
        else:  # the three requests
            body = WireKiosk("K3").body(WireKiosk("K3").restock(1))
            assert http.post("/api/v1/push", json=body, headers=headers).status_code == 200
            changes = "/api/v1/changes?after=0&scope=store"
            assert http.get(changes, headers=headers).status_code == 200
            beat = {"backlog": 0}
            assert http.post("/api/v1/heartbeat", json=beat, headers=headers).status_code == 200
        refused = http.post("/api/v1/sync", json=round_body(kiosk_id, []), headers=headers)
        assert refused.status_code == 429
        assert refused.headers["Retry-After"]
    # a round without entries or heartbeat costs one request, as a page of /changes does
    app = create_central_app(
        programme.central, {"SYNC_RATE_BURST": 2, "SYNC_RATE_PER_SECOND": 0.001}
    )
    http = app.test_client()
    headers = {"Authorization": f"Bearer {programme.token('K2')}"}
    for status in (200, 200, 429):
        answer = http.post("/api/v1/sync", json=round_body("K2", []), headers=headers)
        assert answer.status_code == status


class WithoutSync(httpx.HTTPTransport):
    """A line to a central of an older release: no /api/v1/sync (404); every request noted."""

    def __init__(self, status: int = 404) -> None:
        super().__init__()
        self.status = status
        self.paths: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        if request.url.path == "/api/v1/sync":
            body = {"error": {"code": "not_found", "message": "The requested URL was not found"}}
            return httpx.Response(self.status, json=body)
        return super().handle_request(request)


@pytest.mark.parametrize("status", [404, 405])
def test_the_client_falls_back_to_three_requests_on_an_older_central(programme, status):
    k1 = programme.kiosk("K1")
    line = WithoutSync(status)
    client = k1.sync
    client.http.close()
    client.http = httpx.Client(
        base_url=programme.server.base,
        headers=dict(client.http.headers),
        transport=line,
        timeout=15,
    )
    buy(k1, programme.codes["王建国"], {"OIL": 1}, online=True)
    seen_before = kiosk_row(programme, "K1")[0]
    client.sync_once()
    assert line.paths[0] == "/api/v1/sync"
    assert line.paths[1:] == ["/api/v1/push", "/api/v1/changes", "/api/v1/heartbeat"]
    assert outbox_statuses(k1) == {"sent": len(pending_entries_ever(k1))}
    assert client.status.online
    assert kiosk_row(programme, "K1")[0] > seen_before  # the heartbeat arrived
    line.paths.clear()
    client.sync_once()  # it does not ask the old central again at once
    assert "/api/v1/sync" not in line.paths
    assert line.paths == ["/api/v1/changes", "/api/v1/heartbeat"]


def pending_entries_ever(runtime) -> list:
    from kiosk.storage import models as km

    with runtime.kiosk.uow(write=False) as uow:
        return uow.session.scalars(select(km.OutboxRow.id)).all()


def test_the_client_syncs_by_whole_rounds_on_this_central(programme):
    k1 = programme.kiosk("K1")
    line = WithoutSync()
    line.status = 0  # forward everything
    line.handle_request = lambda request, _l=line: (
        _l.paths.append(request.url.path) or httpx.HTTPTransport.handle_request(_l, request)
    )
    client = k1.sync
    client.http.close()
    client.http = httpx.Client(
        base_url=programme.server.base,
        headers=dict(client.http.headers),
        transport=line,
        timeout=15,
    )
    buy(k1, programme.codes["王建国"], {"OIL": 1, "SOAP": 1}, online=True)
    k2 = programme.kiosk("K3")  # the same store: its sale reaches K1 through the feed
    buy(k2, programme.codes["李秀英"], {"SOAP": 1}, online=True)
    k2.sync.sync_once()
    client.sync_once()
    assert line.paths == ["/api/v1/sync"]
    assert outbox_statuses(k1) == {"sent": len(pending_entries_ever(k1))}
    with k1.kiosk.uow(write=False) as uow:
        cursor = int(get_state(uow.session, CURSOR, "0"))
    feed = get(
        programme.server.base,
        programme.token("K1"),
        f"/api/v1/changes?after={cursor}&scope=store",
    )
    assert feed.json()["changes"] == []  # drained
    assert kiosk_row(programme, "K1")[2] == 0  # backlog reported: nothing left
    assert sync_client.COMBINED_RETRY > 0
