"""The kiosk's layers: views and commands never touch the database; each migration stands alone."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# The web app and every `kiosk` command: what a person drives directly.
ENTRY_POINTS = sorted(
    [
        *(ROOT / "terminal_ui").rglob("*.py"),
        ROOT / "kiosk" / "cli.py",
        ROOT / "kiosk" / "sheets" / "commands.py",
        ROOT / "kiosk" / "scan" / "files.py",
    ]
)

# Modules that hand out the database: tables, sessions, units of work, engines.
FORBIDDEN_MODULES = ("sqlalchemy", "kiosk.storage.models", "kiosk.storage.settings", "core.db.uow")
# Catching a refused write is not touching the database: its exception classes may be named.
ALLOWED_MODULES = ("sqlalchemy.exc",)
FORBIDDEN_NAMES = {"select", "Session", "UnitOfWork", "sessionmaker"}
# A unit of work opened (k.uow()), or a session or statement used (uow.session.execute(...)).
FORBIDDEN_ATTRIBUTES = {"uow", "session", "execute", "scalar", "scalars"}


def _is(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def database_uses(source: str) -> list[str]:
    """Return each place a module's source reaches for the database, as "line N: what"."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules = [node.module]
            found += [
                f"line {node.lineno}: imports {alias.name}"
                for alias in node.names
                if alias.name in FORBIDDEN_NAMES
            ]
        else:
            modules = []
        found += [
            f"line {node.lineno}: imports {module}"
            for module in modules
            if _is(module, FORBIDDEN_MODULES) and not _is(module, ALLOWED_MODULES)
        ]
        if isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_ATTRIBUTES:
            found.append(f"line {node.lineno}: uses .{node.attr}")
        if isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
            found.append(f"line {node.lineno}: uses {node.id}")
    return found


@pytest.mark.parametrize("path", ENTRY_POINTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_views_and_commands_never_touch_the_database(path):
    assert database_uses(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "source",
    [
        "from sqlalchemy import select",
        "import sqlalchemy.orm",
        "from kiosk.storage.models import Product",
        "from core.db.uow import UnitOfWork",
        "with k.uow() as uow:\n    pass",
        "rows = uow.session.scalars(stmt)",
        "stmt = select(Product)",
    ],
)
def test_the_check_finds_each_way_of_reaching_the_database(source):
    assert database_uses(source) != []


def test_the_check_lets_flask_sessions_and_refused_writes_through():
    source = (
        "from flask import session\n"
        "from sqlalchemy.exc import OperationalError\n"
        "session['lang'] = 'en'\n"
    )
    assert database_uses(source) == []


MIGRATIONS = sorted((ROOT / "kiosk" / "storage" / "migrations" / "versions").glob("*.py"))


@pytest.mark.parametrize("path", MIGRATIONS, ids=lambda p: p.name)
def test_each_kiosk_migration_stands_alone(path):
    # Frozen as written: no app code, which changes, and no other migration.
    allowed = {"alembic", "sqlalchemy", "__future__"} | set(sys.stdlib_module_names)
    imported = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add("." if node.level else (node.module or "").split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module":
            imported.add("importlib.import_module")
    assert imported - allowed == set()
