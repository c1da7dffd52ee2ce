"""A USB keyboard-wedge scanner, as the page sees one: a burst of keys and Enter, time-stamped.

The page tells a scan from typing by the gaps between the keys' own time stamps (a real
scanner's come from the device, milliseconds apart). Keys sent one by one from a test, on a
machine busy with other browsers, can be delivered a quarter second apart and split a scan the
scanner would not have split. Each key here carries the time it was sent by the scanner, `gap`
apart from the burst's start, through Chrome's own input pipeline (CDP Input.dispatchKeyEvent).
"""

from __future__ import annotations

import time

from playwright.sync_api import Page


def wedge(page: Page, text: str, *, gap: float = 0.005, start: float | None = None) -> float:
    """Send text then Enter as a scanner would, keys `gap` seconds apart from start (now by
    default); return the time stamp of the Enter (a later burst may start from it)."""
    cdp = page.context.new_cdp_session(page)
    first = time.time() if start is None else start
    at = first
    try:
        for i, key in enumerate([*text, "Enter"]):
            at = first + i * gap
            down = {"type": "keyDown", "key": key, "timestamp": at}
            if key == "Enter":
                down.update(code="Enter", windowsVirtualKeyCode=13, text="\r")
            else:
                down["text"] = key
            cdp.send("Input.dispatchKeyEvent", down)
            cdp.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": key, "timestamp": at})
    finally:
        cdp.detach()
    return at
