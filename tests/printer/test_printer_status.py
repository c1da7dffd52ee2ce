import socket
import threading
from collections.abc import Iterator

import pytest
from escpos_decoder import decode
from fake_network_printer import ANSWERS, FakeNetworkPrinter

from printer.backends import make_printer
from printer.ports import FAILURES, STATE_MESSAGES, PrinterError, PrinterState, state_message
from printer.status import is_status_byte, query, read_state


def answers(**by_query: int | None):
    asked: list[int] = []

    def ask(n: int) -> int | None:
        asked.append(n)
        return by_query.get(f"n{n}")

    return ask, asked


@pytest.fixture
def fake() -> Iterator[FakeNetworkPrinter]:
    printer = FakeNetworkPrinter()
    yield printer
    printer.close()


def network(fake: FakeNetworkPrinter, status_timeout: float = 0.3):
    return make_printer(
        "network", host="127.0.0.1", port=fake.port, timeout=2, status_timeout=status_timeout
    )


@pytest.mark.parametrize("state", ["ok", "paper_low", "paper_out", "cover_open"])
def test_status_bytes_of_each_condition_are_read_back(state: str) -> None:
    table = ANSWERS[state]
    ask, _ = answers(n1=table[1], n2=table[2], n4=table[4])
    assert read_state(ask) == state


def test_no_answer_is_unknown_never_ok() -> None:
    ask, asked = answers()
    assert read_state(ask) == "unknown"
    assert asked == [1]


def test_an_online_printer_is_not_asked_for_an_offline_cause() -> None:
    ask, asked = answers(n1=0x12, n4=0x12)
    assert read_state(ask) == "ok"
    assert asked == [1, 4]


def test_offline_without_a_named_cause_is_unknown() -> None:
    ask, _ = answers(n1=0x1A, n2=0x52, n4=0x12)  # bit 6: an error
    assert read_state(ask) == "unknown"


def test_status_bytes_must_have_their_fixed_bits() -> None:
    assert is_status_byte(0x12)
    assert not is_status_byte(0x00)
    assert not is_status_byte(ord("A"))
    assert query(4) == b"\x10\x04\x04"


@pytest.mark.parametrize("state", ["ok", "paper_low", "paper_out", "cover_open"])
def test_network_backend_reads_the_printer_state_with_dle_eot(fake, state: str) -> None:
    fake.set_state(state)
    assert network(fake).status() == state
    assert fake.wait_for_connections(1)
    decoded = decode(fake.connections[0])
    assert decoded.status_requests[0] == 1
    assert set(decoded.status_requests) <= {1, 2, 4}
    assert decoded.unknown == [] and decoded.texts == []


def test_network_printer_that_does_not_answer_is_unknown(fake) -> None:
    fake.set_state("silent")
    assert network(fake, status_timeout=0.2).status() == "unknown"


def test_unplugged_network_printer_is_offline_and_comes_back(fake) -> None:
    printer = network(fake)
    fake.set_state("unplugged")
    assert printer.status() == "offline"
    with pytest.raises(PrinterError) as failure:
        printer.send(b"job")
    assert failure.value.code == "offline"
    fake.set_state("ok")
    assert printer.status() == "ok"


def test_a_printer_that_hangs_up_at_once_is_unknown() -> None:
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def hang_up() -> None:
        conn, _ = server.accept()
        conn.close()

    threading.Thread(target=hang_up, daemon=True).start()
    try:
        printer = make_printer("network", host="127.0.0.1", port=port, status_timeout=0.5)
        assert printer.status() in ("unknown", "offline")
        assert printer.status() != "ok"
    finally:
        server.close()


def test_file_backend_on_a_device_node_cannot_tell_its_paper(tmp_path) -> None:
    assert make_printer("file", path="/dev/null").status() == "unknown"
    assert make_printer("file", path=tmp_path / "out.bin").status() == "ok"


# --- what the shopkeeper reads ---------------------------------------------------------------


@pytest.mark.parametrize("state", list(PrinterState))
def test_every_printer_state_has_one_message_said_alike_everywhere(state):
    from terminal_ui.i18n import translate

    message = state_message(state)
    assert message == STATE_MESSAGES[state]
    assert translate(message, "zh_CN") != message  # the kiosk catalogue translates it
    if state in FAILURES:
        assert PrinterError(state).message == message


def test_a_state_no_table_knows_reads_as_no_answer():
    assert state_message("jammed") == state_message(PrinterState.UNKNOWN) == "Printer not answering"
