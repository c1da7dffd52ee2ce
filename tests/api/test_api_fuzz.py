"""Never a 500: random JSON posted to the resident's endpoints is answered, not crashed on."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.services import doctor

ENDPOINTS = ("/api/scan", "/api/session/cart", "/api/session/checkout")

# Values close to valid ones reach deeper than pure noise.
NEAR_MISSES = st.sampled_from(
    [
        "SALT",
        "EKP:SALT",
        "ekp:oil18",
        "EKP:BASIN",
        "EKP:UMBR",
        "EKA:SORT",
        "EKA:",
        "EKC:",
        "EKC:" + "A" * 26,
        "EKP:" + "A" * 40,
        "0",
        "-1",
        " 2 ",
        "",
    ]
)
LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-3, max_value=100)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | NEAR_MISSES
)
JSON = st.recursive(
    LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=8,
)
FIELDS = st.sampled_from(["code", "product_code", "qty", "session_id", "resident_id"])


def bodies(card_codes: list[str]) -> st.SearchStrategy:
    """Return random JSON bodies, most of them objects with the fields the API reads."""
    value = JSON | st.sampled_from(card_codes)
    return JSON | st.dictionaries(FIELDS, value, max_size=3)


def assert_answered(response) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)
    assert response.is_json
    if response.status_code >= 400:
        error = response.get_json()["error"]
        assert isinstance(error["code"], str) and error["code"]
        assert isinstance(error["message"], str) and error["message"].strip()


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_json_never_causes_a_server_error(data, client, cards, runtime):
    codes = [c["code"] for c in cards[:3]]
    if client.get("/api/session").get_json()["mode"] == "idle":
        assert client.post("/api/scan", json={"code": codes[0]}).status_code == 200

    endpoint = data.draw(st.sampled_from(ENDPOINTS), label="endpoint")
    body = data.draw(bodies(codes), label="body")
    lang = data.draw(st.sampled_from(["", "?lang=en", "?lang=zh_CN", "?lang=xx"]), label="lang")

    assert_answered(client.post(endpoint + lang, json=body))
    assert doctor.check(runtime.kiosk) == []
