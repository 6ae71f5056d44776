"""``python -m bench``: run the benchmarks, one after the other (never at once: 2 cores), print one
table and write ``bench/results/latest.json``.

Columns: figure | value | reference (measured in the same run) | ratio | goal. Spread is
(max - min) / median over the repeats (3 warm demo runs; 3 rounds of the transition benchmark).

    python -m bench [--demo-runs 3] [--no-cold] [--home reuse|template|user] [--plans 20] [--rounds 3]
                    [--dashboard-db sqlite|postgresql|both] [--dashboard-requests 100]
                    [--only demo|transition|dashboard]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from typing import Any

from bench import dashboard, demo_time, transition_cost
from bench._common import RESULTS, machine


def _rows(res: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    rows = []
    demo = res.get("demo_time")
    if demo:
        w, fr = demo["warm_wall_s"], demo["flow_runs"]
        med = w["median"]
        goal = f"< {demo_time.GOAL_SECONDS:.0f} s: {'met' if demo['goal_met'] else 'NOT MET'}"
        if w["n"]:
            value, ref = f"{med:.1f} s (spread {w['spread']:.0%})", f"min {w['min']:.1f} / max {w['max']:.1f} s"
        else:
            value, ref = "n/a (no warm run succeeded)", "-"
        rows.append((f"demo wall, warm (median of {w['n']})", value, ref, "-", goal))
        cold = demo.get("cold")
        if cold and cold["ok"]:
            ratio = f"{cold['wall_s'] / med:.2f}x" if med else "-"
            ref = f"warm median {med:.1f} s" if med else "-"
            rows.append(("demo wall, cold (fresh Prefect home)", f"{cold['wall_s']:.1f} s", ref, ratio, "-"))
        failed = demo["failed_runs"]
        runs = f"{fr['median']:.0f} (min {fr['min']:.0f}, max {fr['max']:.0f})" if fr["n"] else "n/a"
        closed = "final_stage closed: " + (f"NO, FAILED: {', '.join(failed)}" if failed else "yes, every run")
        rows.append(("demo lifecycle flow runs per demo", runs, "-", "-", closed))
    tc = res.get("transition_cost")
    if tc:
        d, p, r, o = tc["direct_ms"], tc["prefect_ms"], tc["ratio"], tc["overhead_ms"]
        n = tc["rounds"]
        rows.append(
            (
                f"transition, direct services (median of {n})",
                f"{d['median']:.1f} ms",
                f"rounds {d['min']:.1f}-{d['max']:.1f} ms",
                "1.00x",
                "-",
            )
        )
        rows.append(
            (
                f"transition, Prefect flow run (median of {n})",
                f"{p['median']:.1f} ms",
                f"direct {d['median']:.1f} ms",
                f"{r['median']:.1f}x (spread {r['spread']:.0%})",
                "-",
            )
        )
        rows.append(
            (
                "Prefect overhead per transition",
                f"{o['median']:.0f} ms",
                f"rounds {o['min']:.0f}-{o['max']:.0f} ms",
                "-",
                "-",
            )
        )
        hb = tc["prefect_default_heartbeat_ms"]
        if hb["n"]:
            rows.append(
                (
                    "transition, Prefect, default heartbeat",
                    f"{hb['median']:.0f} ms",
                    f"heartbeat off {p['median']:.0f} ms",
                    f"{hb['median'] / p['median']:.1f}x",
                    "-",
                )
            )
        rows.append(("Prefect server start (SQLite, fresh home)", f"{tc['server_healthy_s']:.1f} s", "-", "-", "-"))
    if res.get("dashboard"):
        for figure, value, ref, ratio, goal, ok in dashboard.rows(res["dashboard"]):
            rows.append((figure, value, ref, ratio, goal if ok is None else f"{goal}: {'met' if ok else 'NOT MET'}"))
    return rows


def table(rows: list[tuple[str, str, str, str, str]]) -> str:
    head = ("figure", "value", "reference (same run)", "ratio", "goal")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(5)]
    fmt = " | ".join(f"{{:<{w}}}" for w in widths)
    line = "-+-".join("-" * w for w in widths)
    return "\n".join([fmt.format(*head), line, *(fmt.format(*r) for r in rows)])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    ap.add_argument("--demo-runs", type=int, default=3)
    ap.add_argument("--no-cold", action="store_true")
    ap.add_argument("--home", choices=sorted(demo_time.HOMES), default="reuse", help="see bench.demo_time")
    ap.add_argument("--plans", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--dashboard-db", choices=["sqlite", "postgresql", "both"], default="sqlite")
    ap.add_argument("--dashboard-requests", type=int, default=100, help="timed requests per page and run")
    ap.add_argument("--only", choices=["demo", "transition", "dashboard"])
    a = ap.parse_args(argv)
    started = time.monotonic()
    res: dict[str, Any] = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine()}
    if a.only in (None, "demo"):
        res["demo_time"] = demo_time.measure(a.demo_runs, cold=not a.no_cold, home=a.home)
    if a.only in (None, "transition"):
        res["transition_cost"] = transition_cost.measure(a.plans, a.rounds)
    if a.only in (None, "dashboard"):
        dbs = ["sqlite", "postgresql"] if a.dashboard_db == "both" else [a.dashboard_db]
        res["dashboard"] = dashboard.measure(dbs, requests=a.dashboard_requests)
    res["bench_wall_s"] = round(time.monotonic() - started, 1)
    print()
    if "demo_time" in res:
        print(demo_time.report(res["demo_time"]), end="\n\n")
    if "transition_cost" in res:
        print(transition_cost.report(res["transition_cost"]), end="\n\n")
    if "dashboard" in res:
        print(dashboard.report(res["dashboard"]), end="\n\n")
    print(table(_rows(res)))
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "latest.json"
    out.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    print(f"\n(bench took {res['bench_wall_s']:.0f} s; results in {out.relative_to(RESULTS.parent.parent)})")
    failed = res.get("demo_time", {}).get("failed_runs")
    if failed:
        print(f"FAILED demo runs: {', '.join(failed)} (see above)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
