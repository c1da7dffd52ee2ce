"""The kiosk's message catalogues (terminal_ui/translations), read by the shared loader."""

from __future__ import annotations

from pathlib import Path

from core.i18n import DEFAULT, LANGUAGES, Catalogues, pick

CATALOGUES = Catalogues(Path(__file__).with_name("translations"))
catalogue = CATALOGUES.catalogue
translate = CATALOGUES.translate

__all__ = ["DEFAULT", "LANGUAGES", "catalogue", "pick", "translate"]
