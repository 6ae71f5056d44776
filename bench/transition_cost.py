"""Prefect's cost per stage transition, as a ratio to calling the same service functions directly.

Setup (untimed): a temporary SQLite database migrated to head, ``wake_flows`` off (no deployment runs
are started), and N plans created from examples/citizen-voice-workforce.yaml with distinct slugs.
Each plan is brought to the vision gate with every working-party member agreed (the demo's people:
two statements, then every member agrees), so one push makes exactly one transition, vision ->
evidence_survey, and opens the baseline survey (the next gate then blocks).

Timed, per plan, alternating between the two ways:
  direct:  the plan_lifecycle flow body with the Prefect machinery taken away: the tasks' own
           functions (do_stage_work.fn = stage_work.run, advance.fn = lifecycle.step, each in its
           own session_scope()) in the flow's loop, then status.plan_status (publish_status without
           its artifact): exactly the flow's calls and transactions;
  prefect: the plan_lifecycle flow function itself, a real flow run against a real Prefect server
           (flows.server.PrefectServer on SQLite, in a temporary PREFECT_HOME), with
           PREFECT_FLOWS_HEARTBEAT_FREQUENCY=None as in PREFECT-NOTES.md; 5 task runs and an artifact.
Wall time divided by the transitions made (checked: exactly 1 each way). The first plan of each way
in a round is a warm-up and is dropped. A few extra plans per round are pushed by the flow with
Prefect's default heartbeat (180 s), which is what served deployment runs use. The round is repeated
``--rounds`` times in this one process (one server, after ``--warmup`` untimed pushes); we report the
median of the per-round ratios and their spread ((max - min) / median).

    python -m bench.transition_cost [--plans 20] [--rounds 3] [--heartbeat-plans 3] [--settle 0.5]
                                    [--warmup 4] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._common import ROOT, machine, sigint_default, summary

EXAMPLE = ROOT / "examples" / "citizen-voice-workforce.yaml"


def _quiet_prefect_env(home: Path) -> None:
    """Before Prefect is imported: the same quiet settings the served deployments use, our own home."""
    from flows.server import QUIET_PREFECT

    os.environ.update(QUIET_PREFECT)
    os.environ["PREFECT_HOME"] = str(home)
    os.environ.pop("PREFECT_API_URL", None)


def _create_ready_plans(prefix: str, n: int) -> list[int]:
    """``n`` plans at vision whose gate passes (untimed)."""
    from flows.demo_people import People
    from plans.db import session_scope
    from plans.domain.gates import gate_reasons
    from plans.files import load_plan_file
    from plans.models import utcnow
    from plans.services import lifecycle
    from plans.services.actors import SYSTEM
    from plans.services.plan_setup import create_plan

    base = load_plan_file(EXAMPLE)
    ids = []
    for i in range(n):
        spec = base.model_copy(update={"plan": base.plan.model_copy(update={"slug": f"{prefix}-{i:03d}"})})
        with session_scope() as s:
            plan = create_plan(s, spec=spec, actor=SYSTEM, now=utcnow())
            plan_id, coordinator_id = plan.id, plan.coordinator_id
        People(plan_id, coordinator_id).agree_vision()
        with session_scope() as s:
            blocked = gate_reasons(lifecycle.facts_for(s, plan_id, utcnow()))
        if blocked:
            raise SystemExit(f"transition_cost: plan {plan_id} is not ready to move: {blocked}")
        ids.append(plan_id)
    return ids


def push_direct(plan_id: int) -> int:
    """The flow's body without Prefect: its tasks' own functions (``.fn``, each opens its session), and
    the status query of publish_status without the artifact; returns the number of transitions made."""
    from flows.lifecycle import MAX_MOVES, advance, do_stage_work
    from plans.db import session_scope
    from plans.models import utcnow
    from plans.services import status

    moves = 0
    done: list[str] = []
    for _ in range(MAX_MOVES):
        done += do_stage_work.fn(plan_id)
        result = advance.fn(plan_id)
        if not result["moved"]:
            break
        moves += 1
    with session_scope() as s:
        status.plan_status(s, plan_id=plan_id, now=utcnow())
    return moves


def push_prefect(plan_id: int) -> int:
    """One real run of the plan_lifecycle flow; returns the number of transitions it reports."""
    from flows.lifecycle import plan_lifecycle

    result = plan_lifecycle(plan_id)
    return sum(1 for d in result["done"] if d.startswith("moved from "))


def _timed(fn: Any, plan_id: int) -> tuple[float, int]:
    t = time.perf_counter()
    moves = fn(plan_id)
    return time.perf_counter() - t, moves


def _check_moved(plan_id: int, moves: int, how: str) -> None:
    from plans.db import session_scope
    from plans.repositories.plans import PlanRepository

    with session_scope() as s:
        stage = PlanRepository(s).get(plan_id).stage.value  # type: ignore[union-attr]
    if moves != 1 or stage != "evidence_survey":
        raise SystemExit(f"transition_cost: {how} push of plan {plan_id} made {moves} moves, ended at {stage}")


def measure_round(r: int, n: int, hb_plans: int, settle: float, echo: Any) -> dict[str, Any]:
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    ids = _create_ready_plans(f"bench-r{r}", n + hb_plans)
    times: dict[str, list[float]] = {"direct": [], "prefect": [], "prefect_default_heartbeat": []}
    seen = {"direct": 0, "prefect": 0}
    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        for i, plan_id in enumerate(ids[:n]):
            how = "direct" if i % 2 == 0 else "prefect"
            time.sleep(settle)  # let the Prefect server finish recording the previous run
            secs, moves = _timed(push_direct if how == "direct" else push_prefect, plan_id)
            _check_moved(plan_id, moves, how)
            seen[how] += 1
            if seen[how] > 1:  # the first of each way is a warm-up
                times[how].append(secs * 1000 / moves)
    for plan_id in ids[n:]:  # the heartbeat default (None is not in force here)
        time.sleep(settle)
        secs, moves = _timed(push_prefect, plan_id)
        _check_moved(plan_id, moves, "prefect (default heartbeat)")
        times["prefect_default_heartbeat"].append(secs * 1000 / moves)
    d, p = summary(times["direct"]), summary(times["prefect"])
    hb = summary(times["prefect_default_heartbeat"])
    out = {
        "round": r + 1,
        "loadavg_1min": round(os.getloadavg()[0], 2),
        "direct_ms": d,
        "prefect_ms": p,
        "prefect_default_heartbeat_ms": hb,
        "ratio": p["median"] / d["median"],
        "overhead_ms": p["median"] - d["median"],
        "samples_ms": {k: [round(v, 1) for v in vs] for k, vs in times.items()},
    }
    echo(
        f"  round {r + 1}: direct {d['median']:.1f} ms, prefect {p['median']:.1f} ms per transition "
        f"-> ratio {out['ratio']:.1f}x, overhead {out['overhead_ms']:.0f} ms"
        + (f"; default heartbeat {hb['median']:.0f} ms" if hb["n"] else "")
        + f" (load {out['loadavg_1min']})"
    )
    return out


def warm_up(n: int) -> None:
    """Untimed flow runs before round 1: the server's and the client's first-call costs."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        for i, plan_id in enumerate(_create_ready_plans("bench-warmup", n)):
            (push_prefect if i % 2 == 0 else push_direct)(plan_id)


def measure(
    plans: int = 20, rounds: int = 3, hb_plans: int = 3, settle: float = 0.5, warmup: int = 4, echo: Any = print
) -> dict[str, Any]:
    sigint_was_ignored = sigint_default()
    tmp = Path(tempfile.mkdtemp(prefix="bench-transition-"))
    _quiet_prefect_env(tmp / "client-home")
    from flows.server import PrefectServer, free_port
    from plans.config import settings
    from plans.migrations import upgrade

    db_url = f"sqlite:///{tmp / 'coproduce.db'}"
    settings.database_url, settings.wake_flows = db_url, False
    upgrade(db_url)
    server = PrefectServer(tmp / "prefect-home", free_port(4200), tmp / "prefect-server.log", ui=False)
    res: dict[str, Any] = {
        "machine": machine(),
        "plans_per_round": plans,
        "rounds": rounds,
        "settle_s": settle,
        "transitions_per_push": 1,
        "task_runs_per_flow_run": 5,
        "sigint_was_ignored": sigint_was_ignored,
    }
    try:
        t0 = time.monotonic()
        server.start()
        server.wait_healthy()
        res["server_healthy_s"] = round(time.monotonic() - t0, 1)
        echo(
            f"transition_cost: Prefect server healthy after {res['server_healthy_s']} s; "
            f"{rounds} rounds of {plans} plans (+{hb_plans} with the default heartbeat)"
        )
        import prefect
        from prefect.settings import PREFECT_API_URL, temporary_settings

        res["prefect_version"] = prefect.__version__
        with temporary_settings({PREFECT_API_URL: server.api_url}):
            warm_up(warmup)
            res["per_round"] = [measure_round(r, plans, hb_plans, settle, echo) for r in range(rounds)]
    finally:
        server.stop()
        if server.running():
            echo("transition_cost: WARNING the Prefect server did not stop")
        shutil.rmtree(tmp, ignore_errors=True)
    per = res["per_round"]
    res["ratio"] = summary([x["ratio"] for x in per])
    res["overhead_ms"] = summary([x["overhead_ms"] for x in per])
    res["direct_ms"] = summary([x["direct_ms"]["median"] for x in per])
    res["prefect_ms"] = summary([x["prefect_ms"]["median"] for x in per])
    hb = [x["prefect_default_heartbeat_ms"]["median"] for x in per if x["prefect_default_heartbeat_ms"]["n"]]
    res["prefect_default_heartbeat_ms"] = summary(hb)
    return res


def rows(res: dict[str, Any]) -> list[tuple[str, str, str, str, str, bool | None]]:
    """(figure, value, reference, ratio, goal, goal met) for ``python -m bench``'s table (no goal was set)."""
    d, p, r, o = res["direct_ms"], res["prefect_ms"], res["ratio"], res["overhead_ms"]
    n = res["rounds"]
    out: list[tuple[str, str, str, str, str, bool | None]] = [
        (
            f"transition, direct services (median of {n} rounds)",
            f"{d['median']:.1f} ms",
            f"rounds {d['min']:.1f}-{d['max']:.1f} ms",
            "1.00x",
            "-",
            None,
        ),
        (
            f"transition, Prefect flow run (median of {n} rounds)",
            f"{p['median']:.1f} ms",
            f"direct {d['median']:.1f} ms",
            f"{r['median']:.1f}x (spread {r['spread']:.0%})",
            "-",
            None,
        ),
        (
            "Prefect overhead per transition",
            f"{o['median']:.0f} ms",
            f"rounds {o['min']:.0f}-{o['max']:.0f} ms",
            "-",
            "-",
            None,
        ),
    ]
    hb = res["prefect_default_heartbeat_ms"]
    if hb["n"]:
        out.append(
            (
                "transition, Prefect, default heartbeat",
                f"{hb['median']:.0f} ms",
                f"heartbeat off {p['median']:.0f} ms",
                f"{hb['median'] / p['median']:.1f}x",
                "-",
                None,
            )
        )
    out.append(("Prefect server start (SQLite, fresh home)", f"{res['server_healthy_s']:.1f} s", "-", "-", "-", None))
    return out


def report(res: dict[str, Any]) -> str:
    r, o = res["ratio"], res["overhead_ms"]
    d, p, hb = res["direct_ms"], res["prefect_ms"], res["prefect_default_heartbeat_ms"]
    lines = [
        f"Prefect cost per stage transition (vision -> evidence_survey; prefect {res.get('prefect_version')}, "
        f"{res['rounds']} rounds x {res['plans_per_round']} plans, warm-ups dropped)",
        f"  direct   median {d['median']:.1f} ms/transition (rounds {d['min']:.1f}-{d['max']:.1f})",
        f"  prefect  median {p['median']:.1f} ms/transition (rounds {p['min']:.1f}-{p['max']:.1f}), heartbeat off",
        f"  ratio    median {r['median']:.1f}x (rounds {r['min']:.1f}-{r['max']:.1f}x, spread {r['spread']:.0%})",
        f"  overhead median {o['median']:.0f} ms/transition (rounds {o['min']:.0f}-{o['max']:.0f}); "
        f"{o['median'] / res['task_runs_per_flow_run']:.0f} ms per task run if spread over the flow's 5 tasks",
    ]
    if hb["n"]:
        lines.append(f"  prefect with the default heartbeat (as served runs): median {hb['median']:.0f} ms/transition")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.transition_cost", description=__doc__.split("\n")[0])
    ap.add_argument("--plans", type=int, default=20, help="plans per round, half each way (default 20)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--heartbeat-plans", type=int, default=3, help="extra flow runs with the default heartbeat")
    ap.add_argument("--settle", type=float, default=0.5, help="seconds of quiet before each push (default 0.5)")
    ap.add_argument("--warmup", type=int, default=4, help="untimed pushes before round 1 (default 4)")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args(argv)
    if a.plans < 4:
        ap.error("--plans must be at least 4 (one warm-up each way)")
    res = measure(a.plans, a.rounds, a.heartbeat_plans, a.settle, a.warmup)
    print(report(res))
    if a.json:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(json.dumps(res, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
