"""Camera codes take the path of POST /api/scan; the screen hears the outcome over its events."""

from __future__ import annotations

import itertools
import threading
import time
from typing import TYPE_CHECKING, Any

from core.domain.errors import DomainError

if TYPE_CHECKING:
    from kiosk.bootstrap import Runtime


class CameraScans:
    """Hand each new camera code to the scan service and keep the last outcome for the screen."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._lock = threading.Lock()
        self._seq = itertools.count(1)
        self.last: dict[str, Any] | None = None

    def __call__(self, code: str) -> dict[str, Any]:
        """Scan one code; return (and remember) what happened."""
        from kiosk.services import terminal
        from kiosk.services.print_jobs import print_receipt

        k = self.runtime.kiosk
        if self.runtime.claim_card.waiting(time.monotonic()) and _is_card(code):
            return self._claim_card(code)
        try:
            outcome = terminal.scan(k, code)
            self.runtime.session_opened(outcome.kind)
            result: dict[str, Any] = {"ok": True, "kind": outcome.kind, **outcome.detail}
            if outcome.kind == "checkin" and outcome.detail.get("receipt_id"):
                print_receipt(k, self.runtime.printer, outcome.detail["receipt_id"], wait=0)
        except DomainError as exc:
            result = {
                "ok": False,
                "code": exc.code,
                "message": exc.message,
                "params": {key: str(v) for key, v in exc.params.items()},
            }
        with self._lock:
            result["seq"] = next(self._seq)
            self.last = result
        self.runtime.changes.publish("camera")
        return result

    def _claim_card(self, code: str) -> dict[str, Any]:
        """A card shown while a claim page waits for one: name the claim's household with it."""
        from kiosk.services import claims

        household, error = None, None
        try:
            found = claims.find_households(self.runtime.kiosk, code)
        except DomainError as exc:
            error = exc  # the page says it in its own language
        else:
            household = found[0]["id"] if len(found) == 1 else None
        result = self.runtime.claim_card.found(household, error, time.monotonic())
        self.runtime.changes.publish("claim_card")
        return {"ok": household is not None, "kind": "claim_card", "seq": result["seq"]}


def _is_card(code: str) -> bool:
    from core.domain.codes import classify

    try:
        return classify(code).kind == "card"
    except DomainError:
        return False


def start_camera(runtime: Runtime):
    """Open the configured camera and start the loop that scans what it sees."""
    from kiosk.camera import CameraLoop, make_camera

    runtime.camera_scans = CameraScans(runtime)
    seen = {"state": None}

    def on_status(status: dict[str, Any]) -> None:
        if status.get("state") != seen["state"]:  # lost, reconnecting, running: tell the screen
            seen["state"] = status.get("state")
            runtime.changes.publish("camera_status")

    runtime.camera = CameraLoop(
        make_camera(runtime.settings.camera.source),
        on_code=runtime.camera_scans,
        on_status=on_status,
    )
    runtime.camera.start()
    return runtime.camera
