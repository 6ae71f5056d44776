"""The ``plan-lifecycle`` flow: push one plan as far as its gates allow, then end.

A run never waits for people. When a gate needs a person (a working party's agreement, an approver's
decision, the citizen panel's review), the run ends with the reasons; recording that decision later
starts a fresh run of this deployment (see ``plans.orchestration`` for why). A run is safe to repeat
at any moment: every step re-reads the plan from the database and changes it by compare-and-set.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact

from plans.db import session_scope
from plans.domain.errors import DomainError
from plans.models import utcnow
from plans.services import lifecycle, stage_work, status

# The survey analysis (flows.analysis, plans.services.analysis and the polars frames under them) is
# imported where a run needs it, not here: every run is a new process that imports this module and most
# runs analyse nothing. `python -c "import flows.lifecycle"` took 2.10 s with it here, 1.87 s without
# (median of 3 each, alternated, on a quiet 2-core box).

MAX_MOVES = 16  # more than one full pass through the stages, with a round of changes requested


def retry_unless_domain_error(task: Any, task_run: Any, state: Any) -> bool:
    """Retry database and network hiccups, not a domain error (a missing plan stays missing)."""
    try:
        state.result()
    except DomainError:
        return False
    except Exception:
        return True
    return False


@task(name="stage-work", retries=3, retry_delay_seconds=[1, 5, 20], retry_condition_fn=retry_unless_domain_error)
def do_stage_work(plan_id: int) -> list[str]:
    """The current stage's own work (open/close a survey, analyse, send for sign-off, schedule)."""
    with session_scope() as session:
        return stage_work.run(session, plan_id=plan_id, now=utcnow())


@task(name="surveys-to-analyse", retries=3, retry_delay_seconds=[1, 5, 20])
def surveys_to_analyse(plan_id: int) -> list[int]:
    """The plan's closed surveys without a stored analysis (one query)."""
    from plans.services import analysis

    with session_scope() as session:
        return analysis.unanalysed(session, plan_id=plan_id)


@task(name="advance", retries=3, retry_delay_seconds=[1, 5, 20], retry_condition_fn=retry_unless_domain_error)
def advance(plan_id: int) -> dict[str, Any]:
    """Try the gate and make at most one move."""
    with session_scope() as session:
        return lifecycle.step(session, plan_id=plan_id, now=utcnow()).as_dict()


@task(name="publish-status")
def publish_status(plan_id: int, done: list[str]) -> dict[str, Any]:
    """Show where the plan stands as a Prefect artifact, for coordinators watching the runs."""
    with session_scope() as session:
        st = status.plan_status(session, plan_id=plan_id, now=utcnow())
    lines = [f"# {st.title}", "", f"**Stage:** {st.stage_label} (version {st.version})", ""]
    if done:
        lines += ["## This run", *[f"- {d}" for d in done], ""]
    lines += ["## Waiting for", *[f"- {r}" for r in st.blocked_by or ["nothing: the plan is closed"]]]
    create_markdown_artifact(
        markdown="\n".join(lines), key=f"plan-{plan_id}-status", description=f"Where plan {plan_id} stands"
    )
    return {"stage": st.stage, "version": st.version, "waiting_for": st.blocked_by}


@flow(name="plan-lifecycle", flow_run_name="plan-{plan_id}", log_prints=True)
def plan_lifecycle(plan_id: int) -> dict[str, Any]:
    """Advance one plan through as many stages as its gates allow."""
    done: list[str] = []
    for move in range(MAX_MOVES):
        work = do_stage_work(plan_id)
        done += work
        # a closed survey is analysed before the gate is tried, so the plan never reaches its
        # recommendations without the findings; checked on the first pass (an earlier run may have failed
        # to analyse) and whenever the stage work did something (it may have closed a survey)
        if move == 0 or work:
            due = surveys_to_analyse(plan_id)
            if due:
                from flows.analysis import analyse_survey, summary

                done += [summary(analyse_survey(survey_id)) for survey_id in due]
        result = advance(plan_id)
        if not result["moved"]:
            break
        done.append(f"moved from {result['source']} to {result['stage']} ({result['via']})")
    return {"plan_id": plan_id, "done": done, **publish_status(plan_id, done)}
