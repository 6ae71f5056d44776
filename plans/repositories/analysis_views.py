"""Reading a survey's stored analysis for its pages: the run, the organisation's rows, section means, and
for the heatmap one summary per group (aggregated in SQL) and the findings of one page's groups.

A breakdown may have tens of thousands of groups: ordering and paging need one figure per group, which
the database aggregates from the findings, so Python only ever holds one row per group and the cells of
the groups on the page. ``plans.analysis_heatmap.summarise`` is the reference these aggregates are
tested against.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, Integer, Select, and_, case, cast, func, select
from sqlalchemy.orm import Session, aliased

from plans.analysis_heatmap import FindingRow, GroupSummary
from plans.models.analysis import SurveyAnalysis, SurveyGroupFinding, SurveyResponseRate, SurveySectionFinding

OVERALL = "overall"  # the breakdown of the whole organisation, whose one group is ALL
ALL = "all"


@dataclass(frozen=True)
class HiddenCounts:
    """How many groups a breakdown has, and how many suppression hid for their own size or secondarily."""

    breakdown: str
    groups: int
    hidden: int
    secondary: int


def _row(f: SurveyGroupFinding) -> FindingRow:
    return FindingRow(
        group=f.group_label,
        question=f.question_id,
        n=f.n,
        pct_positive=f.pct_positive,
        ci_low=f.ci_low,
        ci_high=f.ci_high,
        suppressed=f.suppressed,
        reason=f.reason,
    )


class AnalysisViewsRepository:
    """Reads of the ``survey_analyses``, ``survey_group_findings`` and ``survey_section_findings`` tables."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def analysis(self, survey_id: int) -> SurveyAnalysis | None:
        """The survey's analysis run, if it has been analysed."""
        return self.session.scalar(select(SurveyAnalysis).where(SurveyAnalysis.survey_id == survey_id))

    def overall(self, survey_id: int) -> Sequence[SurveyGroupFinding]:
        """The organisation's finding for each question (with its distribution and change)."""
        return self.session.scalars(
            select(SurveyGroupFinding).where(
                SurveyGroupFinding.survey_id == survey_id,
                SurveyGroupFinding.breakdown == OVERALL,
                SurveyGroupFinding.group_label == ALL,
            )
        ).all()

    def overall_sections(self, survey_id: int) -> Sequence[SurveySectionFinding]:
        """The organisation's mean % positive for each section."""
        return self.session.scalars(
            select(SurveySectionFinding).where(
                SurveySectionFinding.survey_id == survey_id,
                SurveySectionFinding.breakdown == OVERALL,
                SurveySectionFinding.group_label == ALL,
            )
        ).all()

    def _per_group(self, survey_id: int, breakdown: str | None = None) -> Select[Any]:
        """One row per (breakdown, group): its largest n, the mean of its shown differences from the
        organisation (points), whether any row is hidden, and the least reason of its hidden rows."""
        g = aliased(SurveyGroupFinding)
        o = aliased(SurveyGroupFinding)
        comparable = and_(g.suppressed.is_(False), g.pct_positive.is_not(None), o.pct_positive.is_not(None))
        difference = case((comparable, (g.pct_positive - o.pct_positive) * 100.0))
        hidden = case((g.suppressed.is_(True), 1), else_=0)
        query = (
            select(
                g.breakdown.label("breakdown"),
                g.group_label.label("group_label"),
                func.max(g.n).label("n"),
                cast(func.avg(difference), Float).label("mean_difference"),
                cast(func.max(hidden), Integer).label("hidden"),
                func.min(case((g.suppressed.is_(True), g.reason))).label("reason"),
            )
            .outerjoin(
                o,
                and_(
                    o.survey_id == g.survey_id,
                    o.breakdown == OVERALL,
                    o.group_label == ALL,
                    o.question_id == g.question_id,
                    o.suppressed.is_(False),
                ),
            )
            .where(g.survey_id == survey_id, g.breakdown != OVERALL)
            .group_by(g.breakdown, g.group_label)
        )
        return query.where(g.breakdown == breakdown) if breakdown is not None else query

    def summaries(self, survey_id: int, breakdown: str) -> list[GroupSummary]:
        """One summary per group of the breakdown, in no particular order."""
        return [
            GroupSummary(
                group=r.group_label,
                n=r.n,
                mean_difference=None if r.hidden else r.mean_difference,
                suppressed=bool(r.hidden),
                reason=r.reason if r.hidden else None,
            )
            for r in self.session.execute(self._per_group(survey_id, breakdown))
        ]

    def hidden_counts(self, survey_id: int) -> list[HiddenCounts]:
        """Per breakdown (the organisation's left out): its groups, those hidden, those hidden secondarily."""
        per_group = self._per_group(survey_id).subquery()
        secondary = case((and_(per_group.c.hidden == 1, per_group.c.reason.like("secondary%")), 1), else_=0)
        query = select(
            per_group.c.breakdown,
            func.count(),
            func.coalesce(func.sum(per_group.c.hidden), 0),
            func.coalesce(func.sum(secondary), 0),
        ).group_by(per_group.c.breakdown)
        return [
            HiddenCounts(breakdown=b, groups=int(n), hidden=int(h), secondary=int(s))
            for b, n, h, s in self.session.execute(query)
        ]

    def rows(self, survey_id: int, breakdown: str, groups: Sequence[str]) -> list[FindingRow]:
        """Every finding of these groups of the breakdown (one page's worth of groups)."""
        if not groups:
            return []
        found = self.session.scalars(
            select(SurveyGroupFinding).where(
                SurveyGroupFinding.survey_id == survey_id,
                SurveyGroupFinding.breakdown == breakdown,
                SurveyGroupFinding.group_label.in_(list(groups)),
            )
        )
        return [_row(f) for f in found]

    def response_rates(self, survey_id: int, breakdown: str, groups: Sequence[str]) -> list[SurveyResponseRate]:
        """The stored response rates of these groups of an organisational breakdown."""
        if not groups:
            return []
        return list(
            self.session.scalars(
                select(SurveyResponseRate).where(
                    SurveyResponseRate.survey_id == survey_id,
                    SurveyResponseRate.breakdown == breakdown,
                    SurveyResponseRate.group_label.in_(list(groups)),
                )
            )
        )

    def organisation_rates(self, survey_id: int) -> list[SurveyResponseRate]:
        """The stored response rate of the survey's organisation (one row; none before rates were stored)."""
        return list(
            self.session.scalars(
                select(SurveyResponseRate).where(
                    SurveyResponseRate.survey_id == survey_id, SurveyResponseRate.breakdown == "organisation"
                )
            )
        )

    @staticmethod
    def finding_row(f: SurveyGroupFinding) -> FindingRow:
        """A stored finding as the heatmap builder takes it."""
        return _row(f)
