"""``python -m bench``: run every benchmark the issues named, one after the other (never at once: 2 cores),
print one table and write the results as JSON.

Columns: figure | value | reference (measured in the same run) | ratio | goal (met / NOT MET). Each
figure says what it is the median of (3 runs, rounds or repeats where the benchmark repeats; a few
are one run, and say so).

    python -m bench                                   # everything at full scale (hours: throughput's 200
                                                      # plans alone need ~3.3 hours of 2 cores)
    python -m bench --quick                           # small scales, a smoke run (about 6 minutes; without
                                                      # throughput and worker_kills unless --only names them)
    python -m bench --only chase,intake               # some of them (names: --list)
    python -m bench --set dashboard.runs=5 --set intake.processes=1   # any keyword of a measure()
    python -m bench --report bench/results/latest.json                # the table of saved results, and
                                                      # when, at which commit and load each was measured
    python -m bench --adopt throughput=/tmp/t.json    # record a standalone run (python -m bench.throughput
                                                      # --json /tmp/t.json) as the throughput entry

The flags of the first version still work: ``--demo-runs``, ``--no-cold``, ``--home``, ``--plans`` and
``--rounds`` (transition), ``--dashboard-db``, ``--dashboard-requests``.

Each benchmark is a module with ``measure(**keywords) -> dict`` (JSON-serialisable; its defaults are the
full run) and ``rows(result) -> [(figure, value, reference, ratio, goal, goal met or None)]``; a result
may list ``failures`` (things that went wrong, as opposed to goals missed). ``BENCHES`` below is the
registry: one ``Bench(name, module, quick={...})`` line each (``cli=True`` for a module whose ``measure``
takes its own argparse namespace: then its ``main(argv)`` runs with the keywords as options). Each
benchmark runs in a child process of its own (``--child``), so none inherits another's settings,
environment or peak memory; one that raises or dies is reported as an ERROR row and the others still
run. Results: ``bench/results/latest.json`` (``quick.json`` with ``--quick``; ``--json PATH`` to
choose). A run with ``--only`` replaces only the entries it measured, so the full-scale table, which
needs more hours than one sitting on 2 cores, is built benchmark by benchmark; every entry carries its
own date, commit and load (``bench/results_file.py``). Exit status 1 if a benchmark raised or reported
failures, else 0 (goals missed are in the table, not in the exit status).
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import results_file
from bench._common import RESULTS, ROOT, machine, sigint_default
from bench.results_file import PROVENANCE_HEAD, provenance_rows, table, table_rows

Row = tuple[str, str, str, str, str, bool | None]


@dataclass(frozen=True)
class Bench:
    """A benchmark module and the keywords of its ``measure`` for a full and a ``--quick`` run."""

    name: str
    module: str
    full: dict[str, Any] = field(default_factory=dict)
    quick: dict[str, Any] = field(default_factory=dict)
    # the module's measure takes its own argparse namespace: run its main(argv) with the keywords as
    # options (``{"seconds": 60, "keep": True}`` -> ``--seconds 60 --keep``) and ``--json FILE``, then read FILE
    cli: bool = False
    # --quick leaves it out unless --only names it: even small, it takes longer than a smoke run should
    slow: bool = False


# In the order they run. Full runs use each module's own defaults unless ``full`` says otherwise.
BENCHES = [
    Bench("demo", "bench.demo_time", quick={"runs": 1, "cold": False}),
    Bench("transition", "bench.transition_cost", quick={"plans": 6, "rounds": 1, "hb_plans": 0, "warmup": 1}),
    Bench(
        "dashboard",
        "bench.dashboard",
        full={"dbs": ["sqlite", "postgresql"]},
        quick={"dbs": ["sqlite"], "runs": 1, "requests": 20, "warmup": 3, "plans": 100, "small_plans": 50},
    ),
    Bench("chase", "bench.chase", quick={"runs": 1, "organisations": 10, "teams": 2000}),
    Bench("intake", "bench.intake", quick={"runs": 1, "requests": 300, "invitations": 2000}),
    Bench("delivery", "bench.delivery", quick={"db": "sqlite", "messages": 20000, "seconds": 2, "rounds": 1}),
    Bench(
        "survey_rates", "bench.survey_rates", quick={"db": "sqlite", "repeats": 5, "organisations": 10, "teams": 2000}
    ),
    Bench("staff_import", "bench.staff_import", quick={"db": "sqlite", "rows": 20000, "teams": 1000}),
    Bench("analysis_pipeline", "bench.analysis_pipeline", quick={"responses": 50000, "runs": 1}),
    Bench("analysis_frame", "bench.analysis_frame", quick={"db": "sqlite", "responses": 5000, "repeats": 2}),
    Bench("analysis_page", "bench.analysis_page", quick={"db": "sqlite", "groups": 300, "repeats": 3}),
    Bench("retention", "bench.retention", quick={"staff": 20000}),
    Bench("throughput", "bench.throughput", quick={"plans": 4, "bare_runs": 2, "probe_every": 10.0}, slow=True),
    Bench("worker_kills", "bench.worker_kills", quick={"plans": 4, "kill_every": [8.0, 20.0]}, slow=True),
    Bench(
        "soak",
        "bench.soak",
        quick={
            "seconds": 30,
            "rate": 20,
            "plans": 300,
            "organisations": 30,
            "teams": 3000,
            "warmup": 5,
        },
        cli=True,
    ),
]


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text  # a bare word: a string


def keywords(a: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """Per benchmark, the keywords its ``measure`` gets: full or quick, then the old flags, then ``--set``."""
    out = {b.name: dict(b.quick if a.quick else b.full) for b in BENCHES}
    old = {
        "demo": {"runs": a.demo_runs, "cold": False if a.no_cold else None, "home": a.home},
        "transition": {"plans": a.plans, "rounds": a.rounds},
        "dashboard": {
            "dbs": {"both": ["sqlite", "postgresql"]}.get(a.dashboard_db, [a.dashboard_db]) if a.dashboard_db else None,
            "requests": a.dashboard_requests,
        },
    }
    for name, given in old.items():
        out[name].update({k: v for k, v in given.items() if v is not None})
    for setting in a.set:
        target, _, value = setting.partition("=")
        name, _, key = target.partition(".")
        if name not in out or not key or not _:
            raise SystemExit(f"--set {setting}: expected NAME.KEYWORD=VALUE with NAME one of {', '.join(out)}")
        out[name][key] = _value(value)
    return out


def options(kwargs: dict[str, Any]) -> list[str]:
    """``{"seconds": 60, "keep": True, "db": "sqlite"}`` -> ``--seconds 60 --keep --db sqlite``."""
    out = []
    for key, value in kwargs.items():
        flag = "--" + key.replace("_", "-")
        if value is True:
            out.append(flag)
        elif value is not False and value is not None:
            out += [flag, str(value)]
    return out


def _via_cli(module: Any, kwargs: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        out = Path(tmp) / "result.json"
        entry["exit_status"] = module.main([*options(kwargs), "--json", str(out)])
        return dict(json.loads(out.read_text(encoding="utf-8")))


def measure_here(module_name: str, kwargs: dict[str, Any], cli: bool = False) -> dict[str, Any]:
    """Measure one benchmark in this process; an exception becomes an ``error`` entry."""
    entry: dict[str, Any] = {"module": module_name, "keywords": kwargs}
    try:
        module = importlib.import_module(module_name)
        entry["result"] = res = _via_cli(module, kwargs, entry) if cli else module.measure(**kwargs)
        entry["rows"] = [list(r) for r in module.rows(res)]
        entry["failures"] = list(res.get("failures") or [])
    except (Exception, SystemExit) as e:  # one benchmark's failure must not stop the others
        entry["error"] = f"{type(e).__name__}: {e}"
        entry["traceback"] = traceback.format_exc()
        print(entry["traceback"], file=sys.stderr)
    return entry


def run_one(bench: Bench, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Measure one benchmark in a child process of its own, so that none inherits another's settings,
    environment, imports or peak memory; its output goes straight to ours."""
    started, when, at_start = time.monotonic(), results_file.now(), machine()
    with tempfile.TemporaryDirectory(prefix="bench-suite-") as tmp:
        out = Path(tmp) / "entry.json"
        cmd = [sys.executable, "-m", "bench", "--child", bench.module, "--child-keywords", json.dumps(kwargs)]
        cmd += ["--child-cli"] if bench.cli else []
        done = subprocess.run([*cmd, "--child-out", str(out)], cwd=ROOT, check=False)
        if out.exists():
            entry = json.loads(out.read_text(encoding="utf-8"))
        else:
            entry = {"module": bench.module, "keywords": kwargs, "error": f"the child exited {done.returncode}"}
    entry["seconds"] = round(time.monotonic() - started, 1)
    return results_file.stamp(entry, when, at_start)


def results_path(a: argparse.Namespace) -> Path:
    """The results file: ``--json``, else latest.json (quick.json with ``--quick``)."""
    return a.json or RESULTS / ("quick.json" if a.quick else "latest.json")


def report(saved: dict[str, Any], markdown: bool) -> str:
    """The table of a results file, then where each benchmark's figures came from."""
    entries = results_file.with_provenance(saved)
    missing = [b.name for b in BENCHES if b.name not in entries and not (saved.get("quick") and b.slow)]
    parts = [
        table(table_rows(entries), markdown=markdown),
        "",
        table(provenance_rows(entries), markdown=markdown, head=PROVENANCE_HEAD),
    ]
    if missing:
        parts += ["", f"not measured in this file: {', '.join(missing)}"]
    return "\n".join(parts)


def adopt(a: argparse.Namespace) -> int:
    """``--adopt NAME=FILE[#KEY]``: put standalone runs into the results file, all or none."""
    modules = {b.name: b.module for b in BENCHES}
    entries = {}
    for given in a.adopt:
        name, eq, source = given.partition("=")
        if not eq or not source:
            raise SystemExit(f"--adopt {given}: expected NAME=FILE[#KEY]")
        if name not in modules:
            raise SystemExit(f"--adopt {given}: unknown benchmark {name!r}; known: {', '.join(modules)}")
        entries[name] = results_file.adopted(name, modules[name], source)
    out = results_path(a)
    new = {"when": results_file.now(), "commit": results_file.head(), "quick": a.quick, "benchmarks": entries}
    new["command"] = "python -m bench " + " ".join(f"--adopt {x}" for x in a.adopt)
    res = results_file.merged(results_file.read(out), new, list(modules))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"{out}: {', '.join(entries)} adopted; it holds {len(res['benchmarks'])} benchmarks")
    return 0


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    ap.add_argument("--only", help="comma-separated names (see --list)")
    ap.add_argument("--quick", action="store_true", help="small scales: a smoke run in a few minutes")
    ap.add_argument("--set", action="append", default=[], metavar="NAME.KEYWORD=VALUE", help="a measure() keyword")
    ap.add_argument("--list", action="store_true", help="the benchmarks and their quick keywords, then stop")
    ap.add_argument("--json", type=Path, help="results file (default bench/results/latest.json, quick.json)")
    ap.add_argument("--report", type=Path, metavar="JSON", help="print the table of saved results; measure nothing")
    ap.add_argument("--markdown", action="store_true", help="the table in Markdown")
    ap.add_argument(
        "--adopt",
        action="append",
        default=[],
        metavar="NAME=FILE[#KEY]",
        help="record a standalone run's --json (python -m bench.NAME ... --json FILE) as NAME's entry; measure nothing",
    )
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--child-keywords", default="{}", help=argparse.SUPPRESS)
    ap.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--child-cli", action="store_true", help=argparse.SUPPRESS)
    old = ap.add_argument_group("flags of the first version")
    old.add_argument("--demo-runs", type=int)
    old.add_argument("--no-cold", action="store_true")
    old.add_argument("--home", choices=["reuse", "template", "user"], help="see bench.demo_time")
    old.add_argument("--plans", type=int, help="transition: plans per round")
    old.add_argument("--rounds", type=int, help="transition: rounds")
    old.add_argument("--dashboard-db", choices=["sqlite", "postgresql", "both"])
    old.add_argument("--dashboard-requests", type=int, help="timed requests per page and run")
    return ap


def main(argv: list[str] | None = None) -> int:
    a = parser().parse_args(argv)
    if a.child:
        entry = measure_here(a.child, json.loads(a.child_keywords), cli=a.child_cli)
        a.child_out.write_text(json.dumps(entry, default=str), encoding="utf-8")
        return 0
    if a.list:
        for b in BENCHES:
            slow = " (not in --quick unless named)" if b.slow else ""
            print(f"{b.name:<18} {b.module:<26} full {b.full or 'defaults'}; quick {b.quick}{slow}")
        return 0
    if a.report:
        saved = results_file.read(a.report)
        if saved is None:
            raise SystemExit(f"{a.report}: no such file")
        print(report(saved, a.markdown))
        return 0
    if a.adopt:
        return adopt(a)
    names = [b.name for b in BENCHES]
    everything = [b.name for b in BENCHES if not (a.quick and b.slow)]
    chosen = everything if not a.only else [n.strip() for n in a.only.split(",") if n.strip()]
    unknown = sorted(set(chosen) - set(names))
    if unknown:
        raise SystemExit(f"python -m bench: unknown {', '.join(unknown)}; known: {', '.join(names)}")
    args = keywords(a)
    sigint_default()  # the servers the benchmarks start stop on SIGINT, even when we were started with it ignored
    started = time.monotonic()
    res: dict[str, Any] = {
        "when": results_file.now(),
        "commit": results_file.head(),
        "machine": machine(),
        "quick": a.quick,
        "command": "python -m bench " + " ".join(sys.argv[1:] if argv is None else argv),
        "benchmarks": {},
    }
    for bench in (b for b in BENCHES if b.name in chosen):
        print(f"\n=== {bench.name} ({bench.module}, {args[bench.name] or 'defaults'})", flush=True)
        res["benchmarks"][bench.name] = entry = run_one(bench, args[bench.name])
        print(f"=== {bench.name}: {'ERROR' if 'error' in entry else 'done'} in {entry['seconds']:.0f} s", flush=True)
    res["bench_wall_s"] = round(time.monotonic() - started, 1)
    res["loadavg_at_end"] = machine()["loadavg_at_start"]
    out = results_path(a)
    out.parent.mkdir(parents=True, exist_ok=True)
    measured = dict(res["benchmarks"])
    if a.only:  # the entries of benchmarks not measured now stay, each with its own date and commit
        res = results_file.merged(results_file.read(out), res, [b.name for b in BENCHES])
    out.write_text(json.dumps(res, indent=2, default=str) + "\n", encoding="utf-8")
    print()
    print(table(table_rows(measured), markdown=a.markdown))
    load = f"load average {res['machine']['loadavg_at_start']} at the start, {res['loadavg_at_end']} at the end"
    print(f"\n(bench took {res['bench_wall_s']:.0f} s, {load}; commit {res['commit']}; results in {out})")
    if len(res["benchmarks"]) > len(measured):
        print(f"{out} also holds earlier measurements of the others: python -m bench --report {out}")
    bad = [n for n, e in measured.items() if "error" in e or e.get("failures")]
    if bad:
        print(f"FAILED: {', '.join(bad)} (see above)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
