"""``python -m bench`` end to end at its quick scale, on the benchmarks that need no server (about 15 s):
it runs them one after the other, prints one table with a goal column, writes the results file it is
told to, and keeps the registry's promises (every module has ``measure`` and ``rows``; ``--set`` and the
first version's flags reach the right ``measure`` keywords)."""

from __future__ import annotations

import importlib
import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import BENCHES, Bench, keywords, options, parser

ROOT = Path(__file__).resolve().parents[2]


class TestRegistry:
    @pytest.mark.parametrize("bench", BENCHES, ids=lambda b: b.name)
    def test_module_has_measure_and_rows_taking_the_quick_keywords(self, bench: Bench) -> None:
        module = importlib.import_module(bench.module)
        assert callable(module.rows)
        if bench.cli:  # its main(argv) takes the keywords as options, and --json
            assert "argv" in inspect.signature(module.main).parameters
            return
        params = inspect.signature(module.measure).parameters
        assert set(bench.quick) | set(bench.full) <= set(params), f"{bench.module}.measure lacks a keyword"

    def test_old_flags_and_set_reach_measure(self) -> None:
        a = parser().parse_args(["--quick", "--demo-runs", "2", "--dashboard-db", "both", "--set", "chase.runs=2"])
        got = keywords(a)
        assert got["demo"] == {"runs": 2, "cold": False}
        assert got["dashboard"]["dbs"] == ["sqlite", "postgresql"] and got["dashboard"]["requests"] == 20
        assert got["chase"]["runs"] == 2 and got["chase"]["teams"] == 2000

    def test_keywords_as_options(self) -> None:
        assert options({"seconds": 60, "keep": True, "dry_run": False, "team_link_share": 0.5}) == [
            "--seconds",
            "60",
            "--keep",
            "--team-link-share",
            "0.5",
        ]


class TestQuickRun:
    def test_table_and_results(self, tmp_path: Path) -> None:
        out = tmp_path / "quick.json"
        cmd = [sys.executable, "-m", "bench", "--quick", "--only", "staff_import,analysis_page", "--json", str(out)]
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        header = next(line for line in done.stdout.splitlines() if line.startswith("figure"))
        assert [c.strip() for c in header.split("|")] == ["figure", "value", "reference (same run)", "ratio", "goal"]
        assert "staff list import, 20,000 staff" in done.stdout and "analysis page, HTML" in done.stdout
        saved = json.loads(out.read_text())
        assert saved["quick"] is True and list(saved["benchmarks"]) == ["staff_import", "analysis_page"]
        for entry in saved["benchmarks"].values():
            assert "error" not in entry and entry["rows"] and not entry["failures"]
        again = subprocess.run(
            [sys.executable, "-m", "bench", "--report", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=60
        )
        assert again.returncode == 0 and "staff list import replacing it" in again.stdout
