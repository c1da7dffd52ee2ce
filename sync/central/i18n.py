"""The office web's message catalogues (sync/central/translations), read by the shared loader."""

from __future__ import annotations

from pathlib import Path

from core.i18n import Catalogues

CATALOGUES = Catalogues(Path(__file__).with_name("translations"))
translate = CATALOGUES.translate
