"""Claims recorded at a kiosk: the rule book reaches every kiosk through the feed; a claim with
its camera stills travels in the outbox to central exactly once, offline first; central holds
it pending under the rule it holds, photos checked like the office's; the office's approval
comes back through the feed as the claim's state and the household's balance."""

from __future__ import annotations

import base64
import uuid

import numpy as np
import pytest
from sqlalchemy import select
from sync_helpers import (
    WireKiosk,
    alerts,
    assert_converged,
    central_balances,
    household_id,
    push,
    quiet_sync,
)

from kiosk.camera import render_card_frame
from kiosk.camera.stills import still_jpeg
from kiosk.services import claims as kiosk_claims
from kiosk.storage import models as km
from sync.central import models as cm
from sync.central.services.claims import approve_claim, reject_claim
from sync.central.services.rules import check_rule, save_rules

H1 = household_id(1)  # 王建国家: 王建国, 李秀英


@pytest.fixture
def rule_book(programme):
    save_rules(
        programme.central,
        [
            check_rule(
                {
                    "code": "SWEEP",
                    "name": "打扫村道",
                    "category": "环境",
                    "points": 15,
                    "evidence": "photo",
                    "cap_scope": "resident",
                }
            ),
            check_rule({"code": "LITTER", "name": "乱扔垃圾", "category": "环境", "points": -5}),
        ],
        actor="test",
    )
    return programme


def scene(seed: int) -> bytes:
    """A camera still of a real-looking scene (a card held up in a room), as the kiosk takes."""
    jpeg = still_jpeg(render_card_frame(f"scene-{seed}", seed=seed))
    assert jpeg is not None and jpeg.startswith(b"\xff\xd8\xff")
    return jpeg


def kiosk_outbox(runtime, kind: str = "claim") -> list[dict]:
    with runtime.kiosk.uow(write=False) as uow:
        rows = uow.session.scalars(select(km.OutboxRow).where(km.OutboxRow.kind == kind))
        return [
            {
                "id": r.id,
                "entry_id": r.entry_id,
                "points": r.points,
                "household_id": r.household_id,
                "payload": r.payload,
                "created_at": r.created_at,
                "status": r.status,
            }
            for r in rows
        ]


def central_claims(c) -> list[cm.Claim]:
    with c.uow(write=False) as uow:
        found = list(uow.session.scalars(select(cm.Claim)))
        uow.session.expunge_all()
        return found


def test_a_claim_recorded_offline_reaches_central_once_and_its_approval_comes_back(rule_book):
    programme = rule_book
    k1 = programme.kiosk("K1", line=True)
    quiet_sync(k1)
    assert [r["code"] for r in kiosk_claims.rule_book(k1.kiosk)] == ["LITTER", "SWEEP"]
    programme.unplug(k1)
    wang, li = programme.residents["王建国"], programme.residents["李秀英"]
    photos = [scene(1), scene(2)]
    claim_id = kiosk_claims.record_claim(
        k1.kiosk, "sweep", H1, [wang, li], "  打扫村口  ", photos, actor="admin"
    )
    [row] = kiosk_outbox(k1)
    assert row["points"] == 0 and row["household_id"] is None  # a claim moves no points here
    assert central_claims(programme.central) == []  # offline: nothing has left yet
    before = central_balances(programme.central)

    programme.plug(k1)
    quiet_sync(k1)
    [held] = central_claims(programme.central)
    assert (held.id, held.status, held.points, held.kiosk_id) == (claim_id, "pending", 15, "K1")
    assert held.recorded_by.startswith("K1:") and held.note == "打扫村口"
    with programme.central.uow(write=False) as uow:
        s = uow.session
        stored = s.execute(
            select(cm.ClaimPhoto.data, cm.ClaimPhoto.media_type)
            .where(cm.ClaimPhoto.claim_id == claim_id)
            .order_by(cm.ClaimPhoto.position)
        ).all()
        named = set(s.scalars(select(cm.ClaimResident.resident_id)))
    assert [bytes(data) for data, _type in stored] == photos
    assert {media for _data, media in stored} == {"image/jpeg"} and named == {wang, li}
    assert central_balances(programme.central) == before  # pending: nothing booked

    # The same entry pushed again (an answer lost on the way) is a duplicate, not a second claim.
    wire = {
        "id": row["entry_id"],
        "seq": row["id"],
        "kind": "claim",
        "created_at": row["created_at"].strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "payload": row["payload"],
    }
    again = push(
        programme.server.base,
        programme.enrolments["K1"].token,
        {"kiosk_id": "K1", "entries": [wire]},
    )
    assert again.status_code in (200, 409), again.text
    assert len(central_claims(programme.central)) == 1

    done = approve_claim(programme.central, claim_id, actor="approver")
    assert done.booked == 15
    quiet_sync(k1)
    [mine] = kiosk_claims.recent_claims(k1.kiosk)
    assert (mine["status"], mine["booked"]) == ("approved", 15)
    assert central_balances(programme.central)[H1] == before[H1] + 15
    assert_converged(programme.central, k1)
    assert alerts(programme.central) == []


def test_a_rejection_reaches_the_recording_kiosk_with_its_reason(rule_book):
    programme = rule_book
    k1 = programme.kiosk("K1")
    quiet_sync(k1)
    claim_id = kiosk_claims.record_claim(k1.kiosk, "LITTER", H1, [], "", [], actor="admin")
    quiet_sync(k1)
    reject_claim(programme.central, claim_id, "查无此事", actor="approver")
    quiet_sync(k1)
    [mine] = kiosk_claims.recent_claims(k1.kiosk)
    assert (mine["status"], mine["reason"]) == ("rejected", "查无此事")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"photos": [base64.b64encode(b"#!/bin/sh\nrm -rf /\n").decode()]}, "not a JPEG"),
        ({"photos": []}, "needs a photo"),
        ({"rule_code": "NOSUCH"}, "unknown rule"),
        ({"resident_ids": []}, "a resident must be named"),
        ({"household_id": "H999999"}, "unknown household"),
        ({"resident_ids": ["H000002-1"]}, "not a member"),
    ],
)
def test_central_refuses_a_claim_outside_its_rules_and_keeps_nothing(rule_book, change, reason):
    programme = rule_book
    wire = WireKiosk("K1")
    payload = {
        "claim_id": str(uuid.uuid4()),
        "rule_code": "SWEEP",
        "household_id": H1,
        "resident_ids": [programme.residents["王建国"]],
        "note": "",
        "photos": [base64.b64encode(scene(3)).decode()],
        "staff": "店主",
        **change,
    }
    answer = push(
        programme.server.base,
        programme.enrolments["K1"].token,
        wire.body(wire.entry("claim", payload)),
    )
    assert answer.status_code == 200, answer.text
    [result] = answer.json()["results"]
    assert result["status"] == "rejected" and reason in result["reason"], result
    assert central_claims(programme.central) == []
    assert [a.kind for a in alerts(programme.central)] == ["refused"]


def test_the_kiosk_refuses_a_claim_its_rule_book_does_not_allow_and_queues_nothing(rule_book):
    programme = rule_book
    k1 = programme.kiosk("K1")
    quiet_sync(k1)
    wang = programme.residents["王建国"]
    stranger = programme.residents["张伟"]
    cases = [
        (kiosk_claims.NoRule, ("NOSUCH", H1, [wang], "", [])),
        (kiosk_claims.PhotoNeeded, ("SWEEP", H1, [wang], "", [])),
        (kiosk_claims.ResidentNeeded, ("SWEEP", H1, [], "", [scene(4)])),
        (kiosk_claims.NotAMember, ("SWEEP", H1, [stranger], "", [scene(4)])),
        (kiosk_claims.NoHousehold, ("SWEEP", "H999999", [], "", [scene(4)])),
        (kiosk_claims.BadPhoto, ("SWEEP", H1, [wang], "", [b"GIF89a not a jpeg"])),
        (kiosk_claims.BadPhoto, ("SWEEP", H1, [wang], "", [b"\xff\xd8\xff" + bytes(200_000)])),
        (kiosk_claims.TooManyPhotos, ("SWEEP", H1, [wang], "", [scene(i) for i in range(5)])),
        (kiosk_claims.BadNote, ("SWEEP", H1, [wang], "x" * 201, [scene(4)])),
    ]
    for error, args in cases:
        with pytest.raises(error):
            kiosk_claims.record_claim(k1.kiosk, *args, actor="admin")
    assert kiosk_outbox(k1) == [] and kiosk_claims.recent_claims(k1.kiosk) == []


def test_a_still_is_a_jpeg_within_the_limit_even_of_a_noisy_full_hd_frame():
    noise = np.random.default_rng(7).integers(0, 256, (1080, 1920, 3), dtype=np.uint8)
    jpeg = still_jpeg(noise)
    from core.domain import limits

    assert jpeg is not None and jpeg.startswith(b"\xff\xd8\xff")
    assert len(jpeg) <= limits.MAX_KIOSK_PHOTO_BYTES
    assert still_jpeg(np.zeros((0, 0, 3), dtype=np.uint8)) is None
    assert still_jpeg("not a frame") is None


def test_a_claim_whose_rule_central_retired_meanwhile_is_refused_and_shown_so(rule_book):
    programme = rule_book
    k1 = programme.kiosk("K1", line=True)
    quiet_sync(k1)
    programme.unplug(k1)
    kiosk_claims.record_claim(k1.kiosk, "LITTER", H1, [], "河边倒垃圾", [], actor="admin")
    retired = check_rule(
        {"code": "LITTER", "name": "乱扔垃圾", "category": "环境", "points": -5, "active": False}
    )
    save_rules(programme.central, [retired], actor="test")
    programme.plug(k1)
    quiet_sync(k1)
    assert central_claims(programme.central) == []
    [mine] = kiosk_claims.recent_claims(k1.kiosk)
    assert mine["status"] == "refused" and "LITTER" in mine["reason"]
    assert [r["code"] for r in kiosk_claims.rule_book(k1.kiosk)] == ["SWEEP"]  # retired here too
    assert [a.kind for a in alerts(programme.central)] == ["refused"]


def test_a_kiosk_token_records_no_claim_for_a_household_its_store_does_not_serve(
    central_server, tmp_path, kiosk_template
):
    from sync_helpers import EAST, WEST, Programme

    from sync.central.services import store_feed

    programme = Programme(central_server, tmp_path, kiosk_template=kiosk_template)
    programme.seed({"K1": EAST, "K2": WEST}, assign=False)
    try:
        save_rules(
            programme.central,
            [check_rule({"code": "LITTER", "name": "乱扔垃圾", "category": "环境", "points": -5})],
            actor="test",
        )
        wire = WireKiosk("K1")

        def claim() -> dict:
            payload = {
                "claim_id": str(uuid.uuid4()),
                "rule_code": "LITTER",
                "household_id": H1,
                "resident_ids": [],
                "note": "",
                "photos": [],
                "staff": "店主",
            }
            answer = push(
                programme.server.base,
                programme.enrolments["K1"].token,
                wire.body(wire.entry("claim", payload)),
            )
            assert answer.status_code == 200, answer.text
            [result] = answer.json()["results"]
            return result

        # 王建国家 is in no store's set: a stolen or careless EAST token cannot fine it.
        refused = claim()
        assert refused["status"] == "rejected"
        assert "not served by this kiosk's store" in refused["reason"]
        assert central_claims(programme.central) == []

        store_feed.assign(programme.central, WEST, [H1], actor="test")  # WEST's, not EAST's
        assert claim()["status"] == "rejected"
        store_feed.assign(programme.central, EAST, [H1], actor="test")
        assert claim()["status"] == "applied"
        assert [c.household_id for c in central_claims(programme.central)] == [H1]
    finally:
        programme.close()
