"""Decode still image files: the `kiosk scan-image` command."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

UNREADABLE = "unreadable image"
NOT_FOUND = "no such file"
TOO_LARGE = "image too large"


@dataclass(frozen=True)
class ScanFileResult:
    """The codes found in one image file, the decode time, or why it could not be read."""

    path: str
    codes: list[str]
    ms: float
    error: str | None = None


def decode_file(path: str | Path) -> ScanFileResult:
    """Read an image file (any path, any name) and decode it with the camera's pipeline."""
    from kiosk.scan import decode
    from kiosk.scan.images import UnreadableImage, image_from_bytes

    name = str(path)
    try:
        data = Path(path).read_bytes()  # bytes, not cv2.imread: non-ASCII paths everywhere
    except FileNotFoundError:
        return ScanFileResult(name, [], 0.0, NOT_FOUND)
    except (OSError, ValueError):
        return ScanFileResult(name, [], 0.0, UNREADABLE)
    try:
        image = image_from_bytes(data)
    except UnreadableImage as exc:
        too_large = str(exc).startswith("too large")
        return ScanFileResult(name, [], 0.0, TOO_LARGE if too_large else UNREADABLE)
    start = time.perf_counter()
    codes = decode(image)
    ms = (time.perf_counter() - start) * 1000.0
    return ScanFileResult(name, codes, round(ms, 1))


def format_result(result: ScanFileResult) -> str:
    """Format one result as a line: `path: code1, code2 (3.1 ms)`."""
    if result.error:
        return f"{result.path}: error: {result.error}"
    found = ", ".join(result.codes) if result.codes else "no code"
    return f"{result.path}: {found} ({result.ms:.1f} ms)"


def scan_image_main(argv: list[str]) -> int:
    """Run `kiosk scan-image [--json] FILE…`: 0 if every file was read, 1 if not, 2 on misuse."""
    parser = argparse.ArgumentParser(
        prog="kiosk scan-image", description="Decode QR codes in image files."
    )
    parser.add_argument("--json", action="store_true", help="print a JSON list of results")
    parser.add_argument("files", nargs="+", metavar="FILE", help="image files to decode")
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # usage errors (2) and --help (0) return, not exit
        return int(stop.code or 0)
    results = [decode_file(name) for name in args.files]
    if args.json:
        rows = [{"file": r.path, "codes": r.codes, "ms": r.ms, "error": r.error} for r in results]
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        for result in results:
            print(format_result(result))
    return 1 if any(r.error for r in results) else 0
