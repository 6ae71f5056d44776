"""Drafting recommendations with their evidence, and approvers' sign-off decisions bound to a version."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from plans.domain.errors import AlreadyDecided, InvalidInput, NotPermitted, StageLocked, StaleVersion
from plans.domain.facts import Decision
from plans.domain.lifecycle import edit_recommendations
from plans.domain.stages import Stage
from plans.models import Capacity, EvidenceKind, EvidenceLink, Recommendation, Role, SignOffDecision, SurveyKind
from plans.repositories.audit import AuditRepository
from plans.repositories.plans import PlanRepository
from plans.repositories.signoff import SignOffRepository
from plans.repositories.surveys import SurveyRepository
from plans.schemas import RecommendationIn
from plans.services.actors import Actor
from plans.services.audit_trail import record_and_wake
from plans.services.lifecycle import load_plan


def set_recommendations(
    session: Session, *, plan_id: int, actor: Actor, items: Sequence[RecommendationIn], now: datetime
) -> int:
    """Replace the draft recommendations; after a version went to sign-off this makes a new version
    and voids the approvals pending on the old one. Returns the plan's version after the edit."""
    actor.require(Role.COORDINATOR, "editing recommendations")
    plan = load_plan(session, plan_id, lock=True)
    effect = edit_recommendations(plan.stage, plan.version, plan.version_frozen)
    baseline = SurveyRepository(session).for_plan(plan.id, SurveyKind.BASELINE)
    question_ids = {q["id"] for q in baseline.questions} if baseline else set()
    recs = []
    for index, item in enumerate(items):
        links = []
        for ref in item.evidence:
            kind, _, value = ref.partition(":")
            if kind == EvidenceKind.FINDING.value and value not in question_ids:
                raise InvalidInput(
                    f"recommendations[{index}].evidence: {ref!r} names no question of the baseline survey"
                )
            links.append(EvidenceLink(kind=EvidenceKind(kind), ref=value))
        recs.append((Recommendation(position=index, title=item.title, detail=item.detail), links))
    SignOffRepository(session).replace_recommendations(plan.id, recs)
    if effect.version != plan.version:
        old = plan.version
        plan.version, plan.version_frozen = effect.version, effect.frozen
        rnd = SignOffRepository(session).round_for(plan.id, old)
        if rnd is not None and rnd.closed_at is None:
            rnd.closed_at, rnd.outcome = now, "superseded"
        AuditRepository(session).record(
            plan_id=plan.id,
            kind="version_created",
            actor=actor.label,
            actor_id=actor.person_id,
            plan_version=plan.version,
            at=now,
            data={"version": plan.version, "previous": old, "voided_pending_approvals": effect.voids_pending_approvals},
        )
    session.flush()
    record_and_wake(
        session,
        plan=plan,
        actor=actor,
        kind="recommendations_edited",
        now=now,
        data={"count": len(recs), "titles": [r.title for r, _ in recs]},
    )
    return plan.version


def decide(
    session: Session, *, plan_id: int, actor: Actor, version: int, decision: Decision, comment: str, now: datetime
) -> SignOffDecision:
    """An approver's decision on one plan version; refused on a stale version or when already made."""
    plan = load_plan(session, plan_id, lock=True)
    if actor.person_id is None or not PlanRepository(session).is_member(plan.id, actor.person_id, Capacity.APPROVER):
        raise NotPermitted(f"{actor.label} is not an approver of plan {plan.id}")
    if plan.stage is not Stage.SIGN_OFF:
        raise StageLocked(f"plan {plan.id} is not awaiting sign-off (it is in {plan.stage.value})")
    if version != plan.version:
        raise StaleVersion(
            f"version: you decided on version {version}, but the plan is now at version {plan.version}; "
            f"review version {plan.version} and decide on it"
        )
    repo = SignOffRepository(session)
    rnd = repo.round_for(plan.id, version)
    if rnd is None or rnd.closed_at is not None:
        raise StageLocked(f"version {version} of plan {plan.id} is not open for sign-off")
    text = comment.strip()
    if decision is not Decision.APPROVE and not text:
        raise InvalidInput(f"comment: a comment is required to {decision.value.replace('_', ' ')}")
    if repo.decision_of(rnd.id, actor.person_id) is not None:
        raise AlreadyDecided(f"{actor.label} has already decided on version {version} of plan {plan.id}")
    row = repo.add_decision(
        SignOffDecision(
            round_id=rnd.id,
            plan_id=plan.id,
            approver_id=actor.person_id,
            version=version,
            decision=decision,
            comment=text,
            at=now,
        )
    )
    record_and_wake(
        session,
        plan=plan,
        actor=actor,
        kind="sign_off_decision",
        now=now,
        data={"decision": decision.value, "version": version, "comment": text, "content_hash": rnd.content_hash},
        dedupe_key=f"plan:{plan.id}:round:v{version}:approver:{actor.person_id}",
    )
    return row
