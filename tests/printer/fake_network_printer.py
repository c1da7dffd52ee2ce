"""A fake network receipt printer on 127.0.0.1 that answers real-time status queries."""

from __future__ import annotations

import contextlib
import socket
import threading

DLE_EOT = b"\x10\x04"

# Answers to DLE EOT 1 (printer), 2 (offline cause), 3 (errors), 4 (paper sensor), as an
# Epson-compatible printer sends them: fixed bits 0x12, plus the bits of each condition.
ANSWERS = {
    "ok": {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12},
    "paper_low": {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x1E},
    "paper_out": {1: 0x1A, 2: 0x32, 3: 0x12, 4: 0x72},
    "cover_open": {1: 0x1A, 2: 0x16, 3: 0x12, 4: 0x12},
}
STATES = (*ANSWERS, "silent", "unplugged")


class FakeNetworkPrinter:
    """Record the bytes of every connection; answer DLE EOT n with the bytes of ``state``.

    ``silent`` accepts and records but never answers; ``unplugged`` refuses connections.
    Jobs that arrive while the printer can print are kept in ``printed``, as paper would.
    """

    def __init__(self, state: str = "ok") -> None:
        self._lock = threading.Condition()
        self._state = state
        self.connections: list[bytes] = []
        self.printed: list[bytes] = []
        self.queries: list[int] = []
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self._accepting = threading.Thread(target=self._accept, args=(self.server,), daemon=True)
        self._accepting.start()

    @property
    def state(self) -> str:
        return self._state

    def set_state(self, state: str) -> None:
        """Change what the printer reports; ``unplugged`` stops it listening."""
        if state not in STATES:
            raise ValueError(state)
        with self._lock:
            was, self._state = self._state, state
        if state == "unplugged" and was != "unplugged":
            self._stop_listening()
        elif was == "unplugged" and state != "unplugged":
            self.server = socket.create_server(("127.0.0.1", self.port))
            threading.Thread(target=self._accept, args=(self.server,), daemon=True).start()

    @property
    def jobs(self) -> list[bytes]:
        """Return the connections that carried more than status queries."""
        with self._lock:
            return [c for c in self.connections if _without_queries(c)]

    def wait_printed(self, count: int, timeout: float = 5.0) -> list[bytes]:
        """Wait until ``count`` jobs are on paper (a connection is recorded when it ends)."""
        with self._lock:
            self._lock.wait_for(lambda: len(self.printed) >= count, timeout)
            return list(self.printed)

    def wait_for_connections(self, count: int, timeout: float = 5.0) -> bool:
        """Wait until ``count`` connections have ended."""
        with self._lock:
            return self._lock.wait_for(lambda: len(self.connections) >= count, timeout)

    def close(self) -> None:
        self._stop_listening()

    def _stop_listening(self) -> None:
        # shutdown() first: close() alone leaves a socket that a blocked accept() still holds.
        with contextlib.suppress(OSError):
            self.server.shutdown(socket.SHUT_RDWR)
        self.server.close()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        received = bytearray()
        scanned = 0
        with conn:
            conn.settimeout(10)
            while True:
                try:
                    chunk = conn.recv(65536)
                except OSError:
                    break
                if not chunk:
                    break
                received += chunk
                # Real-time commands are obeyed as they arrive, even in the middle of a job.
                while (at := received.find(DLE_EOT, scanned)) != -1 and at + 2 < len(received):
                    n = received[at + 2]
                    scanned = at + 3
                    with self._lock:
                        self.queries.append(n)
                        answer = ANSWERS.get(self._state, {}).get(n)
                    if answer is not None:
                        conn.sendall(bytes([answer]))
        with self._lock:
            data = bytes(received)
            self.connections.append(data)
            if _without_queries(data) and self._state in ("ok", "paper_low"):
                self.printed.append(data)
            self._lock.notify_all()


def _without_queries(data: bytes) -> bytes:
    for n in (1, 2, 3, 4):
        data = data.replace(DLE_EOT + bytes([n]), b"")
    return data
