"""Printer backends by name: the simulator, or python-escpos devices used as raw byte pipes."""

import contextlib
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from printer.ports import PrinterError, ReceiptPrinter
from printer.simulator import SimulatedPrinter


class EscposTransmitter:
    """Open a python-escpos device at each send, push the bytes through ``_raw``, close it."""

    def __init__(self, describe: str, factory: Callable[[], Any]) -> None:
        self._describe = describe
        self._factory = factory

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._describe}>"

    def send(self, data: bytes) -> None:
        """Print ``data``; raise PrinterError("offline") when the device cannot be reached."""
        device = self._open()
        try:
            device._raw(data)
        except Exception as exc:
            raise PrinterError("offline", f"{self._describe}: {exc}") from exc
        finally:
            _close_quietly(device)

    def status(self) -> str:
        """Return ok when the device opens, offline otherwise."""
        try:
            _close_quietly(self._open())
        except PrinterError:
            return "offline"
        return "ok"

    def _open(self) -> Any:
        try:
            device = self._factory()
            device.open()
        except PrinterError:
            raise
        except Exception as exc:
            raise PrinterError("offline", f"{self._describe}: {exc}") from exc
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
        """Return ok when the file can be written, without truncating it."""
        target = self.path if self.path.exists() else self.path.parent
        return "ok" if os.access(target, os.W_OK) else "offline"


def _network(host: str, port: int | str = 9100, timeout: float | str = 10) -> ReceiptPrinter:
    address = (host, int(port))

    def device() -> Any:
        from escpos.printer import Network

        return _OwnSocketNetwork(Network(host=host, port=address[1], timeout=float(timeout)))

    return EscposTransmitter(f"network {host}:{port}", device)


class _OwnSocketNetwork:
    """Connect the socket ourselves: escpos's Network.open leaks the socket when refused."""

    def __init__(self, printer: Any) -> None:
        self.printer = printer

    def open(self) -> None:
        address = (self.printer.host, self.printer.port)
        self.printer.device = socket.create_connection(address, timeout=self.printer.timeout)

    def _raw(self, data: bytes) -> None:
        self.printer._raw(data)

    def close(self) -> None:
        self.printer.close()


def _usb(vendor_id: int | str, product_id: int | str, timeout: int = 0) -> ReceiptPrinter:
    vendor, product = _int(vendor_id), _int(product_id)

    def device() -> Any:
        from escpos.printer import Usb

        _require(Usb, "USB printing needs the pyusb package")
        return Usb(idVendor=vendor, idProduct=product, timeout=timeout)

    return EscposTransmitter(f"usb {vendor:04x}:{product:04x}", device)


def _serial(device: str, baudrate: int | str = 9600) -> ReceiptPrinter:
    def make() -> Any:
        from escpos.printer import Serial

        _require(Serial, "serial printing needs the pyserial package")
        return Serial(devfile=device, baudrate=int(baudrate))

    return EscposTransmitter(f"serial {device}", make)


def _close_quietly(device: Any) -> None:
    # The job is already sent or already failed; a failing close cannot change that.
    with contextlib.suppress(Exception):
        device.close()


def _require(cls: Any, message: str) -> None:
    if not cls.is_usable():
        raise PrinterError("offline", message)


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
