"""`kiosk cards` and `kiosk labels`: issue and print cards, print labels, on a real kiosk."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import cv2
import pytest
from sqlalchemy import select

from core.domain import errors
from kiosk.scan import decode
from kiosk.services import catalog, queries, staff, terminal
from kiosk.sheets.commands import cards_main, labels_main
from kiosk.storage import models as m

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils")


def codes_in(pdf: Path) -> list[str]:
    """Rasterise a PDF at 150 dpi and return every code decoded, page by page."""
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", str(pdf), str(pdf.with_suffix(""))], check=True
    )
    found = []
    for page in sorted(pdf.parent.glob(pdf.stem + "-*.png")):
        found += decode(cv2.imread(str(page)))
    return found


PIN = "246810"


@pytest.fixture
def store(seeded, tmp_path, monkeypatch):
    """Return (kiosk, demo cards, data dir) of a seeded kiosk whose shopkeeper's PIN is given."""
    runtime, cards = seeded
    staff.set_pin(runtime.kiosk, PIN, actor="test")
    monkeypatch.setenv("KIOSK_ADMIN_PIN", PIN)
    return runtime.kiosk, cards, tmp_path


def test_cards_are_issued_only_with_the_shopkeepers_pin(store, monkeypatch, capsys):
    k, cards, data = store
    before = snapshot_cards(k)
    resident = cards[0]["resident_id"]
    argv = ["--data", str(data), "--out", str(data / "c.pdf"), "--resident", resident]
    monkeypatch.setenv("KIOSK_ADMIN_PIN", "000000")
    assert cards_main(argv) == 1
    assert "PIN" in capsys.readouterr().err
    monkeypatch.delenv("KIOSK_ADMIN_PIN")
    assert cards_main(argv) == 1  # no terminal to ask at, no PIN given
    assert "KIOSK_ADMIN_PIN" in capsys.readouterr().err
    assert snapshot_cards(k) == before
    assert not (data / "c.pdf").exists()


def snapshot_cards(k) -> list[tuple]:
    with k.uow(write=False) as uow:
        return [tuple(r) for r in uow.session.execute(select(m.Card.id, m.Card.status)).all()]


def test_cards_issues_cards_to_residents_without_one_and_they_scan(store, capsys):
    k, _, data = store
    catalog.register_household(k, "H9001", "新来户", [("H9001-1", "新居民", None)], 10)
    out = data / "cards.pdf"
    assert cards_main(["--data", str(data), "--out", str(out)]) == 0
    assert "issued 1 card(s)" in capsys.readouterr().out
    assert out.stat().st_mode & 0o077 == 0  # the codes are credentials: owner only
    (code,) = codes_in(out)
    assert code.startswith("EKC:")
    terminal.scan(k, code)
    assert queries.session_view(k)["resident"]["id"] == "H9001-1"
    # A second run finds everyone holding a card and issues nothing.
    assert cards_main(["--data", str(data), "--out", str(data / "again.pdf")]) == 0
    assert "nothing issued" in capsys.readouterr().out
    assert not (data / "again.pdf").exists()


def test_cards_for_a_named_resident_replaces_their_card(store):
    k, cards, data = store
    old = cards[0]
    out = data / "reissue.pdf"
    assert (
        cards_main(["--data", str(data), "--out", str(out), "--resident", old["resident_id"]]) == 0
    )
    (code,) = codes_in(out)
    assert code != old["code"]
    with pytest.raises(errors.RevokedCard):
        terminal.scan(k, old["code"])
    terminal.scan(k, code)
    assert queries.session_view(k)["resident"]["id"] == old["resident_id"]


def test_cards_prints_several_named_residents_in_the_order_given(store):
    _, cards, data = store
    ids = [cards[3]["resident_id"], cards[1]["resident_id"], cards[2]["resident_id"]]
    out = data / "three.pdf"
    named = [arg for i in ids for arg in ("--resident", i)]
    assert cards_main(["--data", str(data), "--out", str(out), *named]) == 0
    assert len(set(codes_in(out))) == 3
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
    names = [c["name"] for c in (cards[3], cards[1], cards[2])]
    assert [text.index(n) for n in names] == sorted(text.index(n) for n in names)


def test_cards_refuses_an_unknown_resident_and_issues_nothing(store, capsys):
    k, cards, data = store
    out = data / "x.pdf"
    argv = ["--data", str(data), "--out", str(out), "--resident", cards[0]["resident_id"]]
    assert cards_main([*argv, "--resident", "NOBODY"]) == 1
    assert "no resident NOBODY" in capsys.readouterr().err
    assert not out.exists()
    terminal.scan(k, cards[0]["code"])  # the existing card still works


def test_cards_dry_run_lists_without_issuing(store, capsys):
    k, cards, data = store
    argv = ["--data", str(data), "--out", str(data / "d.pdf"), "--dry-run"]
    assert cards_main([*argv, "--resident", cards[0]["resident_id"]]) == 0
    assert f"{cards[0]['resident_id']} {cards[0]['name']}" in capsys.readouterr().out
    assert not (data / "d.pdf").exists()
    terminal.scan(k, cards[0]["code"])


def test_cards_checks_the_output_folder_before_issuing(store, capsys):
    k, cards, data = store
    out = data / "missing" / "cards.pdf"
    argv = ["--data", str(data), "--out", str(out), "--resident", cards[0]["resident_id"]]
    assert cards_main(argv) == 2
    assert "no folder" in capsys.readouterr().err
    terminal.scan(k, cards[0]["code"])


def test_cards_help_says_the_pdf_is_the_only_copy_of_the_codes(capsys):
    assert cards_main(["--help"]) == 0
    assert "only place the new codes appear" in capsys.readouterr().out


def test_cards_needs_a_kiosk(tmp_path, capsys):
    assert cards_main(["--data", str(tmp_path), "--out", str(tmp_path / "c.pdf")]) == 2
    assert "no kiosk database" in capsys.readouterr().err
    assert cards_main(["--out", str(tmp_path / "c.pdf")]) == 2


def test_labels_prints_every_active_product(store, capsys):
    k, _, data = store
    catalog.save_product(k, "OLD", "停售商品", 5, active=False)
    out = data / "labels.pdf"
    assert labels_main(["--data", str(data), "--out", str(out)]) == 0
    active = [p["code"] for p in queries.products(k)]
    assert sorted(codes_in(out)) == sorted(f"EKP:{code}" for code in active)
    assert f"wrote {len(active)} label(s)" in capsys.readouterr().out


def test_labels_for_chosen_products_in_any_case(store):
    _, _, data = store
    out = data / "two.pdf"
    argv = ["--data", str(data), "--out", str(out), "--product", "soap", "--product", "EKP:OIL5L"]
    assert labels_main(argv) == 0
    assert sorted(codes_in(out)) == ["EKP:OIL5L", "EKP:SOAP"]


def test_labels_refuses_an_unknown_product(store, capsys):
    _, _, data = store
    out = data / "none.pdf"
    assert labels_main(["--data", str(data), "--out", str(out), "--product", "NOPE"]) == 1
    assert "no product NOPE" in capsys.readouterr().err
    assert not out.exists()
