"""The code's shape, checked: lint clean, strict types on the pure packages, and data flowing one way
(nothing in plans/ or evaluation/ imports the edges; only the CLI, the composition root, starts flows)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


class TestDirectionOfData:
    @pytest.mark.parametrize("package", ["plans", "evaluation"])
    def test_core_never_imports_the_edges(self, package: str) -> None:
        offenders = {str(p.relative_to(ROOT)): _imports(p) & {"api", "flows"} for p in _modules(package)}
        assert {k: v for k, v in offenders.items() if v} == {}

    @pytest.mark.parametrize("package", ["plans/domain", "evaluation"])
    def test_pure_packages_do_no_io(self, package: str) -> None:
        io = {"sqlalchemy", "prefect", "fastapi", "httpx", "psycopg", "yaml"}
        for path in _modules(package):
            assert not _imports(path) & io, f"{path.relative_to(ROOT)} imports I/O"
            outside = {m for m in _module_names(path) if m.startswith("plans") and not m.startswith("plans.domain")}
            assert not outside, f"{path.relative_to(ROOT)} imports {outside}"

    def test_only_the_cli_starts_flows(self) -> None:
        importing = [str(p.relative_to(ROOT)) for p in _modules("api") if "flows" in _imports(p)]
        assert sorted(importing) == ["api/cli.py", "api/local_stack.py"]

    def test_modules_stay_small(self) -> None:
        big = {
            str(p.relative_to(ROOT)): n
            for pkg in ("plans", "evaluation", "flows", "api")
            for p in _modules(pkg)
            if "migrations/versions" not in str(p)
            if (n := len(p.read_text().splitlines())) > 400
        }
        assert big == {}


def _module_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}


class TestLinters:
    def test_ruff(self) -> None:
        result = subprocess.run([sys.executable, "-m", "ruff", "check", str(ROOT)], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr

    def test_mypy_strict_on_pure_packages(self) -> None:
        result = subprocess.run(
            [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml")],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        assert result.returncode == 0, result.stdout + result.stderr
