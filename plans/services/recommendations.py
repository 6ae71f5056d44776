"""Drafting recommendations with their evidence. Approvers' decisions moved to ``plans.services.signoff``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from plans.domain.learning_plan import DocumentRefused, Problem
from plans.models import EvidenceKind, EvidenceLink, Recommendation
from plans.repositories.signoff import SignOffRepository
from plans.schemas import RecommendationIn
from plans.services.actors import Actor
from plans.services.audit_trail import record_and_wake
from plans.services.evidence import citable, recommendation_problems
from plans.services.plan_document import begin_edit


def set_recommendations(
    session: Session, *, plan_id: int, actor: Actor, items: Sequence[RecommendationIn], now: datetime
) -> int:
    """Make the draft recommendations ``items``: an item with an id edits that recommendation (so the
    objectives delivering it stay linked), one without adds a new one, and those left out are removed
    with their links. Evidence must cite this plan's baseline questions or workshop themes; every
    problem is refused at once, nothing written. After a version went to sign-off this makes a new
    version and voids the approvals pending on the old one. Returns the plan's version after the edit."""
    plan = begin_edit(session, plan_id=plan_id, actor=actor, now=now, what="editing recommendations")
    repo = SignOffRepository(session)
    stored = frozenset(rec.id for rec, _ in repo.recommendations(plan.id))
    problems = recommendation_problems(items, stored, citable(session, plan_id=plan.id))
    if problems:
        raise DocumentRefused(problems)
    recs = []
    for index, item in enumerate(items):
        refs = (ref.partition(":") for ref in dict.fromkeys(item.evidence))
        links = [EvidenceLink(kind=EvidenceKind(kind), ref=value) for kind, _, value in refs]
        recs.append((Recommendation(id=item.id, position=index, title=item.title, detail=item.detail), links))
    repo.replace_recommendations(plan.id, recs)
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


def problems_of(session: Session, *, plan_id: int, items: Sequence[RecommendationIn]) -> list[Problem]:
    """What ``set_recommendations`` would refuse in ``items``, without writing: for a page that has
    problems of its own to show with them, so every problem is seen at once."""
    stored = frozenset(rec.id for rec, _ in SignOffRepository(session).recommendations(plan_id))
    return recommendation_problems(items, stored, citable(session, plan_id=plan_id))
