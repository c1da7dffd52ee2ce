"""Central's layers: its web and CLI call services and queries, never the database itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CENTRAL = ROOT / "sync" / "central"

# The entry points: what a request or a command runs before it reaches a use case or a query.
ENTRY_POINTS = sorted([*(CENTRAL / "web").rglob("*.py"), CENTRAL / "cli.py"])

# Modules that hand out the database: the ORM, the models, the unit of work, the engines.
DATABASE_MODULES = ("sqlalchemy", "sync.central.models", "core.db")
DATABASE_NAMES = {"select", "Session", "UnitOfWork", "uow"}
# Attributes that reach the database through the central server or a unit of work.
DATABASE_ATTRIBUTES = {"uow", "session", "engine", "scalar", "scalars", "execute"}


def _touches_database(module: str) -> bool:
    return any(module == name or module.startswith(f"{name}.") for name in DATABASE_MODULES)


def database_uses(source: str) -> list[str]:
    """List what a module's source does that reaches the database directly."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if _touches_database(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if _touches_database(node.module):
                found.append(f"from {node.module} import …")
            found += [
                f"from {node.module} import {a.name}"
                for a in node.names
                if a.name in DATABASE_NAMES or _touches_database(f"{node.module}.{a.name}")
            ]
        elif isinstance(node, ast.Attribute) and node.attr in DATABASE_ATTRIBUTES:
            found.append(f"line {node.lineno}: .{node.attr}")
    return found


def test_there_are_entry_points_to_check():
    names = {p.relative_to(CENTRAL).as_posix() for p in ENTRY_POINTS}
    assert {"cli.py", "web/api.py", "web/office/households.py"} <= names


@pytest.mark.parametrize("path", ENTRY_POINTS, ids=lambda p: p.relative_to(CENTRAL).as_posix())
def test_central_web_and_cli_reach_the_database_only_through_services_and_queries(path: Path):
    assert database_uses(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "source",
    [
        "from sqlalchemy import select",
        "import sqlalchemy.exc",
        "from sync.central.models import Household",
        "from sync.central import models",
        "from core.db.uow import UnitOfWork",
        "from somewhere import select",
        "with central().uow(write=False) as uow:\n    pass",
        "def view(uow):\n    return uow.session.get(1)",
        "central.engine.dispose()",
    ],
)
def test_the_check_sees_each_way_to_the_database(source: str):
    assert database_uses(source) != []


def test_the_check_lets_services_queries_and_flask_through():
    source = (
        "from flask import session\n"
        "from sync.central.services.cards import issue_cards\n"
        "from sync.central.queries import households\n"
        "session.get('sid')\n"
    )
    assert database_uses(source) == []
