"""Gathers ``PlanFacts`` for many plans at once: one query per table, whatever the number of plans,
so the dashboard and the reconcile flow cost the same dozen queries for ten plans or ten thousand."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plans.domain.facts import (
    SUMMATIVE_OUTPUT,
    DecisionFacts,
    ExpectationFacts,
    MemberFacts,
    PanelFacts,
    PlanFacts,
    RecommendationFacts,
    SignOffFacts,
    SurveyFacts,
)
from plans.domain.panel_outputs import REPEAT_OUTPUT, output_phrase
from plans.domain.quorum import QuorumRule
from plans.models import (
    Capacity,
    Checkpoint,
    EvidenceLink,
    Expectation,
    PanelReview,
    Person,
    Plan,
    PlanMember,
    Recommendation,
    SignOffDecision,
    SignOffRound,
    StatementKind,
    SummativeReport,
    Survey,
    SurveyAnalysis,
    SurveyKind,
    SurveyTeam,
    SurveyTeamDay,
    Verdict,
    VisionAgreement,
    VisionStatement,
)

_CHUNK = 900  # stays under SQLite's bound-parameter limit


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


class FactsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _rows(self, stmt_for: object, ids: list[int]) -> list[tuple]:  # type: ignore[type-arg]
        rows: list[tuple] = []  # type: ignore[type-arg]
        for chunk in _chunks(ids):
            rows.extend(self.session.execute(stmt_for(chunk)).all())  # type: ignore[operator]
        return rows

    def load(self, plan_ids: Iterable[int], now: datetime) -> dict[int, PlanFacts]:
        """Facts for each existing plan among ``plan_ids``."""
        ids = sorted(set(plan_ids))
        plans = {
            p.id: p for chunk in _chunks(ids) for p in self.session.scalars(select(Plan).where(Plan.id.in_(chunk)))
        }
        if not plans:
            return {}
        ids = sorted(plans)

        members: dict[int, list[tuple[int, str, object]]] = defaultdict(list)
        approvers: dict[int, list[tuple[int, str]]] = defaultdict(list)
        panel_members: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for plan_id, person_id, name, capacity, kind in self._rows(
            lambda c: (
                select(PlanMember.plan_id, Person.id, Person.name, PlanMember.capacity, PlanMember.member_kind)
                .join(Person, Person.id == PlanMember.person_id)
                .where(PlanMember.plan_id.in_(c))
                .order_by(Person.name)
            ),
            ids,
        ):
            if capacity is Capacity.WORKING_PARTY:
                members[plan_id].append((person_id, name, kind))
            elif capacity is Capacity.APPROVER:
                approvers[plan_id].append((person_id, name))
            else:
                panel_members[plan_id].append((person_id, name))

        agreed = {
            (p, who)
            for p, who in self._rows(
                lambda c: select(VisionAgreement.plan_id, VisionAgreement.person_id).where(
                    VisionAgreement.plan_id.in_(c)
                ),
                ids,
            )
        }
        authors: set[tuple[int, int]] = set()
        statement_counts: dict[tuple[int, StatementKind], int] = defaultdict(int)
        for plan_id, author, kind in self._rows(
            lambda c: select(VisionStatement.plan_id, VisionStatement.author_id, VisionStatement.kind).where(
                VisionStatement.plan_id.in_(c)
            ),
            ids,
        ):
            authors.add((plan_id, author))
            statement_counts[(plan_id, kind)] += 1

        surveys = self._surveys(ids, plans)
        recs = self._recommendations(ids)
        sign_off = self._sign_off(ids, plans, approvers)

        scheduled: dict[int, int] = defaultdict(int)
        recorded: dict[int, int] = defaultdict(int)
        for plan_id, done, n in self._rows(
            lambda c: (
                select(Checkpoint.plan_id, Checkpoint.recorded_at.is_not(None), func.count())
                .where(Checkpoint.plan_id.in_(c))
                .group_by(Checkpoint.plan_id, Checkpoint.recorded_at.is_not(None))
            ),
            ids,
        ):
            scheduled[plan_id] += n
            if done:
                recorded[plan_id] += n
        expectations: dict[int, list[ExpectationFacts]] = defaultdict(list)
        for plan_id, who, text, judgement in self._rows(
            lambda c: (
                select(Expectation.plan_id, Person.name, Expectation.text, Expectation.judgement)
                .join(Person, Person.id == Expectation.stakeholder_id)
                .where(Expectation.plan_id.in_(c))
                .order_by(Expectation.id)
            ),
            ids,
        ):
            expectations[plan_id].append(ExpectationFacts(who, text, judgement))
        reports = {
            p
            for (p,) in self._rows(lambda c: select(SummativeReport.plan_id).where(SummativeReport.plan_id.in_(c)), ids)
        }
        reviewed: set[tuple[int, int]] = set()  # (plan, member) who reviewed the summative report
        reviewed_repeat: set[tuple[int, int]] = set()  # (plan, member) who reviewed the repeat comparison
        challenges: dict[int, list[str]] = defaultdict(list)
        for plan_id, member_id, name, output, verdict, response in self._rows(
            lambda c: (
                select(
                    PanelReview.plan_id,
                    Person.id,
                    Person.name,
                    PanelReview.output,
                    PanelReview.verdict,
                    PanelReview.response,
                )
                .join(Person, Person.id == PanelReview.member_id)
                .where(PanelReview.plan_id.in_(c))
                .order_by(PanelReview.id)
            ),
            ids,
        ):
            if output == SUMMATIVE_OUTPUT:
                reviewed.add((plan_id, member_id))
            elif output == REPEAT_OUTPUT:
                reviewed_repeat.add((plan_id, member_id))
            if verdict is Verdict.CHALLENGE and not response:
                challenges[plan_id].append(f"{name} on {output_phrase(output)}")

        out: dict[int, PlanFacts] = {}
        for plan_id, plan in plans.items():
            baseline = surveys.get((plan_id, SurveyKind.BASELINE))
            out[plan_id] = PlanFacts(
                stage=plan.stage,
                version=plan.version,
                now=now,
                members=tuple(
                    MemberFacts(name, kind, (plan_id, pid) in agreed, (plan_id, pid) in authors)  # type: ignore[arg-type]
                    for pid, name, kind in members[plan_id]
                ),
                aspirations=statement_counts[(plan_id, StatementKind.ASPIRATION)],
                current_state_statements=statement_counts[(plan_id, StatementKind.CURRENT_STATE)],
                baseline=baseline,
                recommendations=tuple(recs[plan_id]),
                sign_off=sign_off[plan_id],
                checkpoints_planned=plan.checkpoints_planned,
                checkpoints_scheduled=scheduled[plan_id],
                checkpoints_recorded=recorded[plan_id],
                expectations=tuple(expectations[plan_id]),
                summative_report=plan_id in reports,
                panel=PanelFacts(
                    members=len(panel_members[plan_id]),
                    reviews=sum(1 for pid, _ in panel_members[plan_id] if (plan_id, pid) in reviewed),
                    unanswered_challenges=tuple(challenges[plan_id]),
                    awaiting_review=tuple(n for pid, n in panel_members[plan_id] if (plan_id, pid) not in reviewed),
                    awaiting_repeat_review=tuple(
                        n for pid, n in panel_members[plan_id] if (plan_id, pid) not in reviewed_repeat
                    ),
                ),
                repeat=surveys.get((plan_id, SurveyKind.REPEAT)),
                baseline_question_ids=baseline.question_ids if baseline else (),
            )
        return out

    def _surveys(self, ids: list[int], plans: dict[int, Plan]) -> dict[tuple[int, SurveyKind], SurveyFacts]:
        rows = [
            s for chunk in _chunks(ids) for s in self.session.scalars(select(Survey).where(Survey.plan_id.in_(chunk)))
        ]
        if not rows:
            return {}
        survey_ids = [s.id for s in rows]
        # the intake's counters and the headcounts fixed when each survey opened, never the responses
        counts: dict[int, int] = dict(
            self._rows(  # type: ignore[arg-type]
                lambda c: (
                    select(SurveyTeamDay.survey_id, func.sum(SurveyTeamDay.responses))
                    .where(SurveyTeamDay.survey_id.in_(c))
                    .group_by(SurveyTeamDay.survey_id)
                ),
                survey_ids,
            )
        )
        eligible: dict[int, int] = dict(
            self._rows(  # type: ignore[arg-type]
                lambda c: (
                    select(SurveyTeam.survey_id, func.sum(SurveyTeam.eligible))
                    .where(SurveyTeam.survey_id.in_(c))
                    .group_by(SurveyTeam.survey_id)
                ),
                survey_ids,
            )
        )
        closed = [s.id for s in rows if s.closed_at is not None]  # none before a survey closes: no query
        analysed = {
            sid
            for (sid,) in self._rows(
                lambda c: select(SurveyAnalysis.survey_id).where(SurveyAnalysis.survey_id.in_(c)), closed
            )
        }
        return {
            (s.plan_id, s.kind): SurveyFacts(
                title=s.title,
                opens_at=s.opens_at,
                closes_at=s.closes_at,
                closed_at=s.closed_at,
                target_rate=s.target_rate,
                responses=int(counts.get(s.id) or 0),
                eligible=int(eligible.get(s.id) or 0),
                question_ids=tuple(q["id"] for q in s.questions),
                close_when_target_met=s.close_when_target_met,
                awaiting_analysis=s.closed_at is not None and s.id not in analysed,
            )
            for s in rows
        }

    def _recommendations(self, ids: list[int]) -> dict[int, list[RecommendationFacts]]:
        out: dict[int, list[RecommendationFacts]] = defaultdict(list)
        for plan_id, title, links in self._rows(
            lambda c: (
                select(Recommendation.plan_id, Recommendation.title, func.count(EvidenceLink.id))
                .outerjoin(EvidenceLink, EvidenceLink.recommendation_id == Recommendation.id)
                .where(Recommendation.plan_id.in_(c))
                .group_by(Recommendation.id, Recommendation.plan_id, Recommendation.title, Recommendation.position)
                .order_by(Recommendation.position)
            ),
            ids,
        ):
            out[plan_id].append(RecommendationFacts(title, links))
        return out

    def _sign_off(
        self, ids: list[int], plans: dict[int, Plan], approvers: dict[int, list[tuple[int, str]]]
    ) -> dict[int, SignOffFacts]:
        latest: dict[int, int] = dict(
            self._rows(  # type: ignore[arg-type]
                lambda c: (
                    select(SignOffRound.plan_id, func.max(SignOffRound.version))
                    .where(SignOffRound.plan_id.in_(c))
                    .group_by(SignOffRound.plan_id)
                ),
                ids,
            )
        )
        names = {pid: name for people in approvers.values() for pid, name in people}
        decisions: dict[int, list[DecisionFacts]] = defaultdict(list)
        for plan_id, approver_id, decision, version in self._rows(
            lambda c: select(
                SignOffDecision.plan_id, SignOffDecision.approver_id, SignOffDecision.decision, SignOffDecision.version
            ).where(SignOffDecision.plan_id.in_(c)),
            ids,
        ):
            if version == latest.get(plan_id):
                decisions[plan_id].append(
                    DecisionFacts(names.get(approver_id, f"person {approver_id}"), decision, version)
                )
        return {
            plan_id: SignOffFacts(
                round_version=latest.get(plan_id),
                approvers=tuple(name for _, name in approvers[plan_id]),
                rule=QuorumRule(plan.quorum_kind, plan.quorum_n),
                decisions=tuple(decisions[plan_id]),
                sent_version=plan.sign_off_requested_version,
            )
            for plan_id, plan in plans.items()
        }
