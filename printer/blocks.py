"""Document blocks: the vocabulary shared by layout and the renderers."""

from dataclasses import dataclass
from typing import Literal

Align = Literal["left", "center", "right"]


@dataclass(frozen=True)
class Text:
    """One line of text; ``double`` prints at double width and height (half the columns)."""

    text: str
    align: Align = "left"
    bold: bool = False
    double: bool = False


@dataclass(frozen=True)
class Rule:
    """A full-width line made of ``char``."""

    char: str = "-"


@dataclass(frozen=True)
class QR:
    """A QR code carrying ``data``."""

    data: str


@dataclass(frozen=True)
class Feed:
    """Blank lines."""

    lines: int = 1


@dataclass(frozen=True)
class Cut:
    """The end of a slip: cut the paper here."""


Block = Text | Rule | QR | Feed | Cut
Document = tuple[Block, ...]


def text_columns(block: Text, width: int) -> int:
    """Return how many display columns a text block may use on paper ``width`` columns wide."""
    return width // 2 if block.double else width
