"""Still images: decode_file and the `kiosk scan-image` command."""

import json
import re

import cv2
import pytest

from kiosk.scan.files import decode_file, scan_image_main
from kiosk.scan.synth import scene

CARD = "EKC:ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LABEL = "EKP:OIL-5L"


def encode(frame, ext=".png") -> bytes:
    """Encode a frame as image file bytes."""
    ok, buf = cv2.imencode(ext, frame)
    assert ok
    return buf.tobytes()


@pytest.fixture
def images(tmp_path):
    """Write a card, two codes, an empty scene and a corrupt file; return their paths."""
    paths = {
        "card": tmp_path / "card.png",
        "both": tmp_path / "两个码.jpg",
        "empty": tmp_path / "shelf.png",
        "corrupt": tmp_path / "corrupt.png",
    }
    paths["card"].write_bytes(encode(scene(CARD, seed=1)))
    paths["both"].write_bytes(encode(scene([CARD, LABEL], seed=2, rotation=5), ".jpg"))
    paths["empty"].write_bytes(encode(scene(None, seed=3)))
    paths["corrupt"].write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 50)
    return paths


def test_decode_file_reads_a_png_card(images):
    result = decode_file(images["card"])
    assert result.codes == [CARD]
    assert result.error is None
    assert result.ms >= 0
    assert result.path == str(images["card"])


def test_decode_file_reads_a_file_with_a_chinese_name(images):
    result = decode_file(images["both"])
    assert sorted(result.codes) == sorted([CARD, LABEL])


def test_decode_file_reports_a_corrupt_file_as_unreadable(images):
    result = decode_file(images["corrupt"])
    assert result.error == "unreadable image"
    assert result.codes == []


def test_decode_file_reports_a_truncated_png_as_unreadable(tmp_path):
    data = encode(scene(CARD, seed=4))
    path = tmp_path / "truncated.png"
    path.write_bytes(data[: len(data) // 2])
    assert decode_file(path).error == "unreadable image"


@pytest.mark.parametrize("content", [b"", b"code,qty\nEKP:OIL-5L,3\n", bytes(range(256))])
def test_decode_file_reports_a_non_image_file_as_unreadable(tmp_path, content):
    path = tmp_path / "delivery.csv"
    path.write_bytes(content)
    assert decode_file(path).error == "unreadable image"


def test_decode_file_reports_a_directory_or_missing_file(tmp_path):
    assert decode_file(tmp_path).error == "unreadable image"
    assert decode_file(tmp_path / "missing.png").error == "no such file"


def test_scan_image_prints_one_line_per_file_and_exits_1_for_an_unreadable_one(images, capsys):
    names = [str(images[key]) for key in ("card", "empty", "corrupt")]
    assert scan_image_main(names) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert re.fullmatch(re.escape(f"{names[0]}: {CARD} (") + r"\d+\.\d ms\)", lines[0])
    assert re.fullmatch(re.escape(f"{names[1]}: no code (") + r"\d+\.\d ms\)", lines[1])
    assert lines[2] == f"{names[2]}: error: unreadable image"


def test_scan_image_lists_two_codes_comma_separated_and_exits_0(images, capsys):
    assert scan_image_main([str(images["both"])]) == 0
    line = capsys.readouterr().out.strip()
    codes = line.split(": ", 1)[1].rsplit(" (", 1)[0]
    assert sorted(codes.split(", ")) == sorted([CARD, LABEL])


def test_scan_image_json_lists_file_codes_time_and_error(images, capsys):
    names = [str(images[key]) for key in ("card", "both", "corrupt")]
    assert scan_image_main(["--json", *names]) == 1
    rows = json.loads(capsys.readouterr().out)
    assert [row["file"] for row in rows] == names
    assert all(list(row) == ["file", "codes", "ms", "error"] for row in rows)
    assert rows[0]["codes"] == [CARD]
    assert rows[0]["error"] is None
    assert isinstance(rows[0]["ms"], float)
    assert sorted(rows[1]["codes"]) == sorted([CARD, LABEL])
    assert rows[2] == {"file": names[2], "codes": [], "ms": 0.0, "error": "unreadable image"}


def test_scan_image_keeps_chinese_file_names_readable_in_json(images, capsys):
    scan_image_main(["--json", str(images["both"])])
    assert "两个码.jpg" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [[], ["--json"], ["--bogus", "x.png"]])
def test_scan_image_exits_2_on_a_usage_error(argv, capsys):
    assert scan_image_main(argv) == 2
    assert "usage: kiosk scan-image" in capsys.readouterr().err
