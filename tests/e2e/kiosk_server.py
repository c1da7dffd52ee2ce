"""Serve a terminal app with waitress on a free local port, for browser tests that configure it."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

from flask import Flask

from kiosk.bootstrap import Runtime


@contextlib.contextmanager
def serving(app: Flask, runtime: Runtime) -> Iterator[str]:
    """Serve app until the block ends; yield its URL."""
    from waitress import create_server, wasyncore

    sockets: dict = {}
    server = create_server(
        app, map=sockets, host="127.0.0.1", port=0, threads=8, ident="kiosk-test"
    )
    thread = threading.Thread(target=server.run, name="waitress", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        # Event streams wait for the next change: wake them so they find their client gone.
        deadline = time.monotonic() + 5
        while server.task_dispatcher.active_count and time.monotonic() < deadline:
            runtime.changes.publish("closing")
            time.sleep(0.02)
        server.task_dispatcher.shutdown(timeout=2)
        server.trigger.pull_trigger(lambda: wasyncore.close_all(sockets))
        thread.join(timeout=2)
