"""What the office web takes from a request: ids and numbers the database can hold, no NUL
bytes, and sign-in redirects that stay on this site."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import unquote, urlsplit

from flask import Request
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter, Map

from core.domain import limits
from sync.protocol import MAX_PUSH_BYTES

# Record ids in URLs and forms fit PostgreSQL's INTEGER (stores.id is one; alert ids, BIGINT,
# will not pass two thousand million): a larger number names no record. SQLite takes 64 bits.
MAX_ID = 2**31 - 1
# Control characters, spaces of every kind, zero-width marks and the backslash.
UNSAFE_IN_PATH = re.compile(
    r"[\x00-\x20\x7f-\xa0\\\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f\u3000\ufeff]"
)


# Each route takes a body up to its own limit, checked from Content-Length before any of it is
# read: a claim carries up to four photos of 2 MB (a third more as base64 in JSON), a roster CSV
# up to 8 MB, an award CSV 2 MB (refused whole by its page, so its form may pass the limit), a
# kiosk's push (or its whole sync round) 4 MB, an announcement one picture of 300 KB (as base64
# in JSON, or a form's file); every other request is a form or a small JSON body.
CLAIM_MAX_BYTES = limits.MAX_CLAIM_PHOTOS * limits.MAX_PHOTO_BYTES * 4 // 3 + 2**20
ANNOUNCEMENT_MAX_BYTES = limits.MAX_PICTURE_BYTES * 4 // 3 + 64 * 1024
SMALL_BODY = 256 * 1024
BODY_LIMITS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"/(api/v1/)?claims"), CLAIM_MAX_BYTES),
    (re.compile(r"/households/import"), 8 * 2**20),
    (re.compile(r"/activities/[^/]+/award"), 3 * 2**20),
    (re.compile(r"/api/v1/(push|sync)"), MAX_PUSH_BYTES),
    (re.compile(r"/api/v1/announcements|/notices/announcements"), ANNOUNCEMENT_MAX_BYTES),
)


def body_limit(method: str, path: str) -> int:
    """Return how many bytes of body a request to this route may carry."""
    if method == "POST":
        for pattern, limit in BODY_LIMITS:
            if pattern.fullmatch(path):
                return limit
    return SMALL_BODY


class CentralRequest(Request):
    """A request of the central app: held to its route's body limit."""

    @property
    def max_content_length(self) -> int | None:
        return body_limit(self.method, self.path)

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        Request.max_content_length.fset(self, value)

    def is_large(self) -> bool:
        """Tell whether the body is beyond the small limit (or of a length not told)."""
        if self.content_length is None:
            return bool(self.environ.get("wsgi.input_terminated"))
        return self.content_length > SMALL_BODY


class RecordId(IntegerConverter):
    """A record id in a URL: 1 to MAX_ID in plain digits; anything else matches no route."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map: Map, fixed_digits: int = 0, min: int = 1, max: int = MAX_ID) -> None:
        super().__init__(map, fixed_digits, min, max)


def record_id(text: str) -> int:
    """Read a record id from a query or form field (raise ValueError for anything else)."""
    if not re.fullmatch(r"[0-9]{1,10}", text or ""):
        raise ValueError(f"not a record id: {text[:20]!r}")
    number = int(text)
    if not 1 <= number <= MAX_ID:
        raise ValueError(f"not a record id: {number}")
    return number


page_number = record_id  # pages count from 1 and, like ids, stay within what OFFSET takes


def holds_nul(request: Request) -> bool:
    """Tell whether any text of the request (path, query, form, file names) holds a NUL.

    PostgreSQL can neither store nor compare text with a NUL in it: such a request is refused
    whole, before any view sees it.
    """
    texts = [request.path, *_keys_and_values(request.args)]
    if request.method in ("POST", "PUT", "PATCH"):
        texts += _keys_and_values(request.form)
        texts += (name + (f.filename or "") for name, f in request.files.items(multi=True))
    return any("\x00" in text for text in texts)


def _keys_and_values(fields: MultiDict[str, str]) -> list[str]:
    return [text for pair in fields.items(multi=True) for text in pair]


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


def form_int(text: str) -> int | str:
    """Read a whole number from a form; what is not one goes on as typed, for a use case to
    refuse with its own reason."""
    try:
        return int(text)
    except ValueError:
        return text


def form_date(text: str) -> date | str:
    """Read a date (YYYY-MM-DD) from a form; what is not one goes on as typed, to be refused."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        return text
