"""Every migration stands alone and frozen: alembic, SQLAlchemy and the standard library only.

A migration that imports app code changes when the app does; one that loads a sibling migration
or reads the environment runs differently from one deployment to the next.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("kiosk/storage/migrations/versions", "sync/central/migrations/versions")
MIGRATIONS = sorted(path for folder in FOLDERS for path in (ROOT / folder).glob("*.py"))
ALLOWED = {"alembic", "sqlalchemy", "__future__"} | set(sys.stdlib_module_names)
# Standard modules a migration may not use: they load code or read the machine's state.
REFUSED = {"os", "importlib", "runpy", "pkgutil", "sysconfig", "zipimport"}
# Names that read the environment or load code whatever they were imported as.
REFUSED_NAMES = {"environ", "getenv", "environb", "getenvb", "__import__", "exec", "eval"}
REFUSED_ATTRIBUTES = {"environ", "getenv", "environb", "getenvb", "argv"}


def _id(path: Path) -> str:
    return f"{path.parent.parent.parent.name}/{path.name}"


def test_there_are_migrations_to_check():
    assert len(MIGRATIONS) >= 12
    assert {path.name for path in MIGRATIONS} >= {"c0005_statements.py", "c0007_local_months.py"}


@pytest.mark.parametrize("path", MIGRATIONS, ids=_id)
def test_a_migration_imports_only_alembic_sqlalchemy_and_the_standard_library(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}: a relative import (a sibling migration)"
            imported.append(node.module or "")
    tops = {name.split(".")[0] for name in imported}
    assert tops <= ALLOWED, f"{path.name} imports {sorted(tops - ALLOWED)}"
    assert not tops & REFUSED, f"{path.name} imports {sorted(tops & REFUSED)}"


@pytest.mark.parametrize("path", MIGRATIONS, ids=_id)
def test_a_migration_reads_no_environment_and_loads_no_other_file(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        where = f"{path.name}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Name):
            assert node.id not in REFUSED_NAMES, f"{where} uses {node.id}"
            assert node.id != "__file__", f"{where} finds files next to itself"
        elif isinstance(node, ast.Attribute):
            assert node.attr not in REFUSED_ATTRIBUTES, f"{where} reads .{node.attr}"
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id != "open", f"{where} opens a file"


def test_the_check_catches_what_c0007_once_did(tmp_path):
    """The old c0007 loaded c0004 and c0005 with importlib and read $KIOSK_CENTRAL_TIMEZONE."""
    old = tmp_path / "c0007_old.py"
    old.write_text(
        "import importlib.util\nfrom pathlib import Path\n\n"
        "def _zone():\n    from os import environ\n"
        "    return environ.get('KIOSK_CENTRAL_TIMEZONE')\n\n"
        "spec = importlib.util.spec_from_file_location('c4', Path(__file__).with_name('c4.py'))\n"
    )
    with pytest.raises(AssertionError, match="importlib"):
        test_a_migration_imports_only_alembic_sqlalchemy_and_the_standard_library(old)
    with pytest.raises(AssertionError, match=r"environ|__file__"):
        test_a_migration_reads_no_environment_and_loads_no_other_file(old)
