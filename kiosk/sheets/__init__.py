"""The card and label sheets the kiosk prints from its own records (layout: core.sheets)."""
