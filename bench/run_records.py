"""What Prefect recorded about a benchmark's flow runs, turned into its figures: each run's queue, launch,
execution, the time inside our tasks and Prefect's overhead (definitions in bench/throughput.py), what
each lifecycle run did (from the status artifact it publishes) and which decision woke it."""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Any


def read_all(read: Any) -> list[Any]:
    """Every object a paged Prefect read returns."""
    out, offset = [], 0
    while True:
        page = read(limit=200, offset=offset)
        out += page
        if len(page) < 200:
            return out
        offset += 200


def run_times(runs: list[Any], tasks: list[Any]) -> dict[str, dict[str, float]]:
    """Per top-level flow run: queue, launch, execution, work and overhead (see the module docstring)."""
    from prefect import get_client

    by_task = {t.id: t for t in tasks}
    parent: dict[Any, Any] = {}  # a subflow run -> the flow run its parent task belongs to
    for r in runs:
        if r.parent_task_run_id in by_task:
            parent[r.id] = by_task[r.parent_task_run_id].flow_run_id
    subflow_tasks = {r.parent_task_run_id for r in runs if r.parent_task_run_id}

    def root(run_id: Any) -> Any:
        while run_id in parent:
            run_id = parent[run_id]
        return run_id

    work: Counter[Any] = Counter()
    for t in tasks:
        if t.id not in subflow_tasks and t.start_time and t.end_time and t.flow_run_id:
            work[root(t.flow_run_id)] += (t.end_time - t.start_time).total_seconds()
    out = {}
    with get_client(sync_client=True) as client:
        for r in runs:
            if r.id in parent or r.start_time is None or r.end_time is None:
                continue
            states = client.read_flow_run_states(r.id)
            pending = min((s.timestamp for s in states if s.type.value == "PENDING"), default=r.start_time)
            scheduled = r.expected_start_time or r.created
            out[str(r.id)] = {
                "queue": (pending - scheduled).total_seconds(),
                "launch": (r.start_time - pending).total_seconds(),
                "execution": (r.end_time - r.start_time).total_seconds(),
                "latency": (r.end_time - scheduled).total_seconds(),
                "work": work[r.id],
            }
            out[str(r.id)]["overhead"] = out[str(r.id)]["launch"] + out[str(r.id)]["execution"] - work[r.id]
    return out


def _sum(times: dict[str, dict[str, float]], ids: list[str], key: str) -> float:
    return sum(times[i][key] for i in ids if i in times)


def _median(times: dict[str, dict[str, float]], ids: list[str], key: str) -> float | None:
    vals = [times[i][key] for i in ids if i in times]
    return statistics.median(vals) if vals else None


def _event_kind(cause: str) -> str:
    """The audit event a wake-up's key names (``event-N``), as its kind; else the key itself."""
    from plans.db import session_scope
    from plans.models import AuditEvent

    head, _, n = cause.partition("-")
    if head != "event" or not n.isdigit():
        return cause
    with session_scope() as s:
        event = s.get(AuditEvent, int(n))
        return event.kind if event is not None else cause


def _transitions(plan_ids: list[int]) -> dict[int, int]:
    from plans.db import session_scope
    from plans.repositories.plans import PlanRepository

    with session_scope() as s:
        return {pid: len(PlanRepository(s).entries(pid)) - 1 for pid in plan_ids}


def figures(
    plan_ids: list[int],
    runs: list[Any],
    tasks: list[Any],
    times: dict[str, dict[str, float]],
    deployments: dict[Any, str],
    status: dict[Any, str],
    idle_ids: list[str],
    probe_ids: list[str],
) -> dict[str, Any]:
    """The benchmark's figures from Prefect's records and the plans' stage history."""
    from plans.db import session_scope
    from plans.repositories.plans import PlanRepository

    top = [r for r in runs if r.deployment_id is not None]
    by_dep = Counter(deployments.get(r.deployment_id, "?") for r in top)
    states = Counter(r.state.type.value if r.state else "NONE" for r in runs)
    life = [r for r in top if deployments.get(r.deployment_id) == "plan-lifecycle"]
    life_ids = [str(r.id) for r in life]
    transitions = _transitions(plan_ids)
    total = sum(transitions.values())
    with session_scope() as s:
        stages = Counter(p.stage.value for p in PlanRepository(s).list_by_ids(plan_ids))
    # what each run did, from the status artifact it publishes ("## This run": the moves and the stage
    # work), and why it was started (its idempotency key: created, event-N, survey-N-answered, ...)
    idle_kinds: Counter[str] = Counter()
    work_only: Counter[str] = Counter()
    listing = []
    for r in sorted(life, key=lambda r: (r.parameters.get("plan_id", 0), r.expected_start_time)):
        text = status.get(r.id, "")
        this_run = text.partition("## This run")[2].partition("## Waiting for")[0]
        done = [line[2:] for line in this_run.splitlines() if line.startswith("- ")]
        moved = sum(1 for d in done if d.startswith("moved from "))
        uid = next((t.removeprefix("plan-uid:") for t in r.tags if t.startswith("plan-uid:")), "")
        why = _event_kind((r.idempotency_key or "").removeprefix(f"plan-{uid}-"))
        if not done:
            idle_kinds[why] += 1
        elif not moved:
            work_only[why] += 1
        t = {k: round(v, 2) for k, v in times.get(str(r.id), {}).items()}
        listing.append({"plan": r.parameters.get("plan_id"), "why": why, "done": done, **t})
    over = _sum(times, life_ids, "overhead")
    bare_load, bare_idle = _median(times, probe_ids, "overhead"), _median(times, idle_ids, "overhead")
    per_t = over / total if total else None
    latency_t = _sum(times, life_ids, "latency") / total if total else None
    bad = {k: v for k, v in states.items() if k not in ("COMPLETED",)}
    return {
        "closed": stages.get("closed", 0),
        "stages_at_end": dict(stages),
        "transitions": total,
        "transitions_per_plan": dict(Counter(transitions.values())),
        "flow_runs_by_deployment": dict(by_dep),
        "subflow_runs": len(runs) - len(top),
        "task_runs": len(tasks),
        "run_states": dict(states),
        "not_completed": bad,
        "lifecycle_runs_that_did_nothing": dict(idle_kinds),
        "lifecycle_runs_with_work_but_no_move": dict(work_only),
        "lifecycle_runs": listing,
        "lifecycle": {
            k: {"sum": round(_sum(times, life_ids, k), 1), "median": _median(times, life_ids, k)}
            for k in ("queue", "launch", "execution", "work", "overhead", "latency")
        },
        "bare_idle": {k: _median(times, idle_ids, k) for k in ("queue", "launch", "execution", "overhead", "latency")},
        "bare_under_load": {
            "n": len(probe_ids),
            **{k: _median(times, probe_ids, k) for k in ("queue", "launch", "execution", "overhead", "latency")},
        },
        "overhead_per_transition_s": per_t,
        "latency_per_transition_s": latency_t,
        "ratio_under_load": per_t / bare_load if per_t and bare_load else None,
        "ratio_idle": per_t / bare_idle if per_t and bare_idle else None,
        "latency_ratio_under_load": (
            latency_t / _median(times, probe_ids, "latency") if latency_t and probe_ids else None
        ),
        "runs_per_transition": len(life) / total if total else None,
    }
