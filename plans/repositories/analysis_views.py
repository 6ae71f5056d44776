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

from sqlalchemy import Float, Integer, and_, case, cast, func, select
from sqlalchemy.orm import Session, aliased

from plans.analysis_heatmap import FindingRow, GroupSummary
from plans.models import Team
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
        respondents=f.respondents,
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

    def summaries(self, survey_id: int, breakdown: str) -> list[GroupSummary]:
        """One summary per group of the breakdown, in no particular order: its largest n, the mean of its
        shown differences from the organisation (points; the organisation's row joined per question), and
        whether it is hidden, with the least reason of its hidden rows."""
        g = aliased(SurveyGroupFinding)
        o = aliased(SurveyGroupFinding)
        comparable = and_(g.suppressed.is_(False), g.pct_positive.is_not(None), o.pct_positive.is_not(None))
        query = (
            select(
                g.group_label,
                func.max(g.respondents),
                cast(func.avg(case((comparable, (g.pct_positive - o.pct_positive) * 100.0))), Float),
                cast(func.max(case((g.suppressed.is_(True), 1), else_=0)), Integer),
                func.min(case((g.suppressed.is_(True), g.reason))),
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
            .where(g.survey_id == survey_id, g.breakdown == breakdown)
            .group_by(g.group_label)
        )
        return [
            GroupSummary(
                group=group,
                n=n,
                mean_difference=None if hidden else mean,
                suppressed=bool(hidden),
                reason=reason if hidden else None,
            )
            for group, n, mean, hidden, reason in self.session.execute(query)
        ]

    def hidden_counts(self, survey_id: int) -> list[HiddenCounts]:
        """Per breakdown (the organisation's left out): its groups, those hidden, and those hidden only
        secondarily (the least reason of a group's hidden rows says "secondary")."""
        per_group = (
            select(
                SurveyGroupFinding.breakdown.label("breakdown"),
                cast(func.max(case((SurveyGroupFinding.suppressed.is_(True), 1), else_=0)), Integer).label("hidden"),
                func.min(case((SurveyGroupFinding.suppressed.is_(True), SurveyGroupFinding.reason))).label("reason"),
            )
            .where(SurveyGroupFinding.survey_id == survey_id, SurveyGroupFinding.breakdown != OVERALL)
            .group_by(SurveyGroupFinding.breakdown, SurveyGroupFinding.group_label)
            .subquery()
        )
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
        """Every finding of these groups of the breakdown (one page's worth of groups), without the
        distributions and changes the heatmap does not show."""
        if not groups:
            return []
        f = SurveyGroupFinding
        found = self.session.execute(
            select(
                f.group_label,
                f.question_id,
                f.n,
                f.pct_positive,
                f.ci_low,
                f.ci_high,
                f.suppressed,
                f.reason,
                f.respondents,
            ).where(f.survey_id == survey_id, f.breakdown == breakdown, f.group_label.in_(list(groups)))
        )
        return [FindingRow(*row) for row in found]

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

    def team_names(self, organisation_id: int, codes: Sequence[str]) -> dict[str, str]:
        """The names of the organisation's teams (and directorates) with these codes."""
        if not codes:
            return {}
        found = self.session.execute(
            select(Team.code, Team.name).where(Team.organisation_id == organisation_id, Team.code.in_(list(codes)))
        )
        return {code: name for code, name in found}

    @staticmethod
    def finding_row(f: SurveyGroupFinding) -> FindingRow:
        """A stored finding as the heatmap builder takes it."""
        return _row(f)
