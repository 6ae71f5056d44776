"""``python -m bench.analysis``: generate the seeded survey, run every engine's full analysis, each repeat
in a fresh subprocess (so peak RSS is per engine and per run), check all engines give identical counts,
print a table and write ``bench/results/analysis_engines.json``.

    python -m bench.analysis [--responses 1000000] [--repeats 3] [--pandas-repeats N]
                             [--variants] [--variant-repeats 1] [--engines a,b,...] [--csv] [--keep DIR]

Runs go round-robin over the engines (repeat 1 of each, then repeat 2 ...), one at a time (2 cores).
Wall time is the analysis alone, from reading the Parquet file to the long result in memory (imports
excluded, reported separately); the file is in the page cache (just written). Peak RSS is the child's
own peak (VmHWM in /proc/self/status, the high-water mark of its own address space; ru_maxrss would
inherit the parent's) read right after the analysis (interpreter and library included). Spread is
(max - min) / median. "x faster" is pandas' median / the engine's median. GB = 10^9 bytes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import psutil

from bench._common import RESULTS, ROOT, machine, reap_leftovers, summary
from bench.analysis.engines import BREAKDOWNS, ENGINES
from bench.analysis.generate import generate

MAIN = ("pandas", "polars", "polars_rollup", "duckdb", "duckdb_rollup")
VARIANTS = ("pandas_melt", "polars_inagg", "polars_long", "duckdb_union")
METHOD = {
    "pandas": "read_parquet; isin flags; groupby(keys).count()/.sum() per breakdown; stack",
    "pandas_melt": "read_parquet; melt to 40M rows; groupby(keys+question) per breakdown",
    "polars": "scan_parquet; 80 flags once; group_by(keys).sum() per breakdown; unpivot",
    "polars_inagg": "scan_parquet; group_by(keys).agg(is_in(pos).sum(), is_not_null().sum())",
    "polars_long": "scan_parquet; unpivot to 40M rows; group_by(keys+question)",
    "polars_rollup": "flags once; one group_by at org/dir/team/eth, roll up; staff_group apart",
    "duckdb": "one SQL: GROUPING SETS, count()/count_if(IN) wide, unnest to long",
    "duckdb_union": "one SQL: 7 GROUP BYs UNION ALL, wide, unnest to long",
    "duckdb_rollup": "one SQL: GROUP BY org/dir/team/eth, GROUPING SETS over it; staff_group apart",
}
GOAL_S, GOAL_BYTES, GOAL_X = 10.0, 4e9, 5.0
MARKER = "BENCH_ANALYSIS_RUN"


def versions() -> dict[str, str]:
    out = {}
    for pkg in ("duckdb", "polars", "pandas", "pyarrow", "numpy", "psutil"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def run_child(engine: str, data: str, dump: str | None, timeout: float, env: dict[str, str]) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "bench.analysis.engines", "--engine", engine, "--data", data]
    if dump:
        cmd += ["--dump", dump]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"engine": engine, "ok": False, "error": f"timed out after {timeout:.0f} s"}
    process_s = time.perf_counter() - t0
    if proc.returncode != 0:
        return {"engine": engine, "ok": False, "error": f"exit {proc.returncode}: {proc.stderr.strip()[-800:]}"}
    rec = json.loads(proc.stdout.strip().splitlines()[-1])
    rec.update(ok=True, process_s=process_s)
    return rec


def fmt_gb(b: float | None) -> str:
    return "-" if b is None else f"{b / 1e9:.2f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--responses", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--pandas-repeats", type=int, default=None, help="default: --repeats")
    ap.add_argument("--variants", action="store_true", help=f"also run {', '.join(VARIANTS)}")
    ap.add_argument("--variant-repeats", type=int, default=1)
    ap.add_argument("--engines", help="comma-separated list instead of the default set")
    ap.add_argument("--csv", action="store_true", help="also write the survey as CSV (size reported)")
    ap.add_argument("--keep", help="write data and dumps here and keep them (default: temp dir, removed)")
    ap.add_argument("--timeout", type=float, default=1800.0, help="per child run, seconds")
    ap.add_argument("--out", default=str(RESULTS / "analysis_engines.json"))
    a = ap.parse_args(argv)

    engines = a.engines.split(",") if a.engines else list(MAIN) + (list(VARIANTS) if a.variants else [])
    unknown = [e for e in engines if e not in ENGINES]
    if unknown:
        ap.error(f"unknown engines {unknown}; known: {', '.join(ENGINES)}")
    reps = {e: a.repeats for e in engines}
    if "pandas" in reps and a.pandas_repeats is not None:
        reps["pandas"] = a.pandas_repeats
    for e in VARIANTS:
        if e in reps and not a.engines:
            reps[e] = a.variant_repeats

    workdir = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix="bench_analysis_"))
    workdir.mkdir(parents=True, exist_ok=True)
    marker = f"{MARKER}={uuid.uuid4().hex}"
    env = {**os.environ, MARKER: marker.split("=", 1)[1], "PYTHONPATH": str(ROOT)}
    started = datetime.now(UTC).isoformat(timespec="seconds")
    mach = machine()
    print(f"generating {a.responses:,} responses in {workdir} ...", flush=True)
    gen = generate(workdir, a.responses, csv=a.csv)
    print(
        f"generated in {gen['generate_s']:.1f} s (build {gen['build_s']:.1f} s, parquet write "
        f"{gen['write_parquet_s']:.1f} s); parquet {gen['parquet_bytes'] / 1e6:.1f} MB"
        + (f", csv {gen['csv_bytes'] / 1e6:.0f} MB" if a.csv else "")
        + f"; {gen['directorates']} directorates, {gen['teams_with_respondents']:,} teams with respondents "
        f"({gen['teams_under_11']:,} under 11), {gen['team_x_ethnicity_groups']:,} team x ethnicity groups",
        flush=True,
    )

    runs: dict[str, list[dict[str, Any]]] = {e: [] for e in engines}
    dumps: dict[str, str] = {}
    try:
        for rep in range(max(reps.values())):
            for e in engines:
                if rep >= reps[e]:
                    continue
                dump = str(workdir / f"result_{e}.parquet") if rep == 0 else None
                rec = run_child(e, gen["parquet"], dump, a.timeout, env)
                runs[e].append(rec)
                if rec["ok"]:
                    if dump:
                        dumps[e] = dump
                    print(
                        f"  {e:14s} run {rep + 1}: {rec['wall_s']:7.2f} s, peak {fmt_gb(rec['peak_rss_bytes'])} GB",
                        flush=True,
                    )
                else:
                    print(f"  {e:14s} run {rep + 1}: FAILED {rec['error']}", flush=True)

        verification: dict[str, Any] = {}
        if len(dumps) >= 2:
            order = sorted(dumps, key=lambda e: (e != "pandas", engines.index(e)))
            proc = subprocess.run(
                [sys.executable, "-m", "bench.analysis.engines", "--verify", *(dumps[e] for e in order)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=a.timeout,
            )
            if proc.returncode == 0:
                verification = json.loads(proc.stdout.strip().splitlines()[-1])
                by_path = {v: k for k, v in dumps.items()}
                verification["reference"] = by_path[verification["reference"]]
                verification["equal"] = {by_path[p]: r for p, r in verification["equal"].items()}
            else:
                verification = {"error": proc.stderr.strip()[-800:]}
    finally:
        leftovers = reap_leftovers(marker.split("=", 1)[1])
        children = psutil.Process().children(recursive=True)
        if not a.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    # ------------------------------------------------------------------ summarise
    results: dict[str, Any] = {}
    for e in engines:
        ok = [r for r in runs[e] if r["ok"]]
        walls = [r["wall_s"] for r in ok]
        results[e] = {
            "method": METHOD[e],
            "repeats_asked": reps[e],
            "wall_s": summary(walls),
            "walls": walls,
            "peak_rss_bytes": max((r["peak_rss_bytes"] for r in ok), default=None),
            "rss_after_import_bytes": max((r["rss_after_import_bytes"] for r in ok), default=None),
            "import_s": summary([r["import_s"] for r in ok]),
            "rows": ok[0]["rows"] if ok else None,
            "rows_per_breakdown": ok[0]["rows_per_breakdown"] if ok else None,
            "failures": [r["error"] for r in runs[e] if not r["ok"]],
        }
    pandas_med = results.get("pandas", {}).get("wall_s", {}).get("median")
    for r in results.values():
        med = r["wall_s"]["median"]
        r["x_faster_than_pandas"] = (pandas_med / med) if (pandas_med and med) else None
        r["goals"] = {
            "under_10_s": med is not None and med < GOAL_S,
            "under_4_GB": r["peak_rss_bytes"] is not None and r["peak_rss_bytes"] < GOAL_BYTES,
            "5x_pandas": r["x_faster_than_pandas"] is not None and r["x_faster_than_pandas"] >= GOAL_X,
        }

    head = ("engine", "median s", "spread", "min-max s", "n", "peak GB", "x vs pandas", "goals <10s/<4GB/5x")
    rows = []
    for e, r in results.items():
        w = r["wall_s"]
        if not w["n"]:
            rows.append((e, "FAILED", "-", "-", "0", "-", "-", "-"))
            continue
        g = r["goals"]
        x = r["x_faster_than_pandas"]
        rows.append(
            (
                e,
                f"{w['median']:.2f}",
                f"{w['spread']:.0%}",
                f"{w['min']:.2f}-{w['max']:.2f}",
                str(w["n"]),
                fmt_gb(r["peak_rss_bytes"]),
                "1.00x (ref)" if e == "pandas" else (f"{x:.1f}x" if x else "-"),
                "/".join("yes" if g[k] else "no" for k in ("under_10_s", "under_4_GB", "5x_pandas")),
            )
        )
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    line = lambda cells: " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))  # noqa: E731
    print()
    print(f"full analysis, {a.responses:,} responses x 40 questions, 7 breakdowns (2 cores)")
    print(line(head))
    print("-+-".join("-" * w for w in widths))
    for r in rows:
        print(line(r))
    print()
    for e in results:
        print(f"  {e:14s} {METHOD[e]}")
    ref = next((r["rows_per_breakdown"] for r in results.values() if r["rows_per_breakdown"]), None)
    if ref:
        print(
            "\noutput rows per breakdown: "
            + ", ".join(f"{n} {ref.get(n, 0):,}" for n, _ in BREAKDOWNS)
            + f"; total {sum(ref.values()):,}"
        )
    if verification.get("equal"):
        bad = [e for e, v in verification["equal"].items() if not v["equal"]]
        print(
            f"identical counts (sorted, vs {verification['reference']}): "
            + ("ALL EQUAL" if not bad else f"MISMATCH in {', '.join(bad)}")
            + f" ({', '.join(verification['equal'])})"
        )
        s = verification["suppression"]
        print(
            f"team x ethnicity x question cells: {s['team_x_ethnicity_cells']:,} observed "
            f"({s['team_x_ethnicity_cells_n_lt_11']:,} with n < 11); full cross product "
            f"{s['full_cross_product_cells']:,}"
        )
    elif verification:
        print(f"verification failed: {verification}")
    if leftovers or children:
        print(f"leftover processes stopped: {leftovers or [c.pid for c in children]}")

    out = {
        "benchmark": "analysis_engines",
        "started": started,
        "command": "python -m bench.analysis " + " ".join(sys.argv[1:] if argv is None else argv),
        "machine": mach,
        "versions": versions(),
        "goal": {"wall_s_lt": GOAL_S, "peak_rss_bytes_lt": GOAL_BYTES, "x_faster_than_pandas_ge": GOAL_X},
        "generation": {k: v for k, v in gen.items() if k not in ("parquet", "csv")},
        "results": results,
        "verification": verification,
        "leftover_processes": leftovers,
    }
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(out, indent=2) + "\n")
    print(f"\nwrote {a.out}")
    bad_verify = bool(verification.get("error")) or any(not v["equal"] for v in verification.get("equal", {}).values())
    failed = any(r["failures"] for r in results.values())
    return 1 if (bad_verify or failed) else 0


if __name__ == "__main__":
    sys.exit(main())
