"""``python -m bench.analysis_pipeline``: the survey analysis pipeline at national scale, against pandas.

    python -m bench.analysis_pipeline [--responses 1000000] [--runs 3] [--profile] [--keep DIR]

A seeded synthetic national survey (``bench.analysis.generate``: 40 closed questions on a 5-point scale,
3 of them negatively worded, 200 organisations, about 1,000 directorates, 60,000 teams, 10 staff groups,
6 ethnic groups; here in 4 sections of 10 questions) is analysed in full by ``evaluation.pipeline.analyse``:
breakdowns organisation, directorate, team, staff group, ethnicity and team x ethnicity, the hierarchy
organisation > directorate > team, threshold 11, with primary and secondary suppression. In the same run
the same outputs are computed by a plain pandas implementation (``bench.analysis_pandas``; it shares the
suppression algorithm, ``evaluation.suppression.pattern``, and redoes all the frame work), and the two
are checked equal row by row.

Every run is a fresh subprocess, pipeline and pandas interleaved (pipeline, pandas, pipeline, ...) so a
busy machine slows both alike. Wall time = reading the Parquet file + the analysis, every output
materialised (imports excluded, their RSS reported). Peak RSS is the child's ``ru_maxrss`` and its
VmHWM (own address space; the data are generated in a subprocess too, so neither inherits a big
parent). ``--profile`` (automatic when a goal is missed) adds one pipeline run timed phase by phase.
Writes ``bench/results/analysis_pipeline.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench._common import RESULTS, ROOT, machine, summary

BREAKDOWNS = (("organisation",), ("directorate",), ("team",), ("staff_group",), ("ethnicity",), ("team", "ethnicity"))
HIERARCHY = ("organisation", "directorate", "team")
SECTIONS = ("Your job", "Your team", "Your manager", "Your organisation")
THRESHOLD = 11
GOAL_S, GOAL_BYTES, GOAL_X = 10.0, 4e9, 5.0
OUTPUTS = ("findings", "sections", "groups")
#: the pipeline's steps timed by --profile, where evaluation.pipeline has them (it is wrapped, not edited)
PHASES = ("hierarchy_map", "count_cells", "relations", "pattern_inputs", "hide_cells", "pattern", "hidden_frame")
PHASES += ("labelled_cells", "_values", "_findings", "_sections", "_groups", "comment_findings")


def national_spec(threshold: int = THRESHOLD) -> Any:
    """The analysis asked of the synthetic survey (sections of 10 questions in order)."""
    from bench.analysis.generate import POSITIVE, QUESTIONS, SCALE
    from evaluation.findings import Question
    from evaluation.pipeline import AnalysisSpec

    questions = tuple(
        Question(q, frozenset(POSITIVE[q]), SCALE, SECTIONS[i * len(SECTIONS) // len(QUESTIONS)])
        for i, q in enumerate(QUESTIONS)
    )
    return AnalysisSpec(questions=questions, breakdowns=BREAKDOWNS, hierarchy=HIERARCHY, threshold=threshold)


def _status() -> dict[str, int]:
    """Current (VmRSS) and peak (VmHWM) resident memory of this process, bytes."""
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            out[line.split(":")[0]] = int(line.split()[1]) * 1024
    return out


def hidden_counts(groups: Any) -> dict[str, dict[str, int]]:
    """Per breakdown: groups, and those hidden in their own right (primary) or to protect them (secondary)."""
    import polars as pl

    if not isinstance(groups, pl.DataFrame):
        groups = pl.from_pandas(groups)
    kind = pl.col("reason").str.split(":").list.first()
    agg = groups.group_by("breakdown", maintain_order=True).agg(
        pl.len().alias("groups"),
        (kind == "primary").sum().alias("primary"),
        (kind == "secondary").sum().alias("secondary"),
    )
    return {
        r["breakdown"]: {k: int(r[k]) for k in ("groups", "primary", "secondary")} for r in agg.iter_rows(named=True)
    }


def child_run(impl: str, data: str, dump: str | None) -> dict[str, Any]:
    """One timed analysis in this (fresh) process: read + analyse, outputs in memory; then measure."""
    t_start = time.perf_counter()
    import numpy  # noqa: F401
    import polars as pl
    import pyarrow  # noqa: F401

    spec = national_spec()
    if impl == "pandas":
        import pandas  # noqa: F401

        import bench.analysis_pandas as caller
        from bench.analysis_pandas import analyse_pandas
    else:
        import evaluation.cells as caller
        from evaluation.pipeline import analyse
    # the shared suppression algorithm's own time, so the frame work can be compared without it
    shared = {"s": 0.0}
    engine = caller.pattern

    def pattern(*args: Any) -> Any:
        start = time.perf_counter()
        out = engine(*args)
        shared["s"] += time.perf_counter() - start
        return out

    caller.pattern = pattern  # type: ignore[attr-defined]
    after_import = _status()
    t0 = time.perf_counter()
    if impl == "pandas":
        result = analyse_pandas(data, spec.questions, spec.published(), spec.hierarchy, spec.threshold)
    else:
        result = analyse(pl.read_parquet(data), spec)
    wall = time.perf_counter() - t0
    peak = _status()
    frames = {name: getattr(result, name) for name in OUTPUTS}
    rec = {
        "impl": impl,
        "wall_s": wall,
        "pattern_s": shared["s"],
        "import_s": t0 - t_start,
        "ru_maxrss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "vmhwm_bytes": peak["VmHWM"],
        "rss_after_import_bytes": after_import["VmRSS"],
        "rss_at_end_bytes": peak["VmRSS"],
        "respondents": result.respondents,
        "rows": {name: len(frame) for name, frame in frames.items()},
        "hidden": hidden_counts(result.groups),
    }
    if dump:
        for name, frame in frames.items():
            path = Path(dump) / f"{impl}_{name}.parquet"
            frame.to_parquet(path) if impl == "pandas" else frame.write_parquet(path)
    return rec


def child_profile(data: str) -> dict[str, Any]:
    """The pipeline once more, each of its steps (``PHASES``) wrapped with a timer and an RSS reading."""
    import polars as pl

    import evaluation.cells as cells
    import evaluation.pipeline as pipeline

    spec = national_spec()
    phases: list[dict[str, Any]] = []

    def timed(name: str, fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            out = fn(*args, **kwargs)
            phases.append({"phase": name, "s": time.perf_counter() - start, **_status()})
            return out

        return wrapper

    for name in PHASES:
        if callable(getattr(pipeline, name, None)):
            setattr(pipeline, name, timed(name, getattr(pipeline, name)))
    if callable(getattr(cells, "pattern", None)):  # the suppression engine, inside hide_cells
        cells.pattern = timed("  pattern (in hide_cells)", cells.pattern)
    t0 = time.perf_counter()
    frame = pl.read_parquet(data)
    read_s = time.perf_counter() - t0
    after_read = _status()
    t1 = time.perf_counter()
    pipeline.analyse(frame, spec)
    total = time.perf_counter() - t1
    named = sum(p["s"] for p in phases if not p["phase"].startswith(" "))
    return {
        "read_parquet_s": read_s,
        "rss_after_read_bytes": after_read["VmRSS"],
        "analyse_s": total,
        "phases": phases,
        "unwrapped_s": total - named,
        "unwrapped_is": "the one pass over the responses (answer flags collected) and glue between the steps",
        "vmhwm_bytes": _status()["VmHWM"],
    }


def child_verify(dump: str) -> dict[str, Any]:
    """Compare the dumped outputs of the first pipeline and pandas runs."""
    import polars as pl

    from bench.analysis_pandas import compare

    read = {
        impl: {n: pl.read_parquet(Path(dump) / f"{impl}_{n}.parquet") for n in OUTPUTS}
        for impl in ("pipeline", "pandas")
    }
    return compare(read["pipeline"], read["pandas"])


def shape(responses: int) -> dict[str, int]:
    """Organisations and teams for a survey of this size: the national shape (200 organisations, 60,000
    teams for a million responses) scaled down, so teams keep their sizes and suppression its share."""
    scale = responses / 1_000_000
    return {"organisations": max(10, round(200 * scale)), "teams": max(300, round(60_000 * scale))}


def child_generate(out_dir: str, responses: int) -> dict[str, Any]:
    from bench.analysis.generate import generate

    return generate(out_dir, responses, **shape(responses))


def spawn(args: list[str], timeout: float) -> dict[str, Any]:
    """Run this module as a child with ``args``; its last stdout line is its JSON record."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "bench.analysis_pipeline", *args]
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"timed out after {timeout:.0f} s"}
    if proc.returncode != 0:
        return {"ok": False, "error": f"exit {proc.returncode}: {proc.stderr.strip()[-1500:]}"}
    return {"ok": True, **json.loads(proc.stdout.strip().splitlines()[-1])}


def _git() -> dict[str, Any]:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    return {"commit": git("rev-parse", "HEAD"), "evaluation_uncommitted": git("status", "--short", "evaluation")}


def _gb(b: float | None) -> str:
    return "-" if b is None else f"{b / 1e9:.2f} GB"


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [r for r in runs if r["ok"]]
    return {
        "wall_s": summary([r["wall_s"] for r in ok]),
        "walls": [r["wall_s"] for r in ok],
        "pattern_s": summary([r["pattern_s"] for r in ok]),
        "without_pattern_s": summary([r["wall_s"] - r["pattern_s"] for r in ok]),
        "load_before_runs": [r["load_before"] for r in ok],
        "peak_ru_maxrss_bytes": max((r["ru_maxrss_bytes"] for r in ok), default=None),
        "peak_vmhwm_bytes": max((r["vmhwm_bytes"] for r in ok), default=None),
        "rss_after_import_bytes": max((r["rss_after_import_bytes"] for r in ok), default=None),
        "import_s": summary([r["import_s"] for r in ok]),
        "rows": ok[0]["rows"] if ok else None,
        "hidden": ok[0]["hidden"] if ok else None,
        "respondents": ok[0]["respondents"] if ok else None,
        "failures": [r["error"] for r in runs if not r["ok"]],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--responses", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument(
        "--profile", action="store_true", help="add a phase-timed pipeline run (also when a goal is missed)"
    )
    ap.add_argument("--keep", help="write the survey and dumps here and keep them (default: a temporary directory)")
    ap.add_argument("--timeout", type=float, default=1800.0, help="per child, seconds")
    ap.add_argument("--out", default=str(RESULTS / "analysis_pipeline.json"))
    ap.add_argument("--child", choices=("pipeline", "pandas", "profile", "verify", "generate"), help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    ap.add_argument("--dir", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        if a.child in ("pipeline", "pandas"):
            rec = child_run(a.child, a.data, a.dir)
        elif a.child == "profile":
            rec = child_profile(a.data)
        elif a.child == "verify":
            rec = child_verify(a.dir)
        else:
            rec = child_generate(a.dir, a.responses)
        print(json.dumps(rec))
        return 0
    command = "python -m bench.analysis_pipeline " + " ".join(sys.argv[1:] if argv is None else argv)
    try:
        out = measure(a.responses, a.runs, a.profile, a.keep, a.timeout, command)
    except RuntimeError as e:
        print(e)
        return 1
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(out, indent=2) + "\n")
    print_summary(out)
    print(f"wrote {a.out}")
    return 1 if out["failures"] else 0


def measure(
    responses: int = 1_000_000,
    runs: int = 3,
    profile: bool = False,
    keep: str | None = None,
    timeout: float = 1800.0,
    command: str = "python -m bench",
) -> dict[str, Any]:
    """Generate the survey, then ``runs`` pipeline and pandas children interleaved, check their outputs
    equal, profile if asked or a goal is missed; the results (``failures`` lists what went wrong)."""
    started = datetime.now(UTC).isoformat(timespec="seconds")
    mach = machine()
    workdir = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="bench_pipeline_"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"load at start {mach['loadavg_at_start']}; generating {responses:,} responses ...", flush=True)
    gen = spawn(["--child", "generate", "--dir", str(workdir), "--responses", str(responses)], timeout)
    if not gen["ok"]:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
        raise RuntimeError(f"generation failed: {gen['error']}")
    print(
        f"  {gen['directorates']:,} directorates, {gen['teams_with_respondents']:,} teams with respondents "
        f"({gen['teams_under_11']:,} under 11), {gen['team_x_ethnicity_groups']:,} team x ethnicity groups",
        flush=True,
    )
    by_impl: dict[str, list[dict[str, Any]]] = {"pipeline": [], "pandas": []}
    try:
        for run in range(runs):
            for impl in by_impl:
                args = ["--child", impl, "--data", gen["parquet"]] + (["--dir", str(workdir)] if run == 0 else [])
                load = os.getloadavg()[0]
                rec = spawn(args, timeout)
                rec["load_before"] = round(load, 2)
                by_impl[impl].append(rec)
                shown = (
                    f"{rec['wall_s']:6.2f} s, peak {_gb(rec['ru_maxrss_bytes'])}"
                    if rec["ok"]
                    else f"FAILED {rec['error']}"
                )
                print(f"  {impl:8s} run {run + 1}: {shown} (load {load:.2f})", flush=True)
        verified = (
            spawn(["--child", "verify", "--dir", str(workdir)], timeout)
            if by_impl["pipeline"][0]["ok"] and by_impl["pandas"][0]["ok"]
            else {"ok": False, "error": "a first run failed"}
        )
        results = {impl: summarise(r) for impl, r in by_impl.items()}
        pipe, pand = results["pipeline"], results["pandas"]
        pm, dm = pipe["wall_s"]["median"], pand["wall_s"]["median"]
        ratio = dm / pm if pm and dm else None
        goals = {
            "under_10_s": pm is not None and pm < GOAL_S,
            "under_4_GB": pipe["peak_ru_maxrss_bytes"] is not None and pipe["peak_ru_maxrss_bytes"] < GOAL_BYTES,
            "5x_pandas": ratio is not None and ratio >= GOAL_X,
        }
        profiled = (
            spawn(["--child", "profile", "--data", gen["parquet"]], timeout)
            if profile or not all(goals.values())
            else None
        )
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
    failures = [f"{impl}: {e}" for impl in by_impl for e in results[impl]["failures"]]
    if not (verified.get("ok") and verified.get("equal")):
        failures.append(f"pandas and pipeline outputs not verified equal: {verified}")

    out = {
        "benchmark": "analysis_pipeline",
        "started": started,
        "command": command,
        "machine": mach,
        "load_at_end": [round(x, 2) for x in os.getloadavg()],
        "git": _git(),
        "analysis": {
            "breakdowns": [" x ".join(b) for b in BREAKDOWNS],
            "hierarchy": list(HIERARCHY),
            "threshold": THRESHOLD,
            "sections": {s: 10 for s in SECTIONS},
            "timed": "read the Parquet file + analyse, every output (findings, sections, groups) in memory",
            "pandas": "bench/analysis_pandas.py: the frame work in pandas; the suppression algorithm is shared "
            "(evaluation.suppression.pattern, called once with the same cells and relations in the same order)",
        },
        "goal": {"wall_s_lt": GOAL_S, "peak_rss_bytes_lt": GOAL_BYTES, "pandas_over_pipeline_ge": GOAL_X},
        "generation": {k: v for k, v in gen.items() if k not in ("parquet", "ok")},
        "runs": by_impl,
        "results": results,
        "pandas_over_pipeline": {
            "median_ratio": ratio,
            "median_ratio_without_pattern": pand["without_pattern_s"]["median"] / pipe["without_pattern_s"]["median"]
            if pm and dm
            else None,
            "per_pair": [d / p for d, p in zip(pand["walls"], pipe["walls"], strict=False)],
        },
        "goals_met": goals,
        "verification": verified,
        "profile": profiled,
        "failures": failures,
    }
    return out


def rows(out: dict[str, Any]) -> list[tuple[str, str, str, str, str, bool | None]]:
    """(figure, value, reference, ratio, goal, goal met) for ``python -m bench``'s table: the pipeline
    against pandas doing the same outputs in the same run."""
    res, g = out["results"], out["goals_met"]
    pipe, pand = res["pipeline"], res["pandas"]
    w, pw = pipe["wall_s"], pand["wall_s"]
    n = f"{out['generation'].get('responses', '?'):,} responses" if out.get("generation") else "?"
    if not w["n"] or not pw["n"]:
        return [(f"survey analysis, {n}", "FAILED", "; ".join(out["failures"])[:80], "-", "-", False)]
    ratio = out["pandas_over_pipeline"]["median_ratio"]
    return [
        (
            f"survey analysis, {n}, read + analyse (median of {w['n']})",
            f"{w['median']:.2f} s (runs {w['min']:.2f}-{w['max']:.2f})",
            f"pandas {pw['median']:.2f} s",
            f"{ratio:.2f}x faster",
            f"< {GOAL_S:.0f} s",
            g["under_10_s"],
        ),
        (
            "survey analysis, pandas time / pipeline time (medians)",
            f"{ratio:.2f}x",
            f"frame work alone {out['pandas_over_pipeline']['median_ratio_without_pattern']:.2f}x",
            "-",
            f">= {GOAL_X:.0f}x",
            g["5x_pandas"],
        ),
        (
            "survey analysis, peak memory (RSS)",
            _gb(pipe["peak_ru_maxrss_bytes"]),
            f"pandas {_gb(pand['peak_ru_maxrss_bytes'])}",
            "-",
            f"< {GOAL_BYTES / 1e9:.0f} GB",
            g["under_4_GB"],
        ),
        (
            "survey analysis: pandas and pipeline outputs equal",
            "yes" if out["verification"].get("equal") else "NO",
            "-",
            "-",
            "equal",
            bool(out["verification"].get("equal")),
        ),
    ]


def print_summary(out: dict[str, Any]) -> None:
    res, g = out["results"], out["goals_met"]
    print()
    for impl in ("pipeline", "pandas"):
        r = res[impl]
        w = r["wall_s"]
        if not w["n"]:
            print(f"{impl:8s} FAILED: {r['failures']}")
            continue
        print(
            f"{impl:8s} median {w['median']:.2f} s (min {w['min']:.2f}, max {w['max']:.2f}, n={w['n']}), "
            f"peak {_gb(r['peak_ru_maxrss_bytes'])} ru_maxrss / {_gb(r['peak_vmhwm_bytes'])} VmHWM, "
            f"after imports {_gb(r['rss_after_import_bytes'])}; of the wall, suppression pattern "
            f"{r['pattern_s']['median']:.2f} s"
        )
    ratio = out["pandas_over_pipeline"]["median_ratio"]
    if ratio:
        alone = out["pandas_over_pipeline"]["median_ratio_without_pattern"]
        print(
            f"pandas / pipeline (medians): {ratio:.2f}x; frame work alone (the shared pattern's time off) {alone:.2f}x"
        )
    rows = res["pipeline"]["rows"] or {}
    print("rows: " + ", ".join(f"{k} {v:,}" for k, v in rows.items()))
    for b, h in (res["pipeline"]["hidden"] or {}).items():
        print(f"  {b:17s} {h['groups']:>8,} groups, hidden {h['primary']:>8,} primary + {h['secondary']:>7,} secondary")
    v = out["verification"]
    print("verification: " + ("pandas == pipeline (all outputs)" if v.get("equal") else f"NOT EQUAL / failed: {v}"))
    print("goals: " + ", ".join(f"{k} {'yes' if ok else 'NO'}" for k, ok in g.items()))
    if out["profile"] and out["profile"].get("ok"):
        p = out["profile"]
        print(f"profile (one run): read {p['read_parquet_s']:.2f} s, analyse {p['analyse_s']:.2f} s")
        for ph in p["phases"]:
            print(f"  {ph['phase']:16s} {ph['s']:6.2f} s  RSS after {_gb(ph['VmRSS'])}, peak so far {_gb(ph['VmHWM'])}")
        print(f"  {'(flags, glue)':16s} {p['unwrapped_s']:6.2f} s")
    print(f"load at start {out['machine']['loadavg_at_start']}, at end {out['load_at_end']}")


if __name__ == "__main__":
    sys.exit(main())
