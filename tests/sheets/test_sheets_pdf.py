"""Card and label sheets: rasterised with pdftoppm, every QR read back by the kiosk's decoder."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.sheets import (
    CARD_GRID,
    LABEL_GRID,
    MM,
    PAGE,
    CardSpec,
    LabelSpec,
    card_sheet,
    label_sheet,
)
from kiosk.scan import decode

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils")

DPI = 150
TOKENS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def rasterise(pdf: Path) -> list[np.ndarray]:
    """Render each page at 150 dpi with pdftoppm; return the pages as gray images."""
    subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-png", str(pdf), str(pdf.with_suffix(""))], check=True
    )
    pages = sorted(pdf.parent.glob(pdf.stem + "-*.png"))
    return [cv2.imread(str(page), cv2.IMREAD_GRAYSCALE) for page in pages]


def pdf_text(pdf: Path) -> str:
    """Return the text pdftotext finds in the PDF (empty if pdftotext is missing)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("needs pdftotext")
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout


def cell_image(page: np.ndarray, grid, index: int) -> np.ndarray:
    """Cut cell index out of a rendered page."""
    x, y = grid.cell(index)  # points from the bottom-left
    scale = DPI / 72
    left, right = round(x * scale), round((x + grid.width) * scale)
    top = round((PAGE[1] - y - grid.height) * scale)
    bottom = round((PAGE[1] - y) * scale)
    return page[top:bottom, left:right]


def card(i: int) -> CardSpec:
    token = "".join(TOKENS[(i * 7 + j) % 32] for j in range(26))
    return CardSpec(f"居民{i}", f"第{i}户人家", f"EKC:{token}", f"H{i:04d}-1 · {token[-4:]}")


@pytest.fixture(scope="module")
def cards_pdf(tmp_path_factory) -> tuple[Path, list[CardSpec]]:
    """Write a sheet of 13 cards (two pages)."""
    cards = [card(i) for i in range(13)]
    cards[3] = CardSpec("欧阳娜娜娜娜娜娜娜娜娜娜", "一个名字非常非常长的家庭户名称", cards[3].code)
    path = tmp_path_factory.mktemp("cards") / "cards.pdf"
    assert card_sheet(cards, path, store="某某村爱心超市") == 2
    return path, cards


@pytest.fixture(scope="module")
def labels_pdf(tmp_path_factory) -> tuple[Path, list[LabelSpec]]:
    """Write a sheet of 14 labels (two pages)."""
    names = ["金龙鱼食用油 5升", "蓝月亮洗衣液 2公斤", "清风抽纸 3包装", "保温杯", "雨伞"]
    labels = [
        LabelSpec(f"P{i:03d}", names[i % 5], (i + 1) * 15, ["桶", "瓶", "提", "个", "把"][i % 5])
        for i in range(14)
    ]
    labels[1] = LabelSpec("OIL5L", "金龙鱼食用油超长名字 5升装 家庭实惠装 特价促销", 1200, "桶")
    path = tmp_path_factory.mktemp("labels") / "labels.pdf"
    assert label_sheet(labels, path) == 2
    return path, labels


def test_card_sheet_is_a4_with_ten_cards_of_id1_size_a_page():
    assert CARD_GRID.per_page == 10
    assert (round(CARD_GRID.width / MM, 1), round(CARD_GRID.height / MM, 1)) == (85.6, 54.0)
    assert (round(PAGE[0] / MM), round(PAGE[1] / MM)) == (210, 297)


def test_every_card_on_the_sheet_decodes_in_its_own_cell(cards_pdf):
    path, cards = cards_pdf
    pages = rasterise(path)
    assert len(pages) == 2
    assert pages[0].shape == (1754, 1241)  # A4 at 150 dpi
    for i, spec in enumerate(cards):
        page = pages[i // CARD_GRID.per_page]
        assert decode(cell_image(page, CARD_GRID, i)) == [spec.code], f"card {i}"


def test_a_whole_card_page_decodes_to_all_its_codes(cards_pdf):
    path, cards = cards_pdf
    page = rasterise(path)[0]
    assert sorted(decode(page)) == sorted(c.code for c in cards[:10])


def test_card_qr_modules_are_big_enough_for_arm_s_length(cards_pdf):
    # 41 mm for 33 modules (version 2 with its quiet zone): 1.2 mm a module.
    side = CARD_GRID.height - 13 * MM
    assert side / 33 / MM >= 1.2


def test_card_sheet_carries_the_names_programme_and_hint(cards_pdf):
    path, cards = cards_pdf
    text = pdf_text(path)
    for spec in cards:
        assert spec.resident[:5] in text
    assert "第0户人家" in text
    assert text.count("湘妹子能量家园") >= 13
    assert "某某村爱心超市" in text
    assert "H0000-1" in text
    assert "欧阳娜娜" in text and "…" in text  # a long name is cut short, not run over


def test_cut_marks_sit_in_the_margins_on_every_cut_line(cards_pdf):
    path, _ = cards_pdf
    page = rasterise(path)[0]
    scale = DPI / 72
    left, bottom = CARD_GRID.origin()
    for column in range(CARD_GRID.columns + 1):
        x = round((left + column * CARD_GRID.width) * scale)
        top_margin = page[: round((PAGE[1] - bottom - CARD_GRID.rows * CARD_GRID.height) * scale)]
        assert top_margin[:, x - 1 : x + 2].min() < 100, f"no mark above cut {column}"


def test_every_label_decodes_to_its_product_code(labels_pdf):
    path, labels = labels_pdf
    pages = rasterise(path)
    for i, spec in enumerate(labels):
        page = pages[i // LABEL_GRID.per_page]
        assert decode(cell_image(page, LABEL_GRID, i)) == [f"EKP:{spec.code}"], f"label {i}"


def test_label_sheet_shows_name_price_and_unit(labels_pdf):
    path, _ = labels_pdf
    text = pdf_text(path)
    assert "蓝月亮洗衣液" in text
    assert "1200" in text and "积分" in text
    assert "每桶" in text and "每瓶" in text
    assert "金龙鱼食用油超长" in text  # a long name wraps onto a second line


def test_an_empty_list_still_makes_a_valid_one_page_pdf(tmp_path):
    assert card_sheet([], tmp_path / "none.pdf") == 1
    assert len(rasterise(tmp_path / "none.pdf")) == 1


def test_sheets_can_be_written_to_a_file_object(tmp_path):
    import io

    buffer = io.BytesIO()
    label_sheet([LabelSpec("SOAP", "雕牌肥皂", 8, "块")], buffer)
    assert buffer.getvalue().startswith(b"%PDF")


def pdf_fonts(pdf: Path) -> list[dict[str, str]]:
    """Return pdffonts' table of the PDF's fonts, one dict a row."""
    if shutil.which("pdffonts") is None:
        pytest.skip("needs pdffonts")
    out = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True)
    lines = out.stdout.splitlines()
    header = lines[0].split()  # name type encoding emb sub uni object ID
    rows = []
    for line in lines[2:]:
        cells = line.split()
        # name, then a type of one or two words ("CID TrueType"), then the rest from the end
        rows.append({"name": cells[0], "emb": cells[-5], "uni": cells[-3], "line": line})
    assert header[0] == "name"
    return rows


@pytest.mark.parametrize("sheet", ["cards_pdf", "labels_pdf"])
def test_a_sheet_embeds_the_shipped_chinese_font(sheet, request):
    pdf, _ = request.getfixturevalue(sheet)
    fonts = pdf_fonts(pdf)
    chinese = [f for f in fonts if "KioskSansSC" in f["name"]]
    assert chinese, fonts
    assert all(f["emb"] == "yes" and f["uni"] == "yes" for f in chinese), chinese
    # Nothing is left for the viewer to supply except the standard Latin Helvetica.
    assert all(f["emb"] == "yes" or f["name"].startswith("Helvetica") for f in fonts), fonts


def test_a_card_sheet_reads_back_in_chinese_with_its_embedded_font(cards_pdf):
    pdf, cards = cards_pdf
    text = pdf_text(pdf)
    assert "积分卡" in text and "请将二维码对准摄像头" in text
    assert cards[0].resident in text and "某某村爱心超市" in text
