"""Delivery and evaluation: formative checkpoint reports, expectations and their judgements, the
summative report, and the citizen panel's reviews with the coordinator's responses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from plans.domain.errors import AlreadyDecided, InvalidInput, NotFound, StageLocked
from plans.domain.facts import SUMMATIVE_OUTPUT, Judgement
from plans.domain.panel_outputs import formative_output
from plans.domain.stages import Stage
from plans.models import Checkpoint, Expectation, Plan, Role, SummativeReport
from plans.repositories.evaluation import EvaluationRepository
from plans.services import expectations
from plans.services.actors import Actor
from plans.services.audit_trail import record_and_wake
from plans.services.formative import checkpoint_totals
from plans.services.lifecycle import load_plan
from plans.services.panel_publishing import publish
from plans.services.panel_reviews import respond_to_challenge, review

# the panel's reviews and the coordinator's answers live in plans.services.panel_reviews; the names stay
# here for callers of the old place
__all__ = ["respond_to_challenge", "review"]


def _in_stage(session: Session, plan_id: int, stages: tuple[Stage, ...], action: str) -> Plan:
    plan = load_plan(session, plan_id)
    if plan.stage not in stages:
        names = " or ".join(s.value for s in stages)
        raise StageLocked(f"{action} belongs to the {names} stage; plan {plan.id} is in {plan.stage.value}")
    return plan


def _required(field: str, value: str) -> str:
    text = value.strip()
    if not text:
        raise InvalidInput(f"{field}: cannot be empty")
    return text


def record_checkpoint(
    session: Session,
    *,
    plan_id: int,
    actor: Actor,
    number: int,
    did: str,
    learned: str,
    change: str,
    attendance: int | None,
    now: datetime,
) -> Checkpoint:
    """The formative report of one checkpoint: what we did, what we learned, what we will change."""
    actor.require(Role.COORDINATOR, "recording a checkpoint")
    plan = _in_stage(session, plan_id, (Stage.DELIVERY,), "recording a checkpoint")
    cp = EvaluationRepository(session).checkpoint(plan.id, number)
    if cp is None:
        raise NotFound(f"number: plan {plan.id} has no checkpoint {number}")
    if cp.recorded_at is not None:
        raise AlreadyDecided(f"checkpoint {number} of plan {plan.id} was recorded on {cp.recorded_at:%d %B %Y}")
    if attendance is not None and attendance < 0:
        raise InvalidInput("attendance: cannot be negative")
    cp.what_we_did, cp.what_we_learned = _required("did", did), _required("learned", learned)
    cp.what_we_will_change, cp.attendance, cp.recorded_at = _required("change", change), attendance, now
    record_and_wake(
        session,
        plan=plan,
        actor=actor,
        kind="checkpoint_recorded",
        now=now,
        data={"number": number, "attendance": attendance, **checkpoint_totals(session, cp)},
        dedupe_key=f"plan:{plan.id}:checkpoint:{number}",
    )
    publish(session, plan_id=plan.id, output=formative_output(number), actor=actor, now=now)  # and email the panel
    return cp


# the register moved to plans.services.expectations; the name stays for callers of the old place
add_expectation = expectations.add_expectation


def judge_expectation(
    session: Session,
    *,
    plan_id: int,
    actor: Actor,
    expectation_id: int,
    judgement: Judgement,
    evidence: str,
    now: datetime,
) -> Expectation:
    """The summative judgement of one expectation, with its evidence."""
    actor.require(Role.COORDINATOR, "judging an expectation")
    plan = _in_stage(session, plan_id, (Stage.SUMMATIVE_EVALUATION,), "judging an expectation")
    row = EvaluationRepository(session).expectation(plan.id, expectation_id)
    if row is None:
        raise NotFound(f"expectation_id: plan {plan.id} has no expectation {expectation_id}")
    if row.judgement is not None:
        raise AlreadyDecided(f"expectation {expectation_id} was already judged {row.judgement.value}")
    row.judgement, row.evidence = judgement, _required("evidence", evidence)
    record_and_wake(
        session,
        plan=plan,
        actor=actor,
        kind="expectation_judged",
        now=now,
        data={"expectation_id": row.id, "judgement": judgement.value},
        dedupe_key=f"plan:{plan.id}:expectation:{row.id}:judged",
    )
    return row


def write_summative_report(
    session: Session,
    *,
    plan_id: int,
    actor: Actor,
    did: str,
    learned: str,
    pleased: str,
    different: str,
    now: datetime,
) -> SummativeReport:
    """The retrospective: what we did, learned, are pleased about, and what could have been different."""
    actor.require(Role.COORDINATOR, "writing the summative report")
    plan = _in_stage(session, plan_id, (Stage.SUMMATIVE_EVALUATION,), "writing the summative report")
    repo = EvaluationRepository(session)
    if repo.summative_report(plan.id) is not None:
        raise AlreadyDecided(f"plan {plan.id} already has its summative report")
    report = repo.add(
        SummativeReport(
            plan_id=plan.id,
            what_we_did=_required("did", did),
            what_we_learned=_required("learned", learned),
            pleased_about=_required("pleased", pleased),
            could_have_been_different=_required("different", different),
            recorded_at=now,
        )
    )
    record_and_wake(
        session,
        plan=plan,
        actor=actor,
        kind="summative_report_written",
        now=now,
        data={},
        dedupe_key=f"plan:{plan.id}:summative_report",
    )
    publish(session, plan_id=plan.id, output=SUMMATIVE_OUTPUT, actor=actor, now=now)  # and email the panel
    return report
