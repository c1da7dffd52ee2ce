"""What each office role may do: the table every page and API route is guarded by."""

import pytest

from sync.central.states import Permission, Role, may


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.ADMIN, set(Permission)),
        (Role.VIEWER, {Permission.READ}),
        (Role.APPROVER, {Permission.READ, Permission.RECORD_CLAIMS, Permission.APPROVE_CLAIMS}),
        (Role.GROUP_LEADER, {Permission.READ, Permission.RECORD_CLAIMS}),
    ],
)
def test_each_role_may_do_exactly_its_grants(role, allowed):
    assert {p for p in Permission if may(role, p)} == allowed


def test_a_role_guard_stands_for_its_permission():
    assert may(Role.VIEWER, Role.VIEWER) and not may(Role.VIEWER, Role.ADMIN)
    assert not may(Role.APPROVER, Role.ADMIN) and may(Role.APPROVER, Role.VIEWER)


def test_an_unknown_role_may_do_nothing():
    assert not any(may("root", p) for p in Permission)
    assert not may("", Role.VIEWER)
