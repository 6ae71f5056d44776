"""Wall time of ``coproduce demo``, the whole example plan from vision to closed, end to end.

What is measured: the wall time of ``python -m api.cli demo --out TMP`` as a subprocess, from spawn to
exit, so it includes interpreter start, imports, starting the Prefect server and the flow server,
every lifecycle flow run, and stopping everything. Each run's ``summary.json`` is checked: it must
exist and say ``final_stage == "closed"`` (the benchmark fails otherwise); the number of lifecycle
flow runs and the demo's own in-process ``wall_seconds`` are reported alongside.

How: the "cold" run gets a fresh data directory (``COPRODUCE_DATA_DIR``, where the demo keeps its
Prefect home), so Prefect creates and migrates its database. Then ``--runs`` (default 3) "warm" runs
reuse that home, as every ``coproduce demo`` after the first does (``--home reuse``, the default).
``--home template`` gives each warm run instead a copy of a home that is migrated but holds no runs
(isolates the runs from each other; before plans had a uid, reuse failed because plan 1's idempotency
keys repeated). ``--home user`` uses the real default data dir. The goal (under 60 s) applies to the
warm median. Each run's wall time is split by the demo's stdout milestones (start-up, server
healthy, plan closed, stopping servers). A run that fails (non-zero exit, no summary.json, or
final_stage not "closed") is reported loudly with its last lines, its folder is kept, the remaining
runs still go ahead, and the exit status is 1. After each run, processes carrying the benchmark's
marker in their environment are reported and stopped. SIGINT is given its default handling first
(see ``sigint_default``), so the demo stops its servers as it does in a terminal.

    python -m bench.demo_time [--runs 3] [--no-cold] [--home reuse|template|user] [--keep] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from bench._common import ROOT, machine, reap_leftovers, sigint_default, summary

GOAL_SECONDS = 60.0
RUN_TIMEOUT = 600.0
HOMES = {
    "reuse": "the cold run's Prefect home, reused (as every demo after the first)",
    "template": "each warm run gets a copy of a migrated Prefect home with no runs in it",
    "user": "the user's default data dir",
}


def _template_home(marker: str) -> Path:
    """A data dir whose Prefect home is migrated but holds no runs: start the server once, stop it."""
    from flows.server import PrefectServer, free_port

    data_dir = Path(tempfile.mkdtemp(prefix="bench-template-"))
    server = PrefectServer(data_dir / "prefect", free_port(4200), data_dir / "server.log", ui=False)
    server.env["COPRODUCE_BENCH_RUN"] = marker
    try:
        server.start()
        server.wait_healthy()
    finally:
        server.stop()
    (data_dir / "server.log").unlink(missing_ok=True)
    return data_dir


def _phases(lines: list[tuple[float, str]], wall: float) -> dict[str, float | None]:
    """Seconds from spawn to the demo's milestones (its stdout lines), and from its last line to exit."""

    def at(text: str) -> float | None:
        return next((round(t, 1) for t, line in lines if text in line), None)

    done = at("The plan reached")
    return {
        "first_output": at("Starting a Prefect server"),
        "server_healthy": at("healthy after"),
        "deployments_served": at("deployments served after"),
        "plan_created": at("Created plan"),
        "summary_printed": done,
        "exit_after_summary": round(wall - done, 1) if done is not None else None,
    }


def run_once(label: str, data_dir: Path | None, marker: str, keep: bool = False) -> dict[str, Any]:
    """One ``coproduce demo`` subprocess; returns its timings and what summary.json says."""
    out = Path(tempfile.mkdtemp(prefix="bench-demo-"))
    env = {**os.environ, "COPRODUCE_BENCH_RUN": marker}
    env.pop("COPRODUCE_DATABASE_URL", None)  # the demo sets its own database in --out
    env.pop("PREFECT_API_URL", None)
    if data_dir is not None:
        env["COPRODUCE_DATA_DIR"] = str(data_dir)
    argv = [sys.executable, "-m", "api.cli", "demo", "--out", str(out)]
    lines: list[tuple[float, str]] = []
    try:
        started = time.monotonic()
        proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

        def read() -> None:
            assert proc.stdout is not None
            for raw in proc.stdout:
                lines.append((time.monotonic() - started, raw.decode(errors="replace").rstrip()))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            rc = proc.wait(RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGINT)  # the demo stops its servers on SIGINT
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
            rc = -1
        wall = time.monotonic() - started
        reader.join(10)
        leftovers = reap_leftovers(marker)
        text = "\n".join(f"[{t:6.1f}] {line}" for t, line in lines)
        (out / "demo-stdout.log").write_text(text, encoding="utf-8")
        summary_path = out / "summary.json"
        data = json.loads(summary_path.read_text(encoding="utf-8")) if summary_path.exists() else {}
        if rc != 0 or data.get("final_stage") != "closed":
            failed_dir = Path(tempfile.mkdtemp(prefix="bench-demo-failed-"))
            shutil.copytree(out, failed_dir, dirs_exist_ok=True)
            why = f"exit {rc}, final_stage {data.get('final_stage')!r}"
            return {
                "label": label,
                "ok": False,
                "wall_s": round(wall, 2),
                "why": why,
                "kept": str(failed_dir),
                "tail": [line for _, line in lines[-6:]],
                "leftover_processes": leftovers,
            }
        runs = data.get("flow_runs", [])
        states: dict[str, int] = {}
        for r in runs:
            states[str(r.get("final_state"))] = states.get(str(r.get("final_state")), 0) + 1
        phases = _phases(lines, wall)
        if phases["summary_printed"] is not None and phases["first_output"] is not None and data.get("wall_seconds"):
            # the demo's clock stops before it stops its servers; the summary line comes after that
            phases["plan_closed"] = round(phases["first_output"] + data["wall_seconds"], 1)
            phases["stopping_servers"] = round(phases["summary_printed"] - phases["plan_closed"], 1)
        kept = None
        if keep:
            kept = tempfile.mkdtemp(prefix=f"bench-demo-{label.replace(' ', '')}-")
            shutil.copytree(out, kept, dirs_exist_ok=True)
        return {
            "label": label,
            "ok": True,
            "kept": kept,
            "wall_s": round(wall, 2),
            "demo_wall_s": data.get("wall_seconds"),
            "phases_s": phases,
            "flow_runs": len(runs),
            "flow_run_states": states,
            "final_stage": data["final_stage"],
            "stages_entered": len(data.get("stages", [])),
            "leftover_processes": leftovers,
            "stdout": [f"[{t:6.1f}] {line}" for t, line in lines if line.strip()][:40],
        }
    finally:
        shutil.rmtree(out, ignore_errors=True)


def measure(
    runs: int = 3, cold: bool = True, home: str = "reuse", keep: bool = False, echo: Any = print
) -> dict[str, Any]:
    """A cold run (fresh Prefect home) if asked, then ``runs`` warm runs; returns the results."""
    marker = f"bench-{uuid.uuid4().hex}"
    sigint_was_ignored = sigint_default()
    made: list[Path] = []
    results: dict[str, Any] = {
        "goal": f"warm median under {GOAL_SECONDS:.0f} s",
        "machine": machine(),
        "home": HOMES[home],
        "sigint_was_ignored": sigint_was_ignored,
    }
    try:
        shared = None
        if home != "user":
            shared = Path(tempfile.mkdtemp(prefix="bench-data-"))
            made.append(shared)
        if cold and home != "user":
            echo("demo_time: cold run (fresh Prefect home: its migrations included) ...")
            results["cold"] = run_once("cold", shared, marker, keep)
            echo(_line(results["cold"]))
        template = None
        if home == "template":
            template = _template_home(marker)
            made.append(template)
        warm = []
        for i in range(runs):
            data_dir = shared
            if template is not None:
                data_dir = Path(tempfile.mkdtemp(prefix="bench-data-"))
                made.append(data_dir)
                shutil.copytree(template, data_dir, dirs_exist_ok=True)
            echo(f"demo_time: warm run {i + 1}/{runs} ...")
            warm.append(run_once(f"warm {i + 1}", data_dir, marker, keep))
            echo(_line(warm[-1]))
        results["warm"] = warm
        ok = [r for r in warm if r["ok"]]
        results["failed_runs"] = [r["label"] for r in [results.get("cold"), *warm] if r and not r["ok"]]
        results["failures"] = [f"demo run '{label}' failed" for label in results["failed_runs"]]
        results["warm_wall_s"] = summary([r["wall_s"] for r in ok])
        results["flow_runs"] = summary([float(r["flow_runs"]) for r in ok])
        med = results["warm_wall_s"]["median"]
        results["goal_met"] = med is not None and med < GOAL_SECONDS and not results["failed_runs"]
    finally:
        for d in made:
            shutil.rmtree(d, ignore_errors=True)
    return results


def _line(r: dict[str, Any]) -> str:
    extra = f"; LEFT RUNNING (stopped now): {r['leftover_processes']}" if r["leftover_processes"] else ""
    if not r["ok"]:
        tail = "\n".join(f"           | {line}" for line in r["tail"])
        head = f"  {r['label']:>7}: FAILED after {r['wall_s']:.1f} s ({r['why']}); folder kept in {r['kept']}"
        return f"{head}{extra}\n{tail}"
    ph = r["phases_s"]
    return (
        f"  {r['label']:>7}: {r['wall_s']:5.1f} s wall = first output at {ph['first_output']} s, Prefect healthy "
        f"at {ph['server_healthy']}, deployments served at {ph['deployments_served']}, plan closed at "
        f"{ph.get('plan_closed')}, stopping servers {ph.get('stopping_servers')} s, exit "
        f"{ph['exit_after_summary']} s later; {r['flow_runs']} flow runs "
        f"{r['flow_run_states']}, final_stage={r['final_stage']}{extra}"
        + (f"; kept in {r['kept']}" if r.get("kept") else "")
    )


def rows(res: dict[str, Any]) -> list[tuple[str, str, str, str, str, bool | None]]:
    """(figure, value, reference, ratio, goal, goal met) for ``python -m bench``'s table."""
    out: list[tuple[str, str, str, str, str, bool | None]] = []
    w, fr = res["warm_wall_s"], res["flow_runs"]
    med = w["median"]
    goal = f"< {GOAL_SECONDS:.0f} s"
    if w["n"]:
        value, ref = f"{med:.1f} s (spread {w['spread']:.0%})", f"min {w['min']:.1f} / max {w['max']:.1f} s"
    else:
        value, ref = "n/a (no warm run succeeded)", "-"
    out.append((f"demo wall, warm (median of {w['n']})", value, ref, "-", goal, res["goal_met"]))
    cold = res.get("cold")
    if cold and cold["ok"]:
        ratio = f"{cold['wall_s'] / med:.2f}x" if med else "-"
        ref = f"warm median {med:.1f} s" if med else "-"
        out.append(("demo wall, cold (fresh Prefect home)", f"{cold['wall_s']:.1f} s", ref, ratio, "-", None))
    failed = res["failed_runs"]
    runs = f"{fr['median']:.0f} (min {fr['min']:.0f}, max {fr['max']:.0f})" if fr["n"] else "n/a"
    closed = "plan closed, every run" if not failed else f"plan closed, every run (FAILED: {', '.join(failed)})"
    out.append(("demo lifecycle flow runs per demo", runs, "-", "-", closed, not failed))
    return out


def report(res: dict[str, Any]) -> str:
    s = res["warm_wall_s"]
    lines = [f"coproduce demo wall time; warm runs: {res['home']}; goal: {res['goal']}"]
    if "cold" in res:
        lines.append(_line(res["cold"]))
    lines += [_line(r) for r in res["warm"]]
    if s["n"]:
        lines.append(
            f"  warm median {s['median']:.1f} s of {s['n']} (min {s['min']:.1f}, max {s['max']:.1f}, "
            f"spread {s['spread']:.0%}) -> goal {'MET' if res['goal_met'] else 'NOT MET'}"
        )
    if res["failed_runs"]:
        lines.append(f"  FAILED RUNS: {', '.join(res['failed_runs'])}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.demo_time", description=__doc__.split("\n")[0])
    p.add_argument("--runs", type=int, default=3, help="warm runs (default 3)")
    p.add_argument("--no-cold", action="store_true", help="skip the cold run")
    p.add_argument(
        "--home",
        choices=sorted(HOMES),
        default="reuse",
        help="Prefect home of the warm runs: " + "; ".join(f"{k}: {v}" for k, v in HOMES.items()),
    )
    p.add_argument("--keep", action="store_true", help="keep every run's folder (logs, database) in TMPDIR")
    p.add_argument("--json", type=Path, help="also write the results here")
    a = p.parse_args(argv)
    res = measure(a.runs, cold=not a.no_cold, home=a.home, keep=a.keep)
    print(report(res))
    if a.json:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(json.dumps(res, indent=2), encoding="utf-8")
    return 1 if res["failed_runs"] else 0


if __name__ == "__main__":
    sys.exit(main())
