"""A plan at its summative evaluation for the summative and final-report tests: the small plan walked
there by its people, with an investment ledger, attendance and evidence for its expectations."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete

from flows.demo_people import People
from plans.db import session_scope
from plans.domain.stages import Stage
from plans.models import EvidenceItem, EvidenceType, InvestmentItem, InvestmentKind, utcnow
from plans.repositories.evaluation import EvaluationRepository
from plans.services.evidence_items import EvidenceDraft, submit_evidence
from tests.conftest import SMALL_PLAN
from tests.support import create, walk_to


@dataclass(frozen=True)
class SummativeWorld:
    plan_id: int
    people: People
    expectations: list[int]  # the register's ids, levels 1 then 2


def at_summative() -> SummativeWorld:
    """The small plan in its summative evaluation: £1,500 staff time + £500 direct + £250 in kind
    (£2,250), 40 people counted by attendance, reaction evidence for both expectations and learning
    evidence for the second (level 2), so both chains are complete. The ledger and the attendance the
    people's walk gave in delivery are replaced by these, so the figures can be worked out by hand."""
    plan_id, people = create(SMALL_PLAN)
    walk_to(plan_id, people, Stage.SUMMATIVE_EVALUATION)
    with session_scope() as s:
        s.execute(delete(InvestmentItem).where(InvestmentItem.plan_id == plan_id))
        s.execute(
            delete(EvidenceItem).where(EvidenceItem.plan_id == plan_id, EvidenceItem.type == EvidenceType.ATTENDANCE)
        )
        s.add_all(
            [
                InvestmentItem(
                    plan_id=plan_id, kind=InvestmentKind.STAFF_TIME, description="Facilitators", hours=50.0,
                    rate_pence=3000,
                ),
                InvestmentItem(
                    plan_id=plan_id, kind=InvestmentKind.DIRECT_COST, description="Venue", amount_pence=50000
                ),
                InvestmentItem(
                    plan_id=plan_id, kind=InvestmentKind.IN_KIND, description="Citizens' time", amount_pence=25000
                ),
            ]
        )  # fmt: skip
        levels = {e.level: e.id for e in EvaluationRepository(s).expectations(plan_id)}
    ids = [levels[1], levels[2]]
    drafts = [
        EvidenceDraft(type="attendance", summary="Induction sessions", participants=40),
        EvidenceDraft(
            type="reaction", summary="Rated useful", value=4.2, unit="out of 5", participants=38, expectation_id=ids[0]
        ),
        EvidenceDraft(
            type="reaction", summary="Rated useful", value=4.4, unit="out of 5", participants=38, expectation_id=ids[1]
        ),
        EvidenceDraft(
            type="learning", summary="Knowledge check", value=82, unit="%", participants=36, expectation_id=ids[1]
        ),
        EvidenceDraft(type="quote", summary="'I finally understood what coproduction means.'", expectation_id=ids[1]),
    ]
    for draft in drafts:
        with session_scope() as s:
            submit_evidence(s, plan_id=plan_id, actor=people.coordinator, draft=draft, now=utcnow())
    return SummativeWorld(plan_id, people, ids)
