"""Delivery and evaluation: formative checkpoint reports, expectations and their judgements, the
summative report, and the citizen panel's reviews with the coordinator's responses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from plans.domain.errors import AlreadyDecided, InvalidInput, NotFound, NotPermitted, StageLocked
from plans.domain.facts import Judgement
from plans.domain.stages import Stage
from plans.models import Capacity, Checkpoint, Expectation, PanelReview, Plan, Role, SummativeReport, Verdict
from plans.repositories.evaluation import EvaluationRepository
from plans.repositories.plans import PlanRepository
from plans.services.actors import Actor
from plans.services.audit_trail import record_and_wake
from plans.services.lifecycle import load_plan


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
        data={"number": number, "attendance": attendance},
        dedupe_key=f"plan:{plan.id}:checkpoint:{number}",
    )
    return cp


def add_expectation(
    session: Session,
    *,
    plan_id: int,
    actor: Actor,
    text: str,
    measure: str,
    level: int,
    target: str,
    now: datetime,
) -> Expectation:
    """A stakeholder's expectation of the plan, at a Kirkpatrick level (1 reaction .. 4 results)."""
    plan = _in_stage(session, plan_id, (Stage.RECOMMENDATIONS, Stage.SIGN_OFF), "adding an expectation")
    repo = PlanRepository(session)
    is_approver = actor.person_id is not None and repo.is_member(plan.id, actor.person_id, Capacity.APPROVER)
    if not is_approver and Role.COORDINATOR not in actor.roles:
        raise NotPermitted(f"expectations are added by the plan's approvers or a coordinator, not {actor.label}")
    if level not in (1, 2, 3, 4):
        raise InvalidInput("level: the Kirkpatrick level is 1 (reaction), 2 (learning), 3 (behaviour) or 4 (results)")
    assert actor.person_id is not None
    row = EvaluationRepository(session).add(
        Expectation(
            plan_id=plan.id,
            stakeholder_id=actor.person_id,
            text=_required("text", text),
            measure=measure.strip(),
            level=level,
            target=target.strip(),
        )
    )
    record_and_wake(
        session,
        plan=plan,
        actor=actor,
        kind="expectation_added",
        now=now,
        data={"expectation_id": row.id, "text": row.text, "level": level},
    )
    return row


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
    return report


def review(
    session: Session,
    *,
    plan_id: int,
    actor: Actor,
    output: str,
    verdict: Verdict,
    text: str,
    now: datetime,
) -> PanelReview:
    """A citizen panel member endorses, comments on or challenges an evaluation output (once each)."""
    plan = _in_stage(session, plan_id, (Stage.DELIVERY, Stage.SUMMATIVE_EVALUATION), "reviewing an evaluation output")
    if actor.person_id is None or not PlanRepository(session).is_member(
        plan.id, actor.person_id, Capacity.CITIZEN_PANEL
    ):
        raise NotPermitted(f"{actor.label} does not sit on the citizen panel of plan {plan.id}")
    if verdict is not Verdict.ENDORSE:
        text = _required("text", text)
    repo = EvaluationRepository(session)
    if repo.review_by(plan.id, actor.person_id, output) is not None:
        raise AlreadyDecided(f"{actor.label} has already reviewed {output} of plan {plan.id}")
    row = repo.add(
        PanelReview(
            plan_id=plan.id,
            member_id=actor.person_id,
            output=_required("output", output),
            verdict=verdict,
            text=text.strip(),
            at=now,
        )
    )
    record_and_wake(
        session,
        plan=plan,
        actor=actor,
        kind="panel_reviewed",
        now=now,
        data={"review_id": row.id, "output": output, "verdict": verdict.value, "text": row.text},
    )
    return row


def respond_to_challenge(
    session: Session,
    *,
    plan_id: int,
    actor: Actor,
    review_id: int,
    response: str,
    now: datetime,
) -> PanelReview:
    """The coordinator's written answer to a panel member's challenge ("you said, we did")."""
    actor.require(Role.COORDINATOR, "responding to a challenge")
    plan = load_plan(session, plan_id)
    row = EvaluationRepository(session).review(plan.id, review_id)
    if row is None or row.verdict is not Verdict.CHALLENGE:
        raise NotFound(f"review_id: plan {plan.id} has no challenge {review_id}")
    if row.response:
        raise AlreadyDecided(f"challenge {review_id} was answered on {row.responded_at:%d %B %Y}")
    row.response, row.responded_by_id, row.responded_at = _required("response", response), actor.person_id, now
    record_and_wake(
        session,
        plan=plan,
        actor=actor,
        kind="challenge_answered",
        now=now,
        data={"review_id": row.id, "response": row.response},
        dedupe_key=f"plan:{plan.id}:challenge:{row.id}:answered",
    )
    return row
