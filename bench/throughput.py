"""Lifecycle throughput: N plans driven from vision to closed at once by simulated people, on the
production shape (bench.cluster: a Prefect server on PostgreSQL, the app on PostgreSQL, a process work
pool ``coproduce`` and ``--workers`` workers pulling from it).

    python -m bench.throughput [--plans 200] [--workers 2] [--limit 4] [--threads 4] [--bare-runs 10]
                               [--probe-every 20] [--timeout S] [--patient] [--keep-logs] [--json PATH]

What happens. N plans are created from examples/citizen-voice-workforce.yaml with distinct slugs and no
staff list (each survey's answers are recorded by the coordinator in one batch: the per-person intake is
benchmarked by bench.intake, and 750 transactions per survey per plan would make this a benchmark of
the driver). The people of flows/demo_steps.py (the script ``coproduce demo`` follows) then act on
every plan at once: one thread sweeps the plans and, for each plan whose next step is ready, hands the
step to a pool of ``--threads`` threads. People only record decisions through the services, with
``wake_flows`` on and PREFECT_API_URL set, so each decision that lets a plan move starts a run of the
plan-lifecycle deployment exactly as the web app does; the workers run them. Nothing else moves a plan.
The production schedules are off (``schedules=False``): a reconcile run would only add noise here.
Simulated people act the moment a plan is ready, faster than a run's process starts (10-20 s under
load), so a run often does what the next decision asked for and the last wake-ups find nothing left;
``--patient`` people act only while no lifecycle run of their plan is in flight, as people who take
hours do, so that each run does what its own wake-up was for (each run's "This run" lines, from the
status artifact it publishes, and the audit event that woke it are in the JSON's ``lifecycle_runs``).

Before the plans, ``--bare-runs`` runs of bench/bare_flow.py (a flow that does nothing, deployed to the
same pool) are made one after the other on the idle cluster; during the drive a bare run is started
every ``--probe-every`` seconds, so the reference also exists under the same load.

Definitions (every time from Prefect's own records of each flow run and task run):
  queue      = Scheduled -> Pending: waiting for a worker to take the run (a capacity effect: runs
               queue behind ``workers x limit`` slots; reported, not counted as overhead);
  launch     = Pending -> Running: the worker starts a Python process, which imports Prefect and the
               flow and reports Running;
  execution  = Running -> end of the run;
  work       = the summed durations of the run's leaf task runs (stage work, the analysis' tasks,
               advance, publish-status): the time spent inside our code;
  overhead   = launch + execution - work, for one run: what Prefect adds around our code (the process,
               the state changes, the task runs' bookkeeping, the subflow);
  overhead per transition = the sum of every lifecycle run's overhead / the stage transitions made
               (counted from the plans' stage history: entries after the first);
  bare run   = launch + execution of a bare flow run (it has no work: all of it is overhead).
The figure the goal applies to: overhead per transition / the median bare run under load (the probes
started during the drive), goal at most 2x: moving a plan one stage costs Prefect at most two empty
flow runs. Also reported: the same against the idle bare runs, and the latency a person sees per
transition (scheduled -> end of each lifecycle run, summed, / transitions) against a bare run's.

Asserted (exit status 1 otherwise): every plan closed within ``--timeout``; no flow run failed or
crashed; every flow run ended. Figures are noisy on a shared 2-core machine: run it on a quiet one.
The CPU each part used (server, workers with their flow-run processes, this driver) is read from /proc
and turned into a projection for 200 plans on this machine's cores.
"""

from __future__ import annotations

import argparse
import contextvars
import json
import os
import resource
import sys
import threading
import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import bare_flow
from bench._common import ROOT, machine
from bench.cluster import cluster
from bench.run_records import figures, read_all, run_times

EXAMPLE = ROOT / "examples" / "citizen-voice-workforce.yaml"
GOAL_RATIO = 2.0


@dataclass
class Driven:
    """One plan, its people, and the next step of the script they take."""

    plan_id: int
    people: Any
    step: int = 0
    busy: bool = False
    done_at: float | None = None
    failures: list[str] = field(default_factory=list)


def create_plans(n: int, prefix: str) -> list[Driven]:
    """``n`` plans from the example with distinct slugs (their creation wakes runs, as the app's does)."""
    from flows.demo_people import People
    from plans.db import session_scope
    from plans.files import load_plan_file
    from plans.models import utcnow
    from plans.services.actors import SYSTEM
    from plans.services.plan_setup import create_plan

    base = load_plan_file(EXAMPLE)
    out = []
    for i in range(n):
        spec = base.model_copy(update={"plan": base.plan.model_copy(update={"slug": f"{prefix}-{i:04d}"})})
        with session_scope() as s:
            plan = create_plan(s, spec=spec, actor=SYSTEM, now=utcnow())
            plan_id, coordinator_id = plan.id, plan.coordinator_id
        out.append(Driven(plan_id, People(plan_id, coordinator_id, seed=7 + i)))
    return out


def drive(plans: list[Driven], *, threads: int, timeout: float, poll: float, echo: Any, patient: bool = False) -> float:
    """Sweep the plans until every one is closed: a plan whose next step is ready gets it done by the
    pool. ``patient`` people act only while no lifecycle run of the plan is in flight, as people who
    take hours would (so each run does what its own wake-up asked for). Returns the wall seconds from
    the first sweep until the last plan closed."""
    from flows.demo_steps import STEPS, is_ready
    from plans import orchestration
    from plans.db import session_scope
    from plans.domain.stages import Stage
    from plans.models import utcnow
    from plans.repositories.plans import PlanRepository

    def act(d: Driven) -> None:
        try:
            STEPS[d.step].act(d.people)
            d.step += 1
        except Exception as exc:  # recorded, and the step is tried again on a later sweep
            d.failures.append(f"step {d.step} ({STEPS[d.step].waiting_for}): {type(exc).__name__}: {exc}")
        finally:
            d.busy = False

    by_id = {d.plan_id: d for d in plans}
    started = time.monotonic()
    last_echo = started
    futures: list[Future[None]] = []
    with ThreadPoolExecutor(threads, thread_name_prefix="people") as pool:
        while True:
            now = time.monotonic()
            if now - started > timeout:
                raise TimeoutError(f"throughput: not every plan closed within {timeout:.0f} s")
            in_flight = {r.plan_uid for r in orchestration.lifecycle_runs_in_flight(utcnow())} if patient else set()
            with session_scope() as s:
                for plan in PlanRepository(s).list_by_ids(list(by_id)):
                    d = by_id[plan.id]
                    if plan.stage is Stage.CLOSED and d.done_at is None:
                        d.done_at = now - started
                    if d.busy or d.step >= len(STEPS) or len(d.failures) > 3 or plan.uid in in_flight:
                        continue
                    if is_ready(s, plan, STEPS[d.step]):
                        d.busy = True
                        # the thread sees this thread's Prefect settings (PREFECT_API_URL) for its wake-ups
                        futures.append(pool.submit(contextvars.copy_context().run, act, d))
            stuck = [d for d in plans if len(d.failures) > 3]
            if stuck:
                raise RuntimeError(f"throughput: plan {stuck[0].plan_id} failed: {stuck[0].failures}")
            closed = sum(1 for d in plans if d.done_at is not None)
            if closed == len(plans):
                return max(d.done_at or 0 for d in plans)
            if now - last_echo > 30:
                at = Counter(d.step for d in plans)
                echo(f"  {now - started:5.0f} s: {closed}/{len(plans)} closed; by next step {dict(sorted(at.items()))}")
                last_echo = now
            time.sleep(poll)


def start_bare() -> Any:
    """Start one bare flow run through the deployment (no wait); returns its id."""
    from prefect.deployments import run_deployment

    return run_deployment(bare_flow.NAME, timeout=0, as_subflow=False, _sync=True).id


def wait_final(ids: list[Any], timeout: float = 300) -> None:
    """Block until every flow run in ``ids`` has ended."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    deadline = time.monotonic() + timeout
    remaining = set(ids)
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            ended = set()
            waiting = sorted(remaining, key=str)
            for i in range(0, len(waiting), 200):  # the API reads at most 200 runs a request
                chunk = FlowRunFilter(id=FlowRunFilterId(any_=waiting[i : i + 200]))
                ended |= {
                    r.id
                    for r in client.read_flow_runs(flow_run_filter=chunk, limit=200)
                    if r.state and r.state.is_final()
                }
            remaining -= ended
            if not remaining:
                return
            time.sleep(0.5)
    raise TimeoutError(f"throughput: flow runs still not ended after {timeout:.0f} s")


def idle_bare_runs(n: int) -> list[Any]:
    """``n`` bare runs one after the other, each waited for."""
    ids = []
    for _ in range(n):
        ids.append(start_bare())
        wait_final([ids[-1]], timeout=120)
    return ids


class Prober(threading.Thread):
    """Starts a bare run every ``every`` seconds until stopped: the reference under the drive's load."""

    def __init__(self, every: float) -> None:
        super().__init__(daemon=True, name="bare-probe")
        self.every, self.ids, self.stopping = every, [], threading.Event()
        self.ctx = contextvars.copy_context()

    def run(self) -> None:
        while not self.stopping.wait(self.every):
            self.ids.append(self.ctx.run(start_bare))


# The time allowed grows with the plans, or a full run would give up at a fixed half hour. At 20 plans a
# plan costs about 46 CPU-seconds on 2 cores; at 200 the box is saturated and completes about 10
# lifecycle runs (one plan's worth) a minute, so 200 plans need about 3.3 hours there (docs/performance.md).
SECONDS_PER_PLAN = 75.0


def default_timeout(plans: int, per_plan: float = SECONDS_PER_PLAN, floor: float = 1800.0) -> float:
    """Seconds of driving allowed for ``plans`` plans (bench.worker_kills allows more: kills slow them)."""
    return max(floor, per_plan * plans)


def measure(
    plans: int = 200,
    workers: int = 2,
    limit: int = 4,
    threads: int = 4,
    bare_runs: int = 10,
    probe_every: float = 20.0,
    timeout: float | None = None,
    poll: float = 0.5,
    patient: bool = False,
    keep_logs: bool = False,
    echo: Any = print,
) -> dict[str, Any]:
    """Bring the cluster up, drive ``plans`` plans to closed, read Prefect's records; see the docstring."""
    from plans.config import settings

    timeout = default_timeout(plans) if timeout is None else timeout
    res: dict[str, Any] = {
        "machine": machine(),
        "plans": plans,
        "workers": workers,
        "limit_per_worker": limit,
        "patient": patient,
    }
    wake_before, settings.wake_flows = settings.wake_flows, True
    try:
        _run(res, plans, workers, limit, threads, bare_runs, probe_every, timeout, poll, patient, keep_logs, echo)
    finally:
        settings.wake_flows = wake_before
    res["cpu_per_plan_s"] = round(sum(res["cpu_s"].values()) / plans, 1)
    res["projection_200_s"] = round(200 * res["cpu_per_plan_s"] / (os.cpu_count() or 1))
    return res


def _run(
    res: dict[str, Any],
    plans: int,
    workers: int,
    limit: int,
    threads: int,
    bare_runs: int,
    probe_every: float,
    timeout: float,
    poll: float,
    patient: bool,
    keep_logs: bool,
    echo: Any,
) -> None:
    with (
        cluster(
            workers,
            limit=limit,
            schedules=False,
            extra_deployments=[bare_flow.DEPLOYMENT],
            keep_logs=keep_logs,
            echo=echo,
        ) as c,
        c.client(),
    ):
        from prefect import get_client

        cpu0 = c.cpu()
        idle_ids = [str(i) for i in idle_bare_runs(bare_runs)]
        cpu_bare, rusage0 = c.cpu(), resource.getrusage(resource.RUSAGE_SELF)
        per_bare = (cpu_bare["flow_runs"] - cpu0["flow_runs"]) / max(bare_runs, 1)
        res["cpu_per_idle_bare_run_s"] = round(per_bare, 2)
        echo(f"throughput: {bare_runs} idle bare runs done; creating {plans} plans")
        t0 = time.monotonic()
        driven = create_plans(plans, "tp")
        res["create_s"] = round(time.monotonic() - t0, 1)
        prober = Prober(probe_every)
        prober.start()
        try:
            res["wall_s"] = round(
                drive(driven, threads=threads, timeout=timeout, poll=poll, echo=echo, patient=patient), 1
            )
        finally:
            prober.stopping.set()
            prober.join(30)
        res["wall_from_first_plan_s"] = round(time.monotonic() - t0, 1)
        echo(f"throughput: all {plans} plans closed after {res['wall_s']} s; waiting for the last runs to end")
        with get_client(sync_client=True) as client:
            runs = read_all(lambda **kw: client.read_flow_runs(**kw))
            wait_final([r.id for r in runs], timeout=300)
            runs = read_all(lambda **kw: client.read_flow_runs(**kw))
            tasks = read_all(lambda **kw: client.read_task_runs(**kw))
            deployments = {d.id: d.name for d in client.read_deployments()}
            status = {
                a.flow_run_id: str(a.data)
                for a in read_all(lambda **kw: client.read_artifacts(**kw))
                if a.key and a.key.startswith("plan-") and a.key.endswith("-status")
            }
        cpu1, rusage1 = c.cpu(), resource.getrusage(resource.RUSAGE_SELF)
        # from the end of the idle bare runs; the probes' processes are taken out at the idle runs' cost
        res["cpu_s"] = {k: round(cpu1[k] - cpu_bare[k], 1) for k in cpu1}
        res["cpu_s"]["flow_runs"] = round(res["cpu_s"]["flow_runs"] - len(prober.ids) * per_bare, 1)
        res["cpu_s"]["driver"] = round(rusage1.ru_utime + rusage1.ru_stime - rusage0.ru_utime - rusage0.ru_stime, 1)
        times = run_times(runs, tasks)
        res.update(
            figures(
                [d.plan_id for d in driven],
                runs,
                tasks,
                times,
                deployments,
                status,
                idle_ids,
                [str(i) for i in prober.ids],
            )
        )


def ok(res: dict[str, Any]) -> bool:
    """Every plan closed and every flow run completed."""
    return res.get("closed") == res["plans"] and not res.get("not_completed")


def rows(res: dict[str, Any]) -> list[tuple[str, str, str, str, str, bool | None]]:
    """(figure, value, reference, ratio, goal, passed) for the table of ``python -m bench``."""
    n, lc = res["plans"], res["lifecycle"]
    bl, bi = res["bare_under_load"], res["bare_idle"]
    r, ri = res["ratio_under_load"], res["ratio_idle"]
    runs = res["flow_runs_by_deployment"].get("plan-lifecycle", 0)

    def s(x: float | None) -> str:
        return f"{x:.2f} s" if x is not None else "n/a"

    return [
        (
            f"throughput: {n} plans vision->closed, {res['workers']} workers (x{res['limit_per_worker']})",
            f"{res['wall_s']:.0f} s wall",
            f"{runs} lifecycle runs, {res['transitions']} transitions, {res['task_runs']} task runs",
            "-",
            "all closed, no run failed",
            ok(res),
        ),
        (
            "Prefect overhead per stage transition",
            s(res["overhead_per_transition_s"]),
            f"bare flow run under the same load {s(bl['overhead'])} (median of {bl['n']})",
            f"{r:.2f}x" if r else "-",
            f"<= {GOAL_RATIO:.0f}x",
            r is not None and r <= GOAL_RATIO,
        ),
        (
            "  ... against an idle bare flow run",
            s(res["overhead_per_transition_s"]),
            f"bare flow run, idle cluster {s(bi['overhead'])}",
            f"{ri:.2f}x" if ri else "-",
            "-",
            None,
        ),
        (
            "  lifecycle run: queue / launch / execution / work (medians)",
            f"{s(lc['queue']['median'])} / {s(lc['launch']['median'])} / {s(lc['execution']['median'])} / "
            f"{s(lc['work']['median'])}",
            f"bare under load: {s(bl['queue'])} / {s(bl['launch'])} / {s(bl['execution'])} / 0",
            f"{res['runs_per_transition']:.2f} runs per transition" if res["runs_per_transition"] else "-",
            "-",
            None,
        ),
        (
            "  CPU per plan (server + workers' runs + driver)",
            f"{res['cpu_per_plan_s']:.1f} s",
            f"{res['cpu_s']}; a bare flow run's process: {res['cpu_per_idle_bare_run_s']:.1f} s",
            "-",
            f"200 plans at this CPU a plan: ~{res['projection_200_s'] / 60:.0f} min on {res['machine']['cpus']} cores "
            "(a floor: saturated, a plan costs more)",
            None,
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.throughput", description=__doc__.split("\n")[0])
    ap.add_argument("--plans", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--limit", type=int, default=4, help="flow runs at once per worker (default 4)")
    ap.add_argument("--threads", type=int, default=4, help="people acting at once (default 4)")
    ap.add_argument("--bare-runs", type=int, default=10, help="bare runs on the idle cluster (default 10)")
    ap.add_argument("--probe-every", type=float, default=20.0, help="seconds between bare runs during the drive")
    ap.add_argument(
        "--timeout",
        type=float,
        help=f"give up after this many seconds of driving (default {SECONDS_PER_PLAN:.0f} s a plan, at least 1800)",
    )
    ap.add_argument("--patient", action="store_true", help="people act only while no run of their plan is in flight")
    ap.add_argument("--keep-logs", action="store_true")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args(argv)
    res = measure(
        a.plans,
        a.workers,
        a.limit,
        a.threads,
        a.bare_runs,
        a.probe_every,
        a.timeout,
        patient=a.patient,
        keep_logs=a.keep_logs,
    )
    for figure, value, ref, ratio, goal, passed in rows(res):
        mark = "" if passed is None else (" [met]" if passed else " [NOT MET]")
        print(f"{figure}: {value} | {ref} | {ratio} | {goal}{mark}")
    keys = ("run_states", "lifecycle_runs_that_did_nothing", "lifecycle_runs_with_work_but_no_move")
    print(json.dumps({k: res[k] for k in keys}))
    if a.json:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(json.dumps(res, indent=2, default=str), encoding="utf-8")
    if not ok(res):
        print(f"throughput: FAILED: {res.get('closed')}/{res['plans']} closed; not completed: {res['not_completed']}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
