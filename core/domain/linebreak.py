"""Chinese line breaking (as in GB/T 15834 practice): marks that may not start or end a line.

A closing mark (。，、；：？！）」》 …) never starts a line: the character before it goes down
with it. An opening mark (（「《 …) never ends a line: it goes down with what it opens. Receipts
and printed sheets both break their lines by these rules.
"""

from __future__ import annotations

NO_START = frozenset("。，、；：？！）」』》〉】〕”’…—·%％)]}.,;:?!")
NO_END = frozenset("（「『《〈【〔“‘([{")


def held_back(line: str, following: str) -> int:
    """Return where to end a line of characters so that neither rule is broken, given the
    character that follows it: len(line) when it may end there, fewer to carry the last
    characters down, and len(line) again when no shorter line would do (a run of marks)."""
    end = len(line)
    nxt = following
    while end > 1 and (nxt in NO_START or line[end - 1] in NO_END):
        end -= 1
        nxt = line[end]
    if nxt in NO_START or line[end - 1] in NO_END:
        return len(line)
    return end
