"""`kiosk demo` on a fresh machine: seeds, prints the contract lines, serves, survives restarts."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

CARD_LINE = re.compile(r"^card (EKC:[A-Z2-7]{26}) (\S+) (-?\d+)$")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Demo:
    """A running `kiosk demo` process and what it printed."""

    def __init__(self, data: Path) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kiosk.cli",
                "demo",
                "--port",
                str(self.port),
                "--data",
                str(data),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.lines: list[str] = []
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/api/session", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                if self.proc.poll() is not None:
                    raise AssertionError(self.proc.stdout.read()) from None
                time.sleep(0.2)
        else:
            raise AssertionError("kiosk demo did not start serving")

    def stop(self) -> list[str]:
        self.proc.terminate()
        out, _ = self.proc.communicate(timeout=20)
        self.lines = out.splitlines()
        return self.lines

    def cards(self) -> list[tuple[str, str, int]]:
        return [(m[1], m[2], int(m[3])) for m in map(CARD_LINE.match, self.lines) if m is not None]


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "fresh" / "demo"  # does not exist yet: the demo creates it


def test_demo_seeds_a_store_prints_the_contract_lines_and_reuses_its_data(data):
    first = Demo(data)
    try:
        with httpx.Client(base_url=first.url, timeout=10) as client:
            products = client.get("/api/products").json()
            page = client.get("/").text
    finally:
        first.stop()
    cards = first.cards()
    assert any(line == f"kiosk http://127.0.0.1:{first.port}/" for line in first.lines)
    for _code, name, _balance in cards:
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,4}", name), name
    assert len(cards) >= 30
    assert len({p["category"] for p in products}) >= 3 and len(products) >= 15
    names = "".join(p["name"] for p in products)
    for good in ("食用油", "洗衣液", "纸巾" if "纸巾" in names else "抽纸", "杯", "大米", "牙膏"):
        assert good in names
    assert "请出示积分码" in page

    code, name, balance = next(c for c in cards if c[2] >= 100)
    second = Demo(data)
    try:
        with httpx.Client(base_url=second.url, timeout=10) as client:
            session = client.post("/api/scan", json={"code": code}).json()
            assert session["resident"]["name"] == name
            assert session["household"]["balance"] == balance
            cart = {"product_code": "SALT", "qty": 2}
            client.post("/api/session/cart", json=cart).raise_for_status()
            done = client.post("/api/session/checkout").json()
            assert done["balance_after"] == balance - 10
    finally:
        second.stop()
    assert any("reused" in line for line in second.lines)

    third = Demo(data)
    third.stop()
    after = {c[0]: c[2] for c in third.cards()}
    assert after[code] == balance - 10
    assert {c[0] for c in third.cards()} == {c[0] for c in cards}
