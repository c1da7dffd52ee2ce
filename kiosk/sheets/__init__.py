"""Printable sheets: resident QR cards and shelf labels as A4 PDFs."""

from __future__ import annotations

from kiosk.sheets.pdf import PROGRAMME, CardSpec, LabelSpec, card_sheet, label_sheet

__all__ = ["PROGRAMME", "CardSpec", "LabelSpec", "card_sheet", "label_sheet"]
