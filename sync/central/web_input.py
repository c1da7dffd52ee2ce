"""What the office web takes from a request: sign-in redirects that stay on this site."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

# Control characters, spaces of every kind, zero-width marks and the backslash.
UNSAFE_IN_PATH = re.compile(
    r"[\x00-\x20\x7f-\xa0\\\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f\u3000\ufeff]"
)


def same_site_path(target: str | None) -> str | None:
    r"""Return target if it is a path on this site to go to after sign-in, else None.

    Browsers drop tabs and newlines from URLs and read a backslash as a slash, so `/\t/evil`
    and `/\evil` lead to another site: only a single leading slash followed by no control
    character, space or backslash is followed, whether percent-decoded or not.
    """
    if not target or len(target) > 2000:
        return None
    for text in (target, unquote(target)):
        if not text.startswith("/") or text.startswith("//"):
            return None
        if UNSAFE_IN_PATH.search(text):
            return None
        parts = urlsplit(text)
        if parts.scheme or parts.netloc:
            return None
    return target
