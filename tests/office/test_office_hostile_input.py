"""Hostile input to the office web is refused or ignored, never answered with a 5xx.

Every office route, walked from the app's URL map, gets NUL bytes, numbers too large for the
database, negative numbers, overlong text and bad UTF-8 in its path, its query and its form,
as a signed-in admin with a valid CSRF token, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from office_helpers import ADMIN_PASSWORD, csrf, sign_in

from sync.central.app import create_central_app
from sync.central.context import Central
from sync.central.models import Activity, Alert
from sync.central.web import office

# Each value as it stands in a URL or a urlencoded form: percent-escapes are sent as they are.
HOSTILE = {
    "nul": "%00",
    "nul_inside": "H000001%00X",
    "huge": "9" * 20,
    "huge_negative": "-" + "9" * 20,
    "past_int_parsing": "9" * 5000,  # Python refuses to parse over 4,300 digits
    "int32_plus_one": str(2**31),
    "int64_plus_one": str(2**63),
    "negative": "-1",
    "zero": "0",
    "float": "1e400",
    "overlong": quote("長" * 3000),
    "bad_utf8": "%FF%FE%C0%80",
    "encoded_surrogate": "%ED%A0%80",
    "controls": "%0D%0A%09%1B%7F",
    "slashes": "..%2F..%5C%2F%2F",
}
QUERY_NAMES = (
    "q",
    "page",
    "store",
    "from",
    "to",
    "next",
    "lang",
    "csrf_token",  # an upload form sends it in its address too
    "edit",
    "status",
    "rule",
    "household",
    "month",
    "donor",
    "village",
)
FORM_NAMES = (
    "section",
    "ranking_size",
    "username",
    "password",
    "code",
    "name",
    "type",
    "day",
    "points",
    "cap",
    "allowance",
    "resident",
    "skip_bad",
    "reason",
    "rule",
    "category",
    "evidence",
    "approver",
    "cap_scope",
    "cap_period",
    "cap_count",
    "active",
    "household",
    "note",
    "photos",
    "picture",
    "role",
    "area",
    "group",
    "village",
    "phone",
    "opening_points",
    "unit",
    "rate",
    "period",
    "month",
    "text",
    "starts",
    "ends",
    "hours",
    "store",
)
UPLOADS = {
    "nul": b"resident\nH000001-1\x00\n",
    "bad_utf8": b"resident\n\xff\xfe\xc0\x80\n",
    "utf16": "household,resident\n赵家,赵一\n".encode("utf-16"),
    "huge_numbers": b"household,resident,phone,opening_points\nA,B,," + b"9" * 400 + b"\n",
}
SAMPLES = {
    "household_id": "H000001",
    "resident_id": "H000001-1",
    "activity_id": "ACT-SORT",
    "alert_id": "1",
    "store_id": "1",
    "card_id": "1",
    "user_id": "2",
    "fmt": "csv",
    "filename": "office.css",
    "claim_id": "00000000-0000-4000-8000-000000000001",
    "position": "1",
    "code": "OIL",
}
# Routes that change the caller's own session: walked with a browser of their own.
SESSION_ROUTES = {"office.login_submit", "office.logout"}
ARGUMENT = re.compile(r"<(?:[^:<>]+:)?(\w+)>")
FIELD = re.compile(r'<(?:input|select|textarea)[^>]*\bname="(\w+)"')


@pytest.fixture
def app(office_central: Central) -> Flask:
    # Hostile sign-ins must not trip the per-address limit for the rest of the walk.
    return create_central_app(office_central, {"LOGIN_FAIL_BURST": 10**6})


@pytest.fixture
def admin(app: Flask) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, "admin", ADMIN_PASSWORD).status_code == 302
    return client


def office_routes(app: Flask) -> list[tuple[str, str, str]]:
    """Return (endpoint, rule, method) for every GET and POST route of the office web."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("office."):
            continue
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            found.append((rule.endpoint, rule.rule, method))
    return found


def url_of(rule: str, hostile: tuple[str, str] | None = None) -> str:
    """Fill a rule's arguments with sample values, or one of them with a hostile value."""

    def fill(match: re.Match) -> str:
        name = match.group(1)
        if hostile is not None and hostile[0] == name:
            return hostile[1]
        return quote(SAMPLES[name], safe="")

    return ARGUMENT.sub(fill, rule)


def cases(rule: str, method: str):
    """Yield (label, url, body, content type) of every hostile request for a route."""
    names = ARGUMENT.findall(rule)
    plain = url_of(rule)
    for label, value in HOSTILE.items():
        for name in names:
            yield f"path {name}={label}", url_of(rule, (name, value)), "", None
        query = "&".join(f"{n}={value}" for n in QUERY_NAMES)
        yield f"query={label}", f"{plain}?{query}", "", None
        yield f"query name {label}", f"{plain}?{value}=1", "", None
        if method == "POST":
            form = "&".join(f"{n}={value}" for n in FORM_NAMES)
            yield f"form={label}", plain, form, "application/x-www-form-urlencoded"
            yield f"form name {label}", plain, f"{value}=1", "application/x-www-form-urlencoded"
    if method == "POST":
        for label, content in UPLOADS.items():
            yield f"upload {label}", plain, content, "multipart/form-data"


def send(client: FlaskClient, method: str, url: str, body, kind: str | None, token: str):
    if kind is None:
        return client.open(
            url, method=method, data={"csrf_token": token} if method == "POST" else None
        )
    if kind == "multipart/form-data":
        data = {
            "csrf_token": token,
            "resident": "H000001-1",
            "file": (io.BytesIO(body), "hostile.csv", "text/csv"),
            "photos": (io.BytesIO(body), "hostile.jpg", "image/jpeg"),
            "picture": (io.BytesIO(body), "hostile.png", "image/png"),
        }
        return client.open(url, method=method, data=data, content_type=kind)
    return client.open(url, method=method, data=f"csrf_token={token}&{body}", content_type=kind)


def fresh_browser(app: Flask, endpoint: str) -> FlaskClient:
    client = app.test_client()
    if endpoint == "office.logout":
        assert sign_in(client, "admin", ADMIN_PASSWORD).status_code == 302
    return client


# Every route times every hostile value: on PostgreSQL, on a shared machine, past the default.
@pytest.mark.slow
@pytest.mark.timeout(900)
def test_every_office_route_answers_hostile_input_without_a_5xx(app, admin):
    token = csrf(admin, "/")
    failures, walked = [], set()
    for endpoint, rule, method in office_routes(app):
        for label, url, body, kind in cases(rule, method):
            client = admin
            if endpoint in SESSION_ROUTES:
                client = fresh_browser(app, endpoint)
            sent_token = csrf(client, "/login") if client is not admin else token
            answer = send(client, method, url, body, kind, sent_token)
            answer.close()  # a file sent (the style sheet) is closed only with its answer
            walked.add((endpoint, method))
            if answer.status_code >= 500:
                failures.append(f"{method} {rule} {label}: {answer.status_code}")
    assert failures == []
    assert walked == {(e, m) for e, _, m in office_routes(app)}
    assert admin.get("/").status_code == 200  # the admin's own session came through


def test_the_walk_covers_every_office_route_form_field_and_query_parameter(sqlite_central):
    app = create_central_app(sqlite_central)
    endpoints = {e for e, _, _ in office_routes(app)}
    assert {"office.household", "office.card_revoke", "office.alert_resolve"} <= endpoints
    assert {"office.store_allowance", "office.static", "office.login_submit"} <= endpoints
    pages = Path(office.__file__).parent
    templates = pages / "templates" / "office"
    fields = set()
    for page in templates.glob("*.html"):
        fields |= set(
            re.findall(r'<(?:input|select|textarea)[^>]*\bname="(\w+)"', page.read_text())
        )
    assert fields - {"csrf_token", "file"} <= set(FORM_NAMES) | set(QUERY_NAMES)
    source = "\n".join(module.read_text() for module in pages.glob("*.py"))
    read = set(re.findall(r'request\.args\.get\("(\w+)"', source))
    assert read <= set(QUERY_NAMES)
    assert set(re.findall(r'request\.form\.get(?:list)?\("(\w+)"', source)) - {"csrf_token"} <= set(
        FORM_NAMES
    )
    assert set(re.findall(r'\bf\.get\("(\w+)"', source)) <= set(FORM_NAMES)


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/households?q=%00"),
        ("GET", "/households/H%00"),
        ("GET", "/activities/%00"),
        ("POST", "/residents/%00/revoke"),
        ("GET", "/activities/ACT-SORT?q=%00"),
        ("GET", "/reports/statement?from=2026-01-01%00"),
        ("GET", "/households?%00=1"),
        ("POST", "/activities"),  # with a NUL in the name, below
    ],
)
def test_a_nul_byte_in_an_office_request_is_refused_with_a_page_in_chinese(
    admin, office_central, method, url
):
    token = csrf(admin, "/")
    data = {"csrf_token": token, "code": "NUL", "name": "a\x00b", "day": "2026-11-03"}
    answer = admin.open(url, method=method, data=data if method == "POST" else None)
    assert answer.status_code == 400
    assert "请求中含有无法使用的字符" in answer.text
    with office_central.uow(write=False) as uow:
        assert uow.session.get(Activity, "ACT-NUL") is None


def test_the_nul_refusal_reads_in_english_too(admin):
    answer = admin.get("/households?q=%00&lang=en")
    assert answer.status_code == 400 and "cannot be used (NUL)" in answer.text


@pytest.mark.parametrize("number", ["99999999999999999999", str(2**31), str(2**63), "9" * 5000])
def test_ids_too_large_for_the_database_name_no_record(admin, office_central, number):
    token = csrf(admin, "/")
    for url in (f"/alerts/{number}/resolve", f"/stores/{number}/allowance"):
        answer = admin.post(url, data={"csrf_token": token, "allowance": "50"})
        assert answer.status_code == 404 and "未找到" in answer.text
    with office_central.uow(write=False) as uow:
        assert uow.session.get(Alert, 1).resolved_at is None


@pytest.mark.parametrize("number", ["99999999999999999999", "-5", "0", "x", str(2**31)])
def test_a_page_or_store_out_of_range_shows_the_first_page_or_every_store(admin, number):
    for url in ("/households", "/activities", "/reports/monthly", "/reports/statement"):
        answer = admin.get(f"{url}?page={number}&store={number}")
        assert answer.status_code == 200, url
    assert "垃圾分类积分日" in admin.get(f"/activities?page={number}").text  # the first page


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("cap", "99999999999999999999"),
        ("cap", "-3"),
        ("cap", "0"),
        ("name", "长" * 81),
        ("type", "类" * 41),
        ("points", "99999999999999999999"),
    ],
)
def test_an_activity_out_of_bounds_is_refused_with_a_message(admin, office_central, field, value):
    form = {"code": "BIG", "name": "活动", "type": "清洁", "day": "2026-11-03", "points": "5"}
    form[field] = value
    answer = admin.post(
        "/activities", data={"csrf_token": csrf(admin, "/"), **form}, follow_redirects=True
    )
    assert answer.status_code == 200
    assert 'class="flash error"' in answer.text
    with office_central.uow(write=False) as uow:
        assert uow.session.get(Activity, "ACT-BIG") is None


def test_a_csrf_token_beyond_ascii_is_refused_as_an_expired_form(admin):
    answer = admin.post("/alerts/1/resolve", data={"csrf_token": "令牌"})
    assert answer.status_code == 400 and "表单已过期" in answer.text


@pytest.mark.parametrize("content", [UPLOADS["nul"], UPLOADS["utf16"]])
def test_an_award_csv_that_is_not_plain_utf8_text_is_refused(admin, content):
    answer = admin.post(
        "/activities/ACT-SORT/award",
        data={"csrf_token": csrf(admin, "/"), "file": (io.BytesIO(content), "ids.csv", "text/csv")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 415 and "UTF-8" in answer.text
