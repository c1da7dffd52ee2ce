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

    def __init__(self, data: Path, env: dict[str, str] | None = None) -> None:
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
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
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
            board = client.get("/api/announcements").json()
            posted = client.get("/api/board").json()
    finally:
        first.stop()
    # The village board: awards, a deduction by group and a ranking, as central posted them.
    assert posted["posted"] and posted["village"] == "平江县/三市镇/东村"
    assert {"label": "获评最美家庭", "household": "王*国家", "points": 100} in posted["awards"]
    assert posted["deductions"] and all("household" not in d for d in posted["deductions"])
    assert posted["ranking"][0] == {"rank": 1, "household": "王*国家", "points": 100}
    # Quotas on two scarce goods, announcements, an exchange day and two staff PINs.
    quotas = {p["code"]: p["quota"] for p in products if "quota" in p}
    assert quotas == {
        "OIL5L": {"limit": 1, "period": "month", "left": None},
        "RICE10": {"limit": 2, "period": "week", "left": None},
    }
    assert len(board["announcements"]) == 2 and board["next_exchange_day"]["opens"] == "09:00"
    assert "staff shopkeeper PIN 246810" in first.lines
    assert "staff volunteer PIN 135246" in first.lines
    cards = first.cards()
    assert any(line == f"kiosk http://127.0.0.1:{first.port}/" for line in first.lines)
    for _code, name, _balance in cards:
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,4}", name), name
    assert len(cards) >= 20  # the store's village: households from elsewhere are looked up
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


def test_demo_settings_take_the_printer_and_camera_from_the_environment(tmp_path):
    from kiosk.cli import demo_settings

    plain = demo_settings(tmp_path)
    assert (plain.printer.backend, plain.camera.source) == ("simulator", "sim")
    env = {
        "KIOSK_PRINTER_BACKEND": "network",
        "KIOSK_PRINTER_HOST": "192.168.1.50",
        "KIOSK_PRINTER_PAPER_WIDTH": "80",
        "KIOSK_CAMERA_SOURCE": "0",
        "KIOSK_KIOSK_ID": "not-the-demo",  # only the devices come from the environment
        "KIOSK_CENTRAL_URL": "http://elsewhere/",
    }
    own = demo_settings(tmp_path, env=env)
    assert (own.printer.backend, own.printer.host, own.printer.paper_width) == (
        "network",
        "192.168.1.50",
        80,
    )
    assert own.camera.source == "0"
    assert own.kiosk.id != "not-the-demo" and own.central.url == ""


def test_kiosk_demo_prints_on_the_shops_printer_given_by_the_environment(data, tmp_path):
    out = tmp_path / "printer.bin"
    env = {"KIOSK_PRINTER_BACKEND": "file", "KIOSK_PRINTER_PATH": str(out)}
    first = Demo(data, env)
    lines = first.stop()
    assert f"printer file {out} 58mm" in lines
    assert "camera sim" in lines
    code, _name, _balance = next(c for c in first.cards() if c[2] >= 100)
    second = Demo(data, env)
    try:
        with httpx.Client(base_url=second.url, timeout=10) as client:
            client.post("/api/scan", json={"code": code}).raise_for_status()
            cart = {"product_code": "SALT", "qty": 1}
            client.post("/api/session/cart", json=cart).raise_for_status()
            client.post("/api/session/checkout").raise_for_status()
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and not (out.exists() and out.stat().st_size):
                time.sleep(0.2)
    finally:
        second.stop()
    assert out.stat().st_size > 0  # the receipt went to the shop's printer, not the simulator
    assert "食盐".encode("gb18030") in out.read_bytes() or out.stat().st_size > 100


OFFICE_LINE = re.compile(r"^office (\S+) user (\S+) password (\S+) role (\S+) area (\S+)$")


def test_demo_prints_a_group_leader_and_an_approver_who_see_only_their_area(data):
    demo = Demo(data)
    demo.stop()
    users = {m[2]: m for m in map(OFFICE_LINE.match, demo.lines) if m is not None}
    assert {m[4] for m in users.values()} == {"group_leader", "approver"}
    second = Demo(data)  # the office runs beside the kiosk; the same credentials work again
    try:
        for name, match in users.items():
            central, area = f"http://127.0.0.1:{second.port + 1}/", match[5]
            with httpx.Client(base_url=central, timeout=10) as client:
                token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
                signed = client.post(
                    "/login",
                    data={"csrf_token": token[1], "username": name, "password": match[3]},
                )
                assert signed.status_code == 302, name
                page = client.get("/reports/areas").text
                households = client.get("/households").text
            assert area in page or area.rsplit("/", 1)[-1] in page
            assert "安定镇" not in page and "南村" not in page, name
            assert "王建国家" in households  # the first demo household lives in 东村/一组
            assert "杨秀兰家" not in households, name  # it lives in 安定镇
    finally:
        second.stop()
