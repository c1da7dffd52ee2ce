"""Printer backends by name: the simulator, or python-escpos devices used as raw byte pipes."""

import contextlib
import os
import socket
import stat
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from printer.ports import PrinterError, PrinterState, ReceiptPrinter
from printer.simulator import SimulatedPrinter
from printer.status import query, read_state, status_byte


class EscposTransmitter:
    """Open a python-escpos device for each job or status check, use it, close it.

    One job or check at a time: a second connection to a busy printer would be refused or
    would interleave bytes.
    """

    def __init__(self, describe: str, factory: Callable[[], Any]) -> None:
        self._describe = describe
        self._factory = factory
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._describe}>"

    def send(self, data: bytes) -> None:
        """Print ``data``; raise PrinterError("offline") when the device cannot be reached."""
        with self._lock:
            device = self._open()
            try:
                device._raw(data)
            except Exception as exc:
                raise PrinterError(PrinterState.OFFLINE, f"{self._describe}: {exc}") from exc
            finally:
                _close_quietly(device)

    def status(self) -> str:
        """Ask the printer (DLE EOT 1, 2, 4); offline when it cannot be reached, unknown when
        it does not answer."""
        with self._lock:
            try:
                device = self._open()
            except PrinterError:
                return PrinterState.OFFLINE
            try:
                return read_state(lambda n: _ask(device, n))
            except PrinterError as exc:
                return exc.code
            except Exception:
                return PrinterState.UNKNOWN
            finally:
                _close_quietly(device)

    def _open(self) -> Any:
        try:
            device = self._factory()
            device.open()
        except PrinterError:
            raise
        except Exception as exc:
            raise PrinterError(PrinterState.OFFLINE, f"{self._describe}: {exc}") from exc
        return device


class FileTransmitter(EscposTransmitter):
    """Write each job to a file or device node, replacing what was there."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        super().__init__(f"file {self.path}", self._device)

    def _device(self) -> Any:
        from escpos.printer import File

        return File(devfile=str(self.path))

    def status(self) -> str:
        """Return ok for a writable plain file, unknown for a device node (a file cannot be
        asked about paper), offline when it cannot be written; never truncate it."""
        target = self.path if self.path.exists() else self.path.parent
        if not os.access(target, os.W_OK):
            return PrinterState.OFFLINE
        if self.path.exists() and not stat.S_ISREG(self.path.stat().st_mode):
            return PrinterState.UNKNOWN
        return PrinterState.OK


def _network(
    host: str, port: int | str = 9100, timeout: float | str = 5, status_timeout: float | str = 1.5
) -> ReceiptPrinter:
    address = (host, int(port))

    def device() -> Any:
        from escpos.printer import Network

        printer = Network(host=host, port=address[1], timeout=float(timeout))
        return _OwnSocketNetwork(printer, float(status_timeout))

    return EscposTransmitter(f"network {host}:{port}", device)


class _OwnSocketNetwork:
    """Connect the socket ourselves: escpos's Network.open leaks the socket when refused."""

    def __init__(self, printer: Any, status_timeout: float) -> None:
        self.printer = printer
        self.status_timeout = status_timeout

    def open(self) -> None:
        address = (self.printer.host, self.printer.port)
        self.printer.device = socket.create_connection(address, timeout=self.printer.timeout)

    def _raw(self, data: bytes) -> None:
        self.printer._raw(data)

    def _read(self) -> bytes:
        sock = self.printer.device
        sock.settimeout(self.status_timeout)
        try:
            return sock.recv(16)
        finally:
            sock.settimeout(self.printer.timeout)

    def close(self) -> None:
        self.printer.close()


def _usb(vendor_id: int | str, product_id: int | str, timeout: int = 0) -> ReceiptPrinter:
    vendor, product = _int(vendor_id), _int(product_id)

    def device() -> Any:
        from escpos.printer import Usb

        _require(Usb, "USB printing needs the pyusb package")
        return Usb(idVendor=vendor, idProduct=product, timeout=timeout)

    return EscposTransmitter(f"usb {vendor:04x}:{product:04x}", device)


def _serial(device: str, baudrate: int | str = 9600, timeout: float | str = 1) -> ReceiptPrinter:
    def make() -> Any:
        from escpos.printer import Serial

        _require(Serial, "serial printing needs the pyserial package")
        return Serial(devfile=device, baudrate=int(baudrate), timeout=float(timeout))

    return EscposTransmitter(f"serial {device}", make)


def _ask(device: Any, n: int) -> int | None:
    """Send DLE EOT n and return the status byte of the answer, or None without one."""
    try:
        device._raw(query(n))
    except Exception as exc:
        raise PrinterError(PrinterState.OFFLINE, str(exc)) from exc
    try:
        reply = device._read()
    except Exception:  # a timeout, or a driver that cannot read
        return None
    return status_byte(bytes(reply or b""))


def _close_quietly(device: Any) -> None:
    # The job is already sent or already failed; a failing close cannot change that.
    with contextlib.suppress(Exception):
        device.close()


def _require(cls: Any, message: str) -> None:
    if not cls.is_usable():
        raise PrinterError(PrinterState.OFFLINE, message)


def _int(value: int | str) -> int:
    return value if isinstance(value, int) else int(value, 0)


BACKENDS: dict[str, Callable[..., ReceiptPrinter]] = {
    "simulator": SimulatedPrinter,
    "file": FileTransmitter,
    "network": _network,
    "usb": _usb,
    "serial": _serial,
}


def make_printer(backend: str, **params: Any) -> ReceiptPrinter:
    """Build the printer named by ``backend`` (simulator, file, network, usb, serial)."""
    try:
        factory = BACKENDS[backend]
    except KeyError:
        known = ", ".join(BACKENDS)
        raise ValueError(f"unknown printer backend {backend!r}; choose one of: {known}") from None
    return factory(**params)
