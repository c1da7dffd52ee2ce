"""The layout's import rules (.importlinter) hold, and the checker would notice a broken one."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "kiosk", "terminal_ui", "printer", "sync")
LINT = [sys.executable, "-c", "from importlinter.cli import lint_imports_command as c; c()"]


def _lint(where: Path) -> subprocess.CompletedProcess[str]:
    env = {"PYTHONPATH": str(where), "PATH": "/usr/bin:/bin", "HOME": str(where)}
    return subprocess.run(
        [*LINT, "--no-cache"], cwd=where, env=env, capture_output=True, text=True, timeout=120
    )


def test_every_import_rule_of_the_layout_is_kept():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower().replace("0 broken", "")


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("sync/central/queries/feed.py", "import kiosk.services.common", "Central never imports"),
        ("core/domain/rules.py", "import sqlalchemy", "The domain is pure"),
        ("core/domain/rules.py", "import core.db.uow", "The domain is pure"),
        ("sync/protocol.py", "import kiosk.storage.models", "imports neither program"),
        ("kiosk/services/common.py", "import terminal_ui", "The kiosk program is layered"),
    ],
)
def test_a_forbidden_import_breaks_its_rule(tmp_path, module, line, contract):
    for name in PACKAGES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    target = tmp_path / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    result = _lint(tmp_path)
    assert result.returncode != 0
    broken = result.stdout.split("Broken contracts", 1)[-1]
    assert contract in " ".join(broken.split())


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_the_domain_imports_only_the_standard_library_and_itself():
    found = {
        (path.name, name)
        for path in sorted((ROOT / "core" / "domain").glob("*.py"))
        for name in _imports(path)
        if name not in sys.stdlib_module_names and name not in {"__future__", "core"}
    }
    assert found == set()
    inside = {
        (path.name, node.module)
        for path in sorted((ROOT / "core" / "domain").glob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom)
        and node.module
        and node.module.startswith("core")
        and not node.module.startswith("core.domain")
    }
    assert inside == set()
