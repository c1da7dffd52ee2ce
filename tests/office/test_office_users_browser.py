"""The office's user management, used through its page in a real browser."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from area_helpers import GROUP_A, PASSWORD, TOWN_A, TOWN_B, seed_towns
from office_helpers import ADMIN_PASSWORD, seed_office
from sqlalchemy import select

from sync.central.app import create_central_app
from sync.central.models import Area, OfficeUser
from sync.central.server import open_central
from sync.central.services.users import login

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed")


@pytest.fixture
def office(tmp_path: Path) -> Iterator[tuple[str, Any]]:
    """Serve a central with two towns on a free local port; return its URL and the central."""
    from waitress import create_server

    c = seed_office(open_central(f"sqlite:///{tmp_path / 'central.db'}"))
    seed_towns(c)
    server = create_server(create_central_app(c), host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}", c
    server.close()
    c.engine.dispose()


@pytest.fixture
def tab(office, browser) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", base_url=office[0])
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def _sign_in(tab, user: str, password: str) -> None:
    tab.goto("/login")
    tab.fill("input[name=username]", user)
    tab.fill("input[name=password]", password)
    tab.click("button[type=submit], form button")


def _user(c, name: str) -> tuple:
    with c.uow(write=False) as uow:
        return tuple(
            uow.session.execute(
                select(OfficeUser.role, Area.path, OfficeUser.active)
                .outerjoin(Area, Area.id == OfficeUser.area_id)
                .where(OfficeUser.username == name)
            ).one()
        )


def test_an_admin_adds_changes_and_deactivates_a_user_through_the_page(office, tab):
    _, c = office
    _sign_in(tab, "admin", ADMIN_PASSWORD)
    tab.click("nav >> text=用户")
    assert tab.locator("h1").inner_text() == "办公室用户"
    form = tab.locator("#add-user")
    form.locator("input[name=username]").fill("组长王")
    form.locator("input[name=password]").fill("leader-password")
    form.locator("select[name=role]").select_option("group_leader")
    form.locator("select[name=area]").select_option(GROUP_A)
    form.locator("button").click()
    assert "用户 组长王 已保存" in tab.locator(".flash").inner_text()
    assert _user(c, "组长王") == ("group_leader", GROUP_A, True)
    login(c, "组长王", "leader-password")  # the new user can sign in

    row = tab.locator("tr[data-user='组长王']")
    row.locator("select[name=role]").select_option("approver")
    row.locator("select[name=area]").select_option(TOWN_A)
    row.locator("form.change-user button").click()
    assert "已更改" in tab.locator(".flash").inner_text()
    assert _user(c, "组长王") == ("approver", TOWN_A, True)

    tab.locator("tr[data-user='组长王'] form.deactivate-user button").click()
    assert "已停用" in tab.locator(".flash").inner_text()
    assert _user(c, "组长王")[2] is False
    assert "已停用" in tab.locator("tr[data-user='组长王']").inner_text()


def test_a_town_admin_manages_only_their_towns_users_and_areas(office, tab):
    _sign_in(tab, "town_a", PASSWORD)
    tab.goto("/users")
    listed = tab.locator("tr[data-user]").evaluate_all("rows => rows.map(r => r.dataset.user)")
    assert set(listed) == {"town_a", "leader_a"}
    options = tab.locator("#add-user select[name=area] option").evaluate_all(
        "opts => opts.map(o => o.value)"
    )
    assert options and all(o.startswith(TOWN_A) for o in options)
    assert TOWN_B not in tab.content()
