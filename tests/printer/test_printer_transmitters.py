import socket
import threading
from collections.abc import Iterator

import pytest
import receipt_samples as samples
from escpos_decoder import decode
from fake_network_printer import FakeNetworkPrinter

from printer.backends import make_printer
from printer.escpos import to_escpos
from printer.layout import layout
from printer.ports import PrinterError
from printer.simulator import SimulatedPrinter

JOB = to_escpos(layout(samples.PLAIN_EXCHANGE, 32))


@pytest.fixture
def fake_network_printer() -> Iterator[FakeNetworkPrinter]:
    fake = FakeNetworkPrinter()
    yield fake
    fake.close()


def free_port_with_nobody_listening() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_simulator_keeps_the_exact_bytes_of_each_job() -> None:
    printer = make_printer("simulator")
    printer.send(JOB)
    printer.send(b"second")
    assert isinstance(printer, SimulatedPrinter)
    assert printer.jobs == [JOB, b"second"]
    assert printer.last_job() == b"second"
    assert printer.status() == "ok"


def test_simulator_keeps_only_the_most_recent_jobs() -> None:
    printer = SimulatedPrinter(max_jobs=3)
    for n in range(5):
        printer.send(bytes([n]))
    assert printer.jobs == [b"\x02", b"\x03", b"\x04"]


@pytest.mark.parametrize("mode", ["offline", "paper_out", "cover_open"])
def test_simulator_fails_on_demand_and_recovers(mode: str) -> None:
    printer = SimulatedPrinter()
    printer.fail(mode)
    with pytest.raises(PrinterError) as failure:
        printer.send(JOB)
    assert failure.value.code == mode
    assert failure.value.message
    assert printer.status() == mode
    assert printer.jobs == []
    printer.fail(None)
    printer.send(JOB)
    assert printer.status() == "ok"


def test_simulator_refuses_an_unknown_failure_mode() -> None:
    with pytest.raises(ValueError, match="paper_out"):
        SimulatedPrinter().fail("on_fire")


def test_simulator_spools_jobs_to_files(tmp_path) -> None:
    printer = SimulatedPrinter(spool_dir=tmp_path / "spool")
    printer.send(JOB)
    (job,) = (tmp_path / "spool").glob("*.bin")
    assert job.read_bytes() == JOB


def test_simulator_is_safe_to_share_between_threads() -> None:
    printer = SimulatedPrinter(max_jobs=1000)
    threads = [
        threading.Thread(target=lambda: [printer.send(b"x") for _ in range(50)]) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(printer.jobs) == 400


def test_file_backend_writes_the_bytes(tmp_path) -> None:
    path = tmp_path / "receipt.bin"
    printer = make_printer("file", path=path)
    assert printer.status() == "ok"
    printer.send(JOB)
    assert path.read_bytes() == JOB


def test_file_backend_in_a_missing_folder_is_offline(tmp_path) -> None:
    printer = make_printer("file", path=tmp_path / "missing" / "receipt.bin")
    assert printer.status() == "offline"
    with pytest.raises(PrinterError) as failure:
        printer.send(JOB)
    assert failure.value.code == "offline"


def test_network_backend_delivers_a_receipt_that_decodes(fake_network_printer) -> None:
    printer = make_printer("network", host="127.0.0.1", port=fake_network_printer.port, timeout=5)
    printer.send(JOB)
    (received,) = fake_network_printer.wait_printed(1)
    assert received == JOB
    decoded = decode(received)
    assert "交易号：X20240501-0008" in decoded.texts
    assert decoded.qr_payloads == [b"X20240501-0008"]
    assert decoded.cuts


def test_refused_network_connection_is_reported_offline() -> None:
    printer = make_printer("network", host="127.0.0.1", port=free_port_with_nobody_listening())
    assert printer.status() == "offline"
    with pytest.raises(PrinterError) as failure:
        printer.send(JOB)
    assert failure.value.code == "offline"


def test_network_port_may_come_from_configuration_as_text(fake_network_printer) -> None:
    printer = make_printer("network", host="127.0.0.1", port=str(fake_network_printer.port))
    printer.send(b"hello")
    assert fake_network_printer.wait_printed(1) == [b"hello"]


def test_usb_backend_without_a_device_is_offline() -> None:
    printer = make_printer("usb", vendor_id="0x0416", product_id=0x5011)
    assert printer.status() == "offline"
    with pytest.raises(PrinterError) as failure:
        printer.send(JOB)
    assert failure.value.code == "offline"


def test_serial_backend_without_a_device_is_offline(tmp_path) -> None:
    printer = make_printer("serial", device=str(tmp_path / "ttyUSB9"), baudrate="19200")
    with pytest.raises(PrinterError) as failure:
        printer.send(JOB)
    assert failure.value.code == "offline"


def test_unknown_backend_is_refused_with_the_known_names() -> None:
    with pytest.raises(ValueError, match=r"unknown printer backend 'cups'.*network"):
        make_printer("cups")


def test_unknown_error_codes_become_unknown() -> None:
    assert PrinterError("jammed").code == "unknown"
    assert PrinterError("paper_out").message == "Printer out of paper"
