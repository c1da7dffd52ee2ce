"""After sign-in the office web follows `next` only to a path on its own site."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from flask.testing import FlaskClient
from office_helpers import ADMIN_PASSWORD, csrf, sign_in

from sync.central.app import create_central_app

HOME = "/"
# As they would stand in the query string of /login?next=…
HOSTILE = [
    "/%09/evil.example",  # browsers drop the tab: //evil.example
    "/%0d%0aSet-Cookie:%20session=planted",  # a header split (a 500 before)
    "/%0a/evil.example",
    "/%0d/evil.example",
    "%09//evil.example",
    "//evil.example",
    "///evil.example",
    "/%2F/evil.example",
    "/%5Cevil.example",  # browsers read /\ as //
    "/%5C/evil.example",
    "%5C%5Cevil.example",
    "https://evil.example/",
    "HTTPS://evil.example",
    "http:evil.example",
    "http:/evil.example",
    "javascript:alert(1)",
    "data:text/html,hi",
    "evil.example",
    "households",
    "/%20/evil.example",
    "%20//evil.example",
    "/%E3%80%80/evil.example",  # an ideographic space
    "/%C2%85/evil.example",  # NEL
    "/%E2%80%8B/evil.example",  # a zero-width space
    "/%2509/evil.example",  # a tab once more encoded
    "/%252F%252Fevil.example",
    "/%255Cevil.example",
    "",
]
SAME_SITE = ["/households", "/activities/ACT-SORT", "/households?page=2", "/reports/monthly.csv"]


@pytest.fixture
def client(sqlite_central) -> FlaskClient:
    return create_central_app(sqlite_central).test_client()


@pytest.mark.parametrize("target", HOSTILE)
def test_a_hostile_next_after_sign_in_goes_to_the_home_page(client, target):
    answer = sign_in(client, "admin", ADMIN_PASSWORD, next_path=target)
    assert answer.status_code == 302
    assert answer.headers["Location"] == HOME
    assert client.get(HOME).status_code == 200  # and signed in


@pytest.mark.parametrize("target", SAME_SITE)
def test_a_path_on_this_site_is_followed_after_sign_in(client, target):
    answer = sign_in(client, "admin", ADMIN_PASSWORD, next_path=quote(target, safe=""))
    assert answer.status_code == 302
    assert answer.headers["Location"] == target


def test_a_page_that_needs_sign_in_comes_back_after_it(client):
    first = client.get("/activities/ACT-SORT")
    assert first.status_code == 302
    login_url = first.headers["Location"]
    answer = client.post(
        login_url,
        data={"csrf_token": csrf(client), "username": "admin", "password": ADMIN_PASSWORD},
    )
    assert answer.headers["Location"] == "/activities/ACT-SORT"


@pytest.mark.parametrize("target", ["/%0d%0aX:%20y", "//evil.example"])
def test_a_wrong_password_with_a_hostile_next_is_refused_plainly(client, target):
    answer = sign_in(client, "admin", "wrong-password", next_path=target)
    assert answer.status_code == 401 and "用户名或密码错误" in answer.text
