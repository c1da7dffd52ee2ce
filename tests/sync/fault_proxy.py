"""A small HTTP proxy on 127.0.0.1 that forwards a kiosk's requests to central and injects faults.

Tell it what to do to the next matching requests with ``on(path, fault, ...)``:

- ``pass``: forward as usual (to aim a later fault at a later request).
- ``drop_request``: close the kiosk's connection; central never sees the request.
- ``drop_response``: forward, let central commit, then close the connection unanswered.
- ``duplicate``: forward the request twice, one after the other; answer with the second reply.
- ``duplicate_parallel``: forward two copies at the same time; answer with the first reply.
- ``delay``: wait ``delay`` seconds, then forward.
- ``hold``: keep the request until the next matching request has gone through, then forward it
  (the kiosk may have given up waiting by then: two batches reach central out of order).
- ``restart``: restart central (same database) before forwarding.
- ``down``: central is stopped; the request fails with 502; central is started again after.
- ``busy``: answer 429 with ``Retry-After: 60`` without forwarding (central's rate limit).

``offline = True`` drops every request. Requests not matched go straight through. Every wait is
bounded, and the proxy shuts itself down after ``lifetime`` seconds.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FAULTS = {
    "pass",
    "drop_request",
    "drop_response",
    "duplicate",
    "duplicate_parallel",
    "delay",
    "hold",
    "restart",
    "down",
    "busy",
}
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "server", "date"}
LOOPBACK = "127.0.0.1"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else each reply waits 40 ms for a delayed ACK
    server: _Server

    def do_GET(self) -> None:
        self.server.proxy._handle(self)

    do_POST = do_GET

    def log_message(self, format: str, *args) -> None:  # keep test output quiet
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    proxy: FaultProxy

    def handle_error(self, request, client_address) -> None:
        pass  # a kiosk that gave up closed its end; nothing to report


class FaultProxy:
    """Forward to central on 127.0.0.1 and misbehave on request."""

    def __init__(
        self,
        upstream_port: Callable[[], int],
        *,
        restart: Callable[[], None] | None = None,
        stop: Callable[[], None] | None = None,
        start: Callable[[], None] | None = None,
        lifetime: float = 120.0,
        hold_timeout: float = 15.0,
    ) -> None:
        self.upstream_port = upstream_port
        # The path a kiosk's batches go on: the whole round (/sync), or /push from a kiosk
        # syncing with three requests; events() reads it unless told another.
        self.push_path = "/api/v1/push"
        self._restart, self._stop, self._start = restart, stop, start
        self.hold_timeout = hold_timeout
        self.delay = 0.5
        self.offline = False
        self.log: list[tuple[str, str, str]] = []  # (method, path, what happened)
        self._plans: dict[str, deque[str]] = {}
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._busy = 0
        self._held: list[tuple[str, threading.Event]] = []
        self._server = _Server((LOOPBACK, 0), _Handler)
        self._server.proxy = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        self._timer = threading.Timer(lifetime, self.stop)
        self._timer.daemon = True
        self._timer.start()

    @property
    def base(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def on(self, path: str, *faults: str) -> None:
        """Apply these faults, one each, to the next requests whose path starts with path."""
        unknown = set(faults) - FAULTS
        assert not unknown, unknown
        with self._lock:
            self._plans.setdefault(path, deque()).extend(faults)

    def events(self, what: str | None = None, path: str | None = None) -> list[str]:
        """Return what happened to the requests on a path (push_path), in order."""
        path = path or self.push_path
        with self._lock:
            return [e for _m, p, e in self.log if p.startswith(path) and (what in (None, e))]

    def settle(self, timeout: float = 15.0) -> None:
        """Wait until no request is being handled (held ones included)."""
        with self._idle:
            assert self._idle.wait_for(lambda: self._busy == 0, timeout), "the proxy is stuck"

    def stop(self) -> None:
        self._timer.cancel()
        with self._lock:
            for _path, event in self._held:
                event.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)

    # -- one request ---------------------------------------------------------------------------

    def _next_fault(self, path: str) -> str | None:
        with self._lock:
            for prefix, plan in self._plans.items():
                if path.startswith(prefix) and plan:
                    return plan.popleft()
        return None

    def _record(self, method: str, path: str, what: str) -> None:
        with self._lock:
            self.log.append((method, path, what))

    def _handle(self, h: _Handler) -> None:
        with self._lock:
            self._busy += 1
        try:
            self._serve(h)
        finally:
            with self._idle:
                self._busy -= 1
                self._idle.notify_all()

    def _serve(self, h: _Handler) -> None:
        method, path = h.command, h.path
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else None
        headers = {k: v for k, v in h.headers.items() if k.lower() not in HOP_BY_HOP}
        if self.offline:
            self._record(method, path, "offline")
            h.close_connection = True
            return
        fault = self._next_fault(path)
        if fault == "pass":
            fault = None
        if fault == "drop_request":
            self._record(method, path, fault)
            h.close_connection = True
            return
        if fault == "busy":
            self._record(method, path, fault)
            data = b'{"error": {"code": "rate_limited", "message": "too many requests"}}'
            h.send_response(429)
            h.send_header("Retry-After", "60")
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)
            return
        if fault == "delay":
            time.sleep(self.delay)
        if fault == "hold":
            release = threading.Event()
            with self._lock:
                self._held.append((path, release))
            self._record(method, path, "held")
            release.wait(self.hold_timeout)
        if fault == "restart" and self._restart is not None:
            self._restart()
        if fault == "down" and self._stop is not None:
            self._stop()
        if fault == "duplicate":
            self._forward(method, path, headers, body)
            answer = self._forward(method, path, headers, body)
        elif fault == "duplicate_parallel":
            answers: list = [None, None]

            def send(i: int) -> None:
                answers[i] = self._forward(method, path, headers, body)

            threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            answer = answers[0]
            self._record(method, path, f"parallel {answers[0][0]} {answers[1][0]}")
        else:
            answer = self._forward(method, path, headers, body)
        if fault == "down" and self._start is not None:
            self._start()
        if fault != "hold":
            self._release_held(path)
        self._record(method, path, fault or "forwarded")
        status, reply_headers, data = answer
        if fault == "drop_response":
            h.close_connection = True
            return
        try:
            h.send_response(status)
            for name, value in reply_headers:
                if name.lower() not in HOP_BY_HOP:
                    h.send_header(name, value)
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)
            h.wfile.flush()
        except OSError:
            h.close_connection = True  # the kiosk stopped waiting

    def _release_held(self, path: str) -> None:
        with self._lock:
            held = [e for p, e in self._held if p == path]
            self._held = [(p, e) for p, e in self._held if p != path]
        for event in held:
            event.set()

    def _forward(self, method: str, path: str, headers: dict[str, str], body: bytes | None):
        conn = http.client.HTTPConnection(LOOPBACK, self.upstream_port(), timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, response.getheaders(), response.read()
        except OSError as exc:
            message = f'{{"error": {{"code": "bad_gateway", "message": "{type(exc).__name__}"}}}}'
            return 502, [("Content-Type", "application/json")], message.encode()
        finally:
            conn.close()
