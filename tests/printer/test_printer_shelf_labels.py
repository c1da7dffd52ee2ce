"""Shelf labels on the receipt roll: one label per product copy, with its QR, on 58 and 80 mm."""

from __future__ import annotations

import pytest

from printer.blocks import QR, Cut
from printer.layout import display_width, layout, to_text
from printer.receipt import ShelfLabel, ShelfLabels, from_data, to_data

LABELS = ShelfLabels(
    store="幸福村积分超市",
    labels=(
        ShelfLabel("SOAP", "雕牌肥皂", 8, "块"),
        ShelfLabel("SOAP", "雕牌肥皂", 8, "块"),
        ShelfLabel("TISSUE", "清风抽纸 3包装 加长加厚特别版本的名字", 15, "提"),
    ),
)


@pytest.mark.parametrize("width", [32, 48])
def test_each_label_has_its_name_price_and_product_qr(width):
    doc = layout(LABELS, width)
    assert [b.data for b in doc if isinstance(b, QR)] == ["EKP:SOAP", "EKP:SOAP", "EKP:TISSUE"]
    text = to_text(doc, width)
    assert text.count("雕牌肥皂") == 2 and "8 积分/块" in text and "15 积分/提" in text
    assert all(display_width(line) <= width for line in text.splitlines())
    assert isinstance(doc[-1], Cut)


def test_labels_survive_storage_for_a_reprint():
    assert from_data(to_data(LABELS)) == LABELS
