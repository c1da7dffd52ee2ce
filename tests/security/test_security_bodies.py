"""Request bodies at central: each route has its own size limit, checked from Content-Length
before anything is read; a large upload is read only for a caller who may make it (a token for
the API; a signed-in user with the right role and the form's CSRF token for the office web)."""

from __future__ import annotations

import io

import pytest
from security_helpers import ADMIN_PASSWORD, VIEWER_PASSWORD, bearer, csrf, sign_in, state_of

from sync.central.services.users import add_user
from sync.central.web.input import CLAIM_MAX_BYTES, SMALL_BODY

LARGEST_CLAIM = CLAIM_MAX_BYTES  # four 2 MB photos as base64, about 12 MB
MULTIPART = "multipart/form-data; boundary=x"


class CountingBody(io.RawIOBase):
    """A request body of `size` bytes that counts how many of them the server read."""

    def __init__(self, size: int) -> None:
        self.size, self.read_bytes = size, 0

        self.position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True  # the test client measures the body by seeking; only reads count

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self.position = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[
            whence
        ] + offset
        return self.position

    def tell(self) -> int:
        return self.position

    def readinto(self, buffer) -> int:
        n = max(min(len(buffer), self.size - self.position), 0)
        buffer[:n] = b"a" * n
        self.position += n
        self.read_bytes += n
        return n


def send(client, path: str, size: int, content_type: str, headers=None, query: str = ""):
    """POST a body of `size` bytes; return the answer and how many bytes the server read."""
    body = CountingBody(size)
    answer = client.post(
        path + query,
        input_stream=body,
        content_length=size,
        content_type=content_type,
        headers=headers or {},
    )
    return answer, body.read_bytes


def test_the_claim_limit_is_what_four_photos_need_and_other_routes_are_small():
    assert 11 * 2**20 < CLAIM_MAX_BYTES < 13 * 2**20
    assert SMALL_BODY <= 256 * 1024


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer eko_0000000000000000.wrong"}],
    ids=["no-token", "wrong-token"],
)
def test_an_unauthenticated_12_mb_claim_is_refused_without_reading_it(client, office, headers):
    before = state_of(office.central)
    answer, read = send(client, "/api/v1/claims", LARGEST_CLAIM, "application/json", headers)
    assert answer.status_code == 401 and answer.json["error"]["code"] == "unauthorized"
    assert read == 0
    assert state_of(office.central) == before


def test_a_viewer_tokens_12_mb_claim_is_refused_without_reading_it(client, office):
    answer, read = send(
        client, "/api/v1/claims", LARGEST_CLAIM, "application/json", bearer(office.viewer_token)
    )
    assert answer.status_code == 403 and read == 0


def test_a_claim_over_its_limit_is_refused_from_its_length_alone(client, office):
    answer, read = send(
        client,
        "/api/v1/claims",
        CLAIM_MAX_BYTES + 1,
        "application/json",
        bearer(office.admin_token),
    )
    assert answer.status_code == 413 and answer.json["error"]["code"] == "too_large"
    assert read == 0


@pytest.mark.parametrize(
    ("path", "size"),
    [
        ("/claims", LARGEST_CLAIM),
        ("/households/import", 8 * 2**20),
        ("/activities/ACT-SORT/award", 2 * 2**20),
    ],
)
def test_a_large_upload_without_a_session_is_refused_without_reading_it(client, office, path, size):
    before = state_of(office.central)
    answer, read = send(client, path, size, MULTIPART)
    assert answer.status_code == 400 and "表单已过期" in answer.text
    assert read == 0
    assert state_of(office.central) == before


def test_a_12_mb_claim_form_without_a_session_is_refused_without_reading_it(client, office):
    before = state_of(office.central)
    answer, read = send(client, "/claims", LARGEST_CLAIM, MULTIPART)
    assert answer.status_code == 400 and "表单已过期" in answer.text
    assert read == 0
    english, read = send(client, "/claims?lang=en", LARGEST_CLAIM, MULTIPART)
    assert "The form has expired" in english.text and read == 0
    assert state_of(office.central) == before


def test_a_12_mb_claim_form_needs_its_csrf_token_before_the_upload_is_read(client, office):
    assert sign_in(client, "admin", ADMIN_PASSWORD).status_code == 302
    for query in ("", "?csrf_token=forged"):
        answer, read = send(client, "/claims", LARGEST_CLAIM, MULTIPART, query=query)
        assert answer.status_code == 400 and "表单已过期" in answer.text, query
        assert read == 0, query


def test_a_12_mb_claim_form_from_a_viewer_is_refused_without_reading_it(client, office):
    assert sign_in(client, "viewer", VIEWER_PASSWORD).status_code == 302
    token = csrf(client, "/")
    answer, read = send(client, "/claims", LARGEST_CLAIM, MULTIPART, query=f"?csrf_token={token}")
    assert answer.status_code == 403 and "无权" in answer.text
    assert read == 0


def test_a_group_leaders_large_claim_form_with_its_token_is_read(client, office):
    add_user(office.central, "leader", "leader-password-1", "group_leader")
    assert sign_in(client, "leader", "leader-password-1").status_code == 302
    token = csrf(client, "/")
    size = 3 * 2**20
    answer, read = send(client, "/claims", size, MULTIPART, query=f"?csrf_token={token}")
    assert read > 0  # admitted: the form is read (and, being no valid form, refused after)
    assert answer.status_code < 500


@pytest.mark.parametrize(
    ("path", "kind", "headers"),
    [
        ("/login", "application/x-www-form-urlencoded", {}),
        ("/households/H000001/adjust", MULTIPART, {}),
        ("/api/v1/heartbeat", "application/json", {}),
        ("/api/v1/households/H000001/adjust", "application/json", {}),
    ],
)
def test_every_other_route_refuses_a_megabyte_without_reading_it(client, path, kind, headers):
    answer, read = send(client, path, 2**20, kind, headers)
    assert answer.status_code == 413 and read == 0


def test_a_page_refusing_a_large_body_says_why_in_the_users_language(client):
    answer, _ = send(client, "/login", 2**20, "application/x-www-form-urlencoded")
    assert "请求内容过大" in answer.text
    english, _ = send(client, "/login?lang=en", 2**20, "application/x-www-form-urlencoded")
    assert "The request is too large." in english.text


def test_a_kiosks_push_keeps_its_own_larger_limit(client, office):
    answer, read = send(
        client, "/api/v1/push", 2**20, "application/json", bearer(office.kiosk_tokens["K001"])
    )
    assert answer.status_code == 400 and read == 2**20  # read, and refused as no JSON
