"""Publishing evaluation outputs to a plan's citizen panel, and telling each member once by email.

An output is published when it exists: the formative report when its checkpoint is recorded, the
summative report when it is written (both from ``plans.services.evaluation``), the repeat comparison
when the repeat survey has been analysed (``plans.services.analysis``). A coordinator can also publish
whatever is ready and not yet published (``publish_ready``), say for a plan recorded before publishing
existed. Publishing is idempotent: the unique (plan, output) row decides, and only the call that made
the row audits it and writes the emails (each with its own idempotency key, so even a replay writes
nothing twice). Members who join the panel later see the output on their page; they are not emailed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from plans.domain.errors import InvalidInput
from plans.domain.panel_outputs import REPEAT_OUTPUT, Output, formative_output, output_order, parse_output
from plans.models import PanelPublication, Plan, Role, SurveyKind
from plans.repositories.evaluation import EvaluationRepository
from plans.repositories.panel import PanelRepository
from plans.repositories.surveys import SurveyRepository
from plans.services.actors import Actor
from plans.services.audit_trail import record_and_wake
from plans.services.chase_letters import link
from plans.services.lifecycle import load_plan
from plans.services.outbox import enqueue

NAMES = "formative-<number>, summative or repeat-comparison"


def published_key(plan_id: int, output: str, person_id: int) -> str:
    """The idempotency key of the email telling one member that an output was published."""
    return f"panel-published:{plan_id}:{output}:{person_id}"


def ready_outputs(session: Session, *, plan_id: int) -> list[str]:
    """The plan's outputs that exist and may be published, in the plan's order: recorded formative
    reports, the written summative report, the repeat comparison once the repeat survey is analysed."""
    ready = [formative_output(c.number) for c in PanelRepository(session).recorded_checkpoints(plan_id)]
    if EvaluationRepository(session).summative_report(plan_id) is not None:
        ready.append(Output("summative").name)
    repeat = SurveyRepository(session).for_plan(plan_id, SurveyKind.REPEAT)
    if repeat is not None and repeat.closed_at is not None and PanelRepository(session).has_findings(repeat.id):
        ready.append(REPEAT_OUTPUT)
    return sorted(ready, key=output_order)


def unpublished_outputs(session: Session, *, plan_id: int) -> list[str]:
    """Outputs that are ready but not yet published (what the coordinator's publish button would send)."""
    published = {p.output for p in PanelRepository(session).publications(plan_id)}
    return [o for o in ready_outputs(session, plan_id=plan_id) if o not in published]


def _not_ready(plan: Plan, parsed: Output) -> str:
    if parsed.kind == "formative":
        missing = f"formative report {parsed.number} of plan {plan.id} has not been recorded"
    elif parsed.kind == "summative":
        missing = f"plan {plan.id} has no summative report yet"
    else:
        missing = f"the repeat survey of plan {plan.id} has not been analysed yet"
    return f"output: {missing}, so {parsed.phrase} cannot be published"


def publish(
    session: Session, *, plan_id: int, output: str, actor: Actor, now: datetime
) -> tuple[PanelPublication, bool]:
    """Publish one output to the plan's citizen panel and email each member once; (publication, new?).
    The system publishes as outputs are made; a person needs the coordinator role."""
    if actor.person_id is not None:
        actor.require(Role.COORDINATOR, "publishing to the citizen panel")
    plan = load_plan(session, plan_id)
    parsed = parse_output(output.strip())
    if parsed is None:
        raise InvalidInput(f"output: {output.strip()[:60]!r} names no evaluation output ({NAMES})")
    if parsed.name not in ready_outputs(session, plan_id=plan.id):
        raise InvalidInput(_not_ready(plan, parsed))
    repo = PanelRepository(session)
    row, created = repo.add_publication(
        PanelPublication(
            plan_id=plan.id, output=parsed.name, title=parsed.title, published_by_id=actor.person_id, published_at=now
        )
    )
    if not created:
        return row, False
    members = repo.members(plan.id)
    for member in members:
        enqueue(
            session,
            key=published_key(plan.id, row.output, member.id),
            kind="panel_published",
            to=member.email,
            template="panel_published",
            now=now,
            name=member.name,
            plan=plan.title,
            title=row.title,
            what=parsed.phrase,
            what_short=parsed.phrase.removeprefix("the "),
            link=link(f"/panel/plans/{plan.id}#{row.output}"),
        )
    record_and_wake(
        session,
        plan=plan,
        actor=actor,
        kind="panel_published",
        now=now,
        data={"output": row.output, "title": row.title, "members_emailed": len(members)},
        dedupe_key=f"plan:{plan.id}:panel:{row.output}:published",
    )
    return row, True


def publish_if_ready(
    session: Session, *, plan_id: int, output: str, actor: Actor, now: datetime
) -> PanelPublication | None:
    """``publish`` for a system step that made an output which may hold nothing to show (a repeat survey
    whose analysis stored no findings): None instead of an error when it is not ready."""
    if output not in ready_outputs(session, plan_id=plan_id):
        return None
    return publish(session, plan_id=plan_id, output=output, actor=actor, now=now)[0]


def publish_ready(session: Session, *, plan_id: int, actor: Actor, now: datetime) -> list[PanelPublication]:
    """Publish every output that is ready and not yet published; the new publications."""
    if actor.person_id is not None:
        actor.require(Role.COORDINATOR, "publishing to the citizen panel")
    plan = load_plan(session, plan_id)
    made = []
    for output in unpublished_outputs(session, plan_id=plan.id):
        row, created = publish(session, plan_id=plan.id, output=output, actor=actor, now=now)
        if created:
            made.append(row)
    return made


def publish_request(
    session: Session, *, plan_id: int, output: str | None, actor: Actor, now: datetime
) -> list[PanelPublication]:
    """A coordinator's publish action: one named output, or (``output`` blank or None) every ready one;
    the publications it made now (empty when all of it was published already)."""
    if output is None or not output.strip():
        return publish_ready(session, plan_id=plan_id, actor=actor, now=now)
    row, created = publish(session, plan_id=plan_id, output=output, actor=actor, now=now)
    return [row] if created else []
