"""``coproduce demo``: the example plan from vision to closed, under a real Prefect server.

It starts a Prefect server on SQLite and serves the deployments of prefect.yaml, creates the council's
plan, then lets simulated people act at each stage. Nobody calls the flow directly: every move happens
in a run of the plan-lifecycle deployment that a recorded decision started. It writes
``DIR/summary.json`` and stops everything it started.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prefect.settings import PREFECT_API_URL, temporary_settings

from flows.demo_people import People
from flows.demo_steps import STEPS, Step, is_ready
from flows.server import PrefectServer, flow_server, free_port, wait_for_deployment
from plans.config import settings
from plans.db import session_scope
from plans.domain.stages import Stage
from plans.files import load_plan_file
from plans.migrations import upgrade
from plans.models import utcnow
from plans.reports.render import write_report
from plans.repositories.audit import AuditRepository
from plans.repositories.plans import PlanRepository
from plans.services import staff_lists
from plans.services.actors import SYSTEM
from plans.services.final_report import final_report
from plans.services.plan_setup import create_plan

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "citizen-voice-workforce.yaml"
STAFF_LIST = "staff-list.csv"  # next to the plan file
STAGE_TIMEOUT = 90.0


def say(message: str) -> None:
    print(message, flush=True)


def wait_until(what: str, check: Callable[[Any], bool], timeout: float = STAGE_TIMEOUT) -> None:
    """Poll the database until ``check(session)`` holds (a lifecycle run got there)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with session_scope() as s:
            if check(s):
                return
        time.sleep(0.2)
    raise TimeoutError(f"demo: gave up after {timeout:.0f} s waiting for {what}")


def run_demo(out: Path, *, example: Path = EXAMPLE, prefect_home: Path | None = None) -> dict[str, Any]:
    """Run the whole demo; returns the summary also written to ``out/summary.json``."""
    started = time.monotonic()
    out.mkdir(parents=True, exist_ok=True)
    db_path = out / "coproduce.db"
    for stale in (db_path, out / "coproduce.db-wal", out / "coproduce.db-shm"):
        stale.unlink(missing_ok=True)
    database_url = f"sqlite:///{db_path}"
    settings.database_url = database_url
    home = prefect_home or settings.data_dir / "prefect"
    server = PrefectServer(home, free_port(settings.prefect_port), out / "logs" / "prefect-server.log", ui=False)
    served = None
    try:
        say(f"Starting a Prefect server on SQLite ({server.ui_url}) ...")
        server.start()
        upgrade(database_url)
        server.wait_healthy()
        say(f"  healthy after {time.monotonic() - started:.1f} s")
        with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
            served = flow_server(server.api_url, database_url, out / "logs" / "flow-server.log")
            served.start()
            wait_for_deployment(settings.lifecycle_deployment)
            say(f"  deployments served after {time.monotonic() - started:.1f} s")
            plan_id = _drive(example)
            _wait_runs_finished(plan_id)
            summary = _summary(plan_id, time.monotonic() - started)
            summary["report"] = [str(p) for p in _write_report(plan_id, out / "report")]
    finally:
        if served is not None:
            served.stop()
        server.stop()
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
    say(
        f"\nThe plan reached {summary['final_stage']} in {summary['wall_seconds']:.1f} s, "
        f"moved by {len(summary['flow_runs'])} flow runs. Summary: {out / 'summary.json'}; "
        f"final report: {out / 'report' / 'report.pdf'}"
    )
    return summary


def _drive(example: Path) -> int:
    spec = load_plan_file(example)
    staff_list = example.parent / STAFF_LIST
    with session_scope() as s:
        plan = create_plan(s, spec=spec, actor=SYSTEM, now=utcnow())
        plan_id, coordinator_id = plan.id, plan.coordinator_id
        staff = f"{sum(t.eligible_headcount for t in spec.teams)} staff declared"
        if staff_list.is_file():
            # each eligible person of the list is invited when the survey opens, and answers through the
            # survey's own intake with their invitation's link
            listed = staff_lists.import_staff_list(
                s, organisation_code=spec.organisation.code, path=staff_list, now=utcnow()
            )
            staff = f"a staff list of {listed.eligible} eligible people"
    say(f"Created plan {plan_id}: {spec.plan.title} ({len(spec.teams)} teams, {staff})")
    people = People(plan_id, coordinator_id)

    def step_ready(step: Step) -> Callable[[Any], bool]:
        def check(s: Any) -> bool:
            plan = PlanRepository(s).get(plan_id)
            return plan is not None and is_ready(s, plan, step)

        return check

    for step in STEPS:
        wait_until(step.waiting_for, step_ready(step))
        say(step.act(people))
    wait_until("the plan to close", lambda s: PlanRepository(s).get(plan_id).stage is Stage.CLOSED)
    return plan_id


def _lifecycle_runs(plan_id: int) -> list[Any]:
    """The plan's lifecycle runs, oldest first (its uid tag is unique across databases)."""
    with session_scope() as s:
        plan = PlanRepository(s).get(plan_id)
        assert plan is not None
        uid = plan.uid
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags
    from prefect.client.schemas.sorting import FlowRunSort

    with get_client(sync_client=True) as client:
        return list(
            client.read_flow_runs(
                flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=[f"plan-uid:{uid}"])),
                sort=FlowRunSort.EXPECTED_START_TIME_ASC,
            )
        )


def _wait_runs_finished(plan_id: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = _lifecycle_runs(plan_id)
        if runs and all(r.state is not None and r.state.is_final() for r in runs):
            return
        time.sleep(0.3)
    say(f"warning: some lifecycle runs had not finished after {timeout:.0f} s; summary.json shows their states")


def _write_report(plan_id: int, out: Path) -> list[Path]:
    """The plan's final report (HTML, PDF and the CSV exports), as ``coproduce plan report`` writes it."""
    with session_scope() as s:
        report = final_report(s, plan_id=plan_id, now=utcnow())
    return write_report(report, out)


def _summary(plan_id: int, wall: float) -> dict[str, Any]:
    with session_scope() as s:
        plan = PlanRepository(s).get(plan_id)
        assert plan is not None
        stages = [
            {"stage": e.stage.value, "entered_at": e.entered_at.isoformat(), "version": e.version, "via": e.via}
            for e in PlanRepository(s).entries(plan_id)
        ]
        decisions = [
            {
                "who": e.actor,
                "what": e.kind if e.kind != "sign_off_decision" else e.data["decision"],
                "version": e.plan_version,
                "at": e.at.isoformat(),
                **({"comment": e.data["comment"]} if e.data.get("comment") else {}),
            }
            for e in AuditRepository(s).for_plan(plan_id)
            if e.kind
            in ("sign_off_decision", "vision_agreed", "gate_overridden", "challenge_answered", "expectation_judged")
        ]
        final = plan.stage.value
    runs = [
        {
            "id": str(r.id),
            "name": r.name,
            "final_state": r.state.type.value if r.state else None,
            "started": r.start_time.isoformat() if r.start_time else None,
        }
        for r in _lifecycle_runs(plan_id)
    ]
    return {
        "plan_id": plan_id,
        "final_stage": final,
        "stages": stages,
        "decisions": decisions,
        "flow_runs": runs,
        "wall_seconds": round(wall, 2),
    }
