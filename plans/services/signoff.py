"""Sign-off: the coordinator sends a plan version to its approvers with a deadline, and each approver
decides on exactly the content they read.

Sending freezes the version (any later edit makes a new one, ``plan_document.begin_edit``) and records
the request; the lifecycle flow then moves the plan to sign-off and opens the round with the content
hash and the deadline (``stage_work._ensure_round``). A decision carries the version and the content
hash the approver read: anything else is refused as stale, so an approval never counts for content its
approver did not see. Decisions are serialised by the plan row's lock and recorded once per approver
and round (a unique constraint backs the check).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from plans.domain.errors import AlreadyDecided, NotPermitted, StageLocked, StaleVersion
from plans.domain.facts import Decision
from plans.domain.field_problems import Problems
from plans.domain.gates import recommendations_reasons
from plans.domain.stages import Stage
from plans.models import Capacity, Plan, Role, SignOffDecision, SignOffRound
from plans.repositories.plans import PlanRepository
from plans.repositories.sign_off_document import sent_key
from plans.repositories.signoff import SignOffRepository
from plans.schemas_signoff import ExpectationIn, SendView
from plans.services import plan_document
from plans.services.actors import Actor
from plans.services.audit_trail import record_and_wake
from plans.services.expectations import add_with_decision, check_decision_expectations
from plans.services.lifecycle import facts_for, load_plan

MAX_DEADLINE_DAYS = 90
NOT_SENT = "has not been sent for sign-off"  # the gate's reason that sending answers


def deadline_window(now: datetime) -> tuple[date, date]:
    """The first and last day a sign-off deadline may fall on: tomorrow, and 90 days from today."""
    today = now.date()
    return today + timedelta(days=1), today + timedelta(days=MAX_DEADLINE_DAYS)


def short(digest: str) -> str:
    """A content hash as people quote it: its first 12 characters."""
    return f"{digest[:12]}…"


def _open_round(session: Session, plan: Plan) -> SignOffRound | None:
    rnd = SignOffRepository(session).round_for(plan.id, plan.version)
    return rnd if rnd is not None and rnd.closed_at is None else None


def _stage_problem(session: Session, plan: Plan) -> str | None:
    """Why this version cannot be sent at all (None: it may be, gate permitting)."""
    if plan.stage is Stage.SIGN_OFF and _open_round(session, plan) is not None:
        return f"version {plan.version} of plan {plan.id} is already out for sign-off"
    if plan.stage not in (Stage.RECOMMENDATIONS, Stage.SIGN_OFF):
        return f"only a plan at the recommendations stage is sent for sign-off; plan {plan.id} is in {plan.stage.value}"
    return None


def _gate_reasons(session: Session, plan: Plan, now: datetime) -> list[str]:
    """The recommendations gate's reasons other than the version not being sent yet."""
    return [r for r in recommendations_reasons(facts_for(session, plan.id, now)) if NOT_SENT not in r]


def send_view(session: Session, *, plan_id: int, now: datetime) -> SendView:
    """What the send page shows: the version and its hash, and whether it can go now or why not."""
    plan = load_plan(session, plan_id)
    stage = _stage_problem(session, plan)
    reasons = [stage] if stage else _gate_reasons(session, plan, now)
    already = plan.sign_off_requested_version == plan.version and plan.version_frozen
    earliest, latest = deadline_window(now)
    return SendView(
        plan_id=plan.id,
        title=plan.title,
        stage=plan.stage.value,
        version=plan.version,
        content_hash=plan_document.content_hash(session, plan.id),
        sent_version=plan.sign_off_requested_version,
        sent_deadline=plan.sign_off_deadline,
        can_send=not reasons and not already,
        reasons=reasons,
        earliest=earliest,
        latest=latest,
    )


def send_for_sign_off(session: Session, *, plan_id: int, actor: Actor, deadline: date, now: datetime) -> Plan:
    """The coordinator sends the current version to the approvers, to decide by the end of ``deadline``
    (UTC). Refused, naming every reason, while the recommendations gate has reasons of its own or the
    deadline is not between tomorrow and 90 days away."""
    actor.require(Role.COORDINATOR, "sending a plan for sign-off")
    plan = load_plan(session, plan_id, lock=True)
    stage = _stage_problem(session, plan)
    if stage is not None:
        raise StageLocked(stage)
    if plan.sign_off_requested_version == plan.version and plan.version_frozen:
        raise AlreadyDecided(
            f"version {plan.version} of plan {plan.id} was already sent for sign-off (deadline "
            f"{plan.sign_off_deadline:%-d %B %Y}); edit the plan to make a new version"
        )
    problems = Problems()
    earliest, latest = deadline_window(now)
    if deadline < earliest:
        problems.add("deadline", f"must be tomorrow ({earliest:%-d %B %Y}) or later, to give approvers time")
    elif deadline > latest:
        problems.add("deadline", f"must be within {MAX_DEADLINE_DAYS} days ({latest:%-d %B %Y} at the latest)")
    for reason in _gate_reasons(session, plan, now):
        problems.add("plan", reason)
    problems.raise_if_any()
    digest = plan_document.content_hash(session, plan.id)
    plan.sign_off_requested_version, plan.sign_off_deadline = plan.version, deadline
    plan.version_frozen = True  # from now on an edit makes a new version: version N stays what was sent
    record_and_wake(
        session,
        plan=plan,
        actor=actor,
        kind="sent_for_sign_off",
        now=now,
        data={"version": plan.version, "deadline": deadline.isoformat(), "content_hash": digest},
        dedupe_key=sent_key(plan.id, plan.version),
    )
    return plan


def _moved_on(version: int, digest: str, plan: Plan, rnd: SignOffRound | None) -> str:
    read = f"you decided on version {version} (hash {short(digest)})"
    if rnd is not None and rnd.closed_at is None:
        return f"version: {read}, but version {plan.version} is now under sign-off; review it and decide again"
    return f"version: {read}, but the plan is now at version {plan.version}, which has not been sent for sign-off yet"


def decide(
    session: Session,
    *,
    plan_id: int,
    actor: Actor,
    version: int,
    content_hash: str,
    decision: Decision,
    comment: str,
    now: datetime,
    expectations: Sequence[ExpectationIn] = (),
) -> SignOffDecision:
    """An approver's decision on the version under sign-off, bound to the content hash they read, with
    any expectations they add; refused when stale, already made, or missing a required comment."""
    plan = load_plan(session, plan_id, lock=True)
    if actor.person_id is None or not PlanRepository(session).is_member(plan.id, actor.person_id, Capacity.APPROVER):
        raise NotPermitted(f"{actor.label} is not an approver of plan {plan.id}")
    if plan.stage is not Stage.SIGN_OFF:
        raise StageLocked(f"plan {plan.id} is not awaiting sign-off (it is in {plan.stage.value})")
    repo = SignOffRepository(session)
    rnd = repo.round_for(plan.id, plan.version)
    if version != plan.version:
        raise StaleVersion(_moved_on(version, content_hash, plan, rnd))
    if rnd is None or rnd.closed_at is not None:
        raise StageLocked(f"version {version} of plan {plan.id} is not open for sign-off")
    if content_hash != rnd.content_hash:
        raise StaleVersion(
            f"content_hash: you decided on version {version} (hash {short(content_hash)}), but version {version} "
            f"under sign-off has hash {short(rnd.content_hash)}; review it and decide again"
        )
    text = comment.strip()
    problems = Problems()
    if decision is not Decision.APPROVE and not text:
        problems.add("comment", f"a comment is required to {decision.value.replace('_', ' ')}")
    problems.found += check_decision_expectations(expectations).found
    problems.raise_if_any()
    if repo.decision_of(rnd.id, actor.person_id) is not None:
        raise AlreadyDecided(f"{actor.label} has already decided on version {version} of plan {plan.id}")
    row = repo.add_decision(
        SignOffDecision(
            round_id=rnd.id,
            plan_id=plan.id,
            approver_id=actor.person_id,
            version=version,
            decision=decision,
            content_hash=rnd.content_hash,
            comment=text,
            at=now,
        )
    )
    added = add_with_decision(session, plan=plan, actor=actor, round_id=rnd.id, items=expectations, now=now)
    record_and_wake(
        session,
        plan=plan,
        actor=actor,
        kind="sign_off_decision",
        now=now,
        data={
            "decision": decision.value,
            "version": version,
            "comment": text,
            "content_hash": rnd.content_hash,
            "expectations_added": [e.id for e in added],
        },
        dedupe_key=f"plan:{plan.id}:round:v{version}:approver:{actor.person_id}",
    )
    return row
