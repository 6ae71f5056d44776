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

from bench import results_file
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


def _entry(name: str, when: str) -> dict[str, object]:
    return {"module": f"bench.{name}", "rows": [[f"{name} figure", "1 s", "-", "-", "-", None]], "when": when}


class TestResultsFile:
    """The full-scale table is built benchmark by benchmark: a run replaces only what it measured, every
    entry keeps its own provenance, and standalone runs are adopted all or none."""

    def test_a_partial_run_keeps_the_others_with_their_own_provenance(self) -> None:
        old = {"when": "T1", "commit": "aaa", "machine": {"cpus": 2}, "benchmarks": {"chase": {"rows": []}}}
        old["benchmarks"]["demo"] = _entry("demo", "T0")
        new = {"when": "T2", "commit": "bbb", "benchmarks": {"intake": _entry("intake", "T2")}}
        got = results_file.merged(old, new, [b.name for b in BENCHES])
        assert list(got["benchmarks"]) == ["demo", "chase", "intake"]  # the registry's order
        assert got["benchmarks"]["chase"]["when"] == "T1" and got["benchmarks"]["chase"]["commit"] == "aaa"
        assert got["benchmarks"]["demo"]["when"] == "T0" and got["when"] == "T2"

    def test_quick_and_full_results_never_mix(self) -> None:
        with pytest.raises(SystemExit, match="holds quick results"):
            results_file.merged({"quick": True, "benchmarks": {}}, {"quick": False, "benchmarks": {}}, [])

    def test_adopting_a_result_its_rows_cannot_read_is_refused_naming_the_file(self, tmp_path: Path) -> None:
        old = tmp_path / "dashboard.json"
        old.write_text(json.dumps({"machine": {"cpus": 2}}))
        with pytest.raises(SystemExit, match=r"dashboard\.json: bench\.dashboard\.rows cannot read it"):
            results_file.adopted("dashboard", "bench.dashboard", str(old))
        with pytest.raises(SystemExit, match="no such file"):
            results_file.adopted("dashboard", "bench.dashboard", str(tmp_path / "none.json"))
        with pytest.raises(SystemExit, match="has no key 'x'"):
            results_file.adopted("dashboard", "bench.dashboard", f"{old}#x")

    def test_adopt_then_report(self, tmp_path: Path) -> None:
        standalone = tmp_path / "retention.json"
        standalone.write_text((ROOT / "bench/results/retention.json").read_text())
        out = tmp_path / "latest.json"
        run = [sys.executable, "-m", "bench", "--json", str(out)]
        done = subprocess.run([*run, "--adopt", f"retention={standalone}"], cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-2000:]
        # all or none: a bad second source leaves the file as it was
        bad = [*run, "--adopt", "chase=bench/results/chase.json", "--adopt", "nonesuch=x.json"]
        refused = subprocess.run(bad, cwd=ROOT, capture_output=True, text=True)
        assert refused.returncode != 0 and "unknown benchmark 'nonesuch'" in refused.stderr
        saved = json.loads(out.read_text())
        assert list(saved["benchmarks"]) == ["retention"]
        entry = saved["benchmarks"]["retention"]
        assert entry["how"].startswith("adopted from") and "(a standalone run)" in entry["how"]
        assert entry["machine"]["cpus"] == 2 and entry["rows"][0][0].startswith("retention purge")
        tracked = subprocess.run([*run, "--adopt", "chase=bench/results/chase.json"], cwd=ROOT, capture_output=True)
        assert tracked.returncode == 0
        shown = subprocess.run(
            [sys.executable, "-m", "bench", "--report", str(out)], cwd=ROOT, capture_output=True, text=True
        )
        assert shown.returncode == 0, shown.stderr
        assert "retention purge" in shown.stdout and "chase cycle" in shown.stdout
        provenance = shown.stdout[shown.stdout.index("benchmark ") :]
        assert "as saved in" in provenance and "2026-11-24T08:02:07+00:00" in provenance  # chase's own measured_at
        assert "not measured in this file: demo, transition" in shown.stdout
