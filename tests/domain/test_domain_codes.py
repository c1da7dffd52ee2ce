"""Scanned codes: classification, card tokens and their hashes."""

from __future__ import annotations

import base64

import pytest
import qrcode
from hypothesis import given
from hypothesis import strategies as st
from qrcode.constants import ERROR_CORRECT_M

from core.domain import codes, errors

TOKEN = codes.token_from_bytes(bytes(range(16)))


def qr_version(text: str) -> int:
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M)
    qr.add_data(text)
    qr.make(fit=True)
    return qr.version


# --- classify -----------------------------------------------------------------------------


def test_classify_recognises_a_card():
    assert codes.classify("EKC:" + TOKEN) == codes.Scanned("card", TOKEN)


def test_classify_accepts_a_lowercase_card_with_surrounding_whitespace():
    assert codes.classify("  ekc:" + TOKEN.lower() + "\r\n") == codes.Scanned("card", TOKEN)


@pytest.mark.parametrize("token", [TOKEN[:-1], TOKEN + "A", TOKEN[:-1] + "1", TOKEN[:-1] + "!"])
def test_classify_refuses_a_card_whose_token_is_malformed(token):
    with pytest.raises(errors.UnknownCard):
        codes.classify("EKC:" + token)


@pytest.mark.parametrize(
    ("raw", "value"),
    [("EKP:OIL5L", "OIL5L"), ("oil5l", "OIL5L"), (" ekp:salt ", "SALT"), ("A-1_B.2", "A-1_B.2")],
)
def test_classify_recognises_a_product_label_with_or_without_prefix(raw, value):
    assert codes.classify(raw) == codes.Scanned("product", value)


def test_classify_refuses_a_product_label_with_a_bad_code():
    with pytest.raises(errors.UnknownProduct):
        codes.classify("EKP:食用油")
    with pytest.raises(errors.UnknownProduct):
        codes.classify("EKP:" + "A" * 33)


@pytest.mark.parametrize(("raw", "value"), [("EKA:SORT", "SORT"), ("eka:clean", "CLEAN")])
def test_classify_recognises_an_activity_code(raw, value):
    assert codes.classify(raw) == codes.Scanned("activity", value)


@pytest.mark.parametrize("raw", ["EKA:", "EKA:两癌", "EKA:" + "X" * 33])
def test_classify_refuses_a_malformed_activity_code(raw):
    with pytest.raises(errors.UnknownActivity):
        codes.classify(raw)


@pytest.mark.parametrize(
    "raw", ["https://example.com/x", "王秀英", "A" * 33, "hello world", "EKX:123"]
)
def test_classify_refuses_a_code_that_is_not_ours(raw):
    with pytest.raises(errors.UnknownCode):
        codes.classify(raw)


@pytest.mark.parametrize(
    "raw", ["", "   ", "\n\t", "\x00\x01", "EKC:\x00", "a\x1bb", b"EKP:SALT", 5]
)
def test_classify_refuses_empty_binary_or_non_text_input(raw):
    with pytest.raises(errors.BadCode):
        codes.classify(raw)


def test_classify_refuses_an_oversized_code_before_looking_at_it():
    with pytest.raises(errors.CodeTooLong):
        codes.classify("EKP:" + "A" * 2000)
    with pytest.raises(errors.CodeTooLong):
        codes.classify(" " * (codes.MAX_CODE_LENGTH + 1))


@given(st.text(max_size=60))
def test_classify_either_classifies_or_raises_a_domain_error(raw):
    try:
        scanned = codes.classify(raw)
    except errors.DomainError:
        return
    assert scanned.kind in ("card", "product", "activity")
    assert scanned.value == scanned.value.upper()


def test_normalise_product_code_refuses_non_text():
    with pytest.raises(errors.UnknownProduct):
        codes.normalise_product_code(None)
    with pytest.raises(errors.UnknownProduct):
        codes.normalise_product_code("")


# --- tokens -------------------------------------------------------------------------------


def test_a_new_card_token_carries_128_random_bits_in_26_base32_characters():
    tokens = {codes.new_card_token() for _ in range(50)}
    assert len(tokens) == 50
    for token in tokens:
        assert len(token) == 26
        assert len(base64.b32decode(token + "======")) == codes.TOKEN_BYTES == 16
        assert codes.classify(codes.card_code(token)) == codes.Scanned("card", token)


def test_a_card_code_fits_qr_version_4_at_level_m():
    for _ in range(20):
        code = codes.card_code(codes.new_card_token())
        assert qr_version(code) <= 4
    assert qr_version(codes.card_code(TOKEN)) <= 4


def test_token_hash_is_stable_and_hides_the_token():
    digest = codes.token_hash(TOKEN)
    assert digest == codes.token_hash(TOKEN)
    assert len(digest) == 64
    assert TOKEN not in digest
    assert digest != codes.token_hash(codes.new_card_token())


def test_derived_tokens_repeat_for_the_same_secret_and_label_only():
    secret = b"s" * 32
    token = codes.derived_card_token(secret, "H0001-1")
    assert token == codes.derived_card_token(secret, "H0001-1")
    assert token != codes.derived_card_token(secret, "H0001-2")
    assert token != codes.derived_card_token(b"t" * 32, "H0001-1")
    assert codes.classify(codes.card_code(token)) == codes.Scanned("card", token)
    assert qr_version(codes.card_code(token)) <= 4
