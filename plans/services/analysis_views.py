"""A plan's survey analysis as its coordinator sees it: the organisation's figure per question (with the
change against the baseline when one was stored), section means, what suppression hid in each breakdown,
the questions not compared, and one page of the heatmap of a chosen breakdown.

Everything is read from the stored analysis (``plans.repositories.analysis_views``), never from the
responses; the grid and its bands are the pure ``plans.analysis_heatmap``. A survey that has not opened,
is still open or has not been analysed yet answers with that state, not an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from plans.analysis_heatmap import PER_PAGE, grid, paged
from plans.analysis_views import (
    AnalysisPage,
    AnalysisState,
    AnalysisView,
    BreakdownSuppression,
    ChangeView,
    Heatmap,
    NotComparable,
    QuestionColumn,
    QuestionHeadline,
    ResponseRateView,
    SectionMean,
    SortKey,
    SortOrder,
)
from plans.domain.errors import InvalidInput, NotFound
from plans.models import Survey, SurveyKind
from plans.models.analysis import SurveyAnalysis, SurveyGroupFinding, SurveyResponseRate
from plans.repositories.analysis_views import OVERALL, AnalysisViewsRepository, HiddenCounts
from plans.repositories.surveys import SurveyRepository
from plans.services import analysis_memo
from plans.services.lifecycle import load_plan

DEFAULT_BREAKDOWN = "team"
CROSSED = " x "  # how a crossed breakdown's name joins its columns: "team x ethnicity"
GROUP_SEP = " / "  # how a crossed breakdown's group joins its values: "T01 / White"
NAMED = ("team", "directorate")  # breakdowns whose groups are team codes, shown with the team's name
ORGANISATION = "organisation"  # the organisation as a breakdown: one group, the whole organisation again


def _kind(kind: str) -> SurveyKind:
    try:
        return SurveyKind(kind)
    except ValueError:
        raise NotFound(f"a survey kind is baseline or repeat, not {kind!r}") from None


def _section_titles(survey: Survey) -> dict[str, str]:
    sections = (survey.definition or {}).get("sections") or []
    return {s["id"]: s.get("title") or s["id"] for s in sections if isinstance(s, dict) and "id" in s}


def columns_of(survey: Survey, analysed: Sequence[str]) -> list[QuestionColumn]:
    """The analysed questions as columns, in the order the survey asked them (any the survey no longer
    lists last, in the order given)."""
    titles = _section_titles(survey)
    known = {q["id"]: q for q in survey.questions if isinstance(q, dict) and "id" in q}
    wanted = set(analysed)
    order = [q for q in known if q in wanted] + [q for q in analysed if q not in known]
    out = []
    for qid in order:
        q = known.get(qid, {})
        section = str(q.get("section") or "")
        out.append(
            QuestionColumn(
                question_id=qid,
                text=str(q.get("text") or qid),
                section=section,
                section_title=titles.get(section, section),
            )
        )
    return out


def change_view(change: dict[str, Any] | None) -> ChangeView | None:
    """The stored change of a finding against the baseline (None when there was no baseline).

    Two shapes are read: a question that could not be compared (``comparable`` false, with ``why``), and
    the change of a comparable question (``evaluation.compare``: ``difference`` and its interval, ``z``,
    ``p_value``, ``significant``, and ``suppressed``/``why`` when either survey hid the figure). A change
    with no difference shows no figure at all, so a hidden value never leaks through a comparison."""
    if change is None:
        return None
    why = change.get("why") or change.get("reason")
    comparable = change.get("comparable", True) is not False
    shown = comparable and change.get("suppressed") is not True and change.get("difference") is not None

    def figure(key: str) -> Any:
        return change.get(key) if shown else None

    if not comparable:
        why = why or "the question changed or was not in the baseline survey"
    elif not shown:
        why = why or "hidden in one of the two surveys"
    return ChangeView(
        comparable=comparable,
        suppressed=comparable and not shown,
        baseline_pct=figure("baseline_pct"),
        difference=figure("difference"),
        ci_low=figure("ci_low"),
        ci_high=figure("ci_high"),
        p_value=figure("p_value"),
        significant=figure("significant"),
        why=None if shown else str(why),
    )


def rate_view(row: SurveyResponseRate) -> ResponseRateView:
    """A stored response rate and its change against the baseline's (a change with no difference, or
    none stored, gives no comparison and says why when it can)."""
    change = row.change or {}
    compared = change.get("difference") is not None

    def figure(key: str) -> Any:
        return change.get(key) if compared else None

    return ResponseRateView(
        eligible=row.eligible,
        responses=row.responses,
        rate=row.rate,
        baseline_rate=figure("baseline_rate"),
        difference=figure("difference"),
        ci_low=figure("ci_low"),
        ci_high=figure("ci_high"),
        significant=figure("significant"),
        why=None if compared or not change else str(change.get("why") or "not compared"),
    )


def _headline(f: SurveyGroupFinding, column: QuestionColumn, options: list[str]) -> QuestionHeadline:
    hidden = f.suppressed
    return QuestionHeadline(
        question_id=f.question_id,
        text=column.text,
        section=column.section,
        section_title=column.section_title,
        respondents=f.respondents,
        n=None if hidden else f.n,
        suppressed=hidden,
        reason=f.reason if hidden else None,
        pct_positive=None if hidden else f.pct_positive,
        ci_low=None if hidden else f.ci_low,
        ci_high=None if hidden else f.ci_high,
        options=options,
        distribution=None if hidden else f.distribution,
        change=change_view(f.change),
    )


def breakdown_names(analysis: SurveyAnalysis, counts: Sequence[HiddenCounts]) -> list[str]:
    """The breakdowns with groups stored, in the order analysed (any stored but not listed, by name); the
    organisation as a breakdown of its one group is the whole organisation again, so it is left out."""
    stored = {c.breakdown for c in counts if not (c.breakdown == ORGANISATION and c.groups == 1)}
    listed = [CROSSED.join(b) for b in analysis.breakdowns or [] if b]
    names = list(dict.fromkeys(n for n in listed if n in stored))
    return names + sorted(stored - set(names))


def chosen_breakdown(asked: str | None, names: Sequence[str]) -> str | None:
    """The breakdown to show: the one asked for, else teams, else the first; refused if not analysed."""
    if asked is not None:
        if asked not in names:
            have = ", ".join(names) or "none"
            raise InvalidInput(f"breakdown: the analysis has no breakdown {asked!r} (it has: {have})")
        return asked
    if DEFAULT_BREAKDOWN in names:
        return DEFAULT_BREAKDOWN
    return names[0] if names else None


def heatmap(
    session: Session,
    analysis: SurveyAnalysis,
    *,
    breakdown: str,
    columns: Sequence[QuestionColumn],
    overall: Sequence[SurveyGroupFinding],
    sort: SortKey,
    order: SortOrder,
    page: int,
    per_page: int,
    organisation_id: int | None = None,
) -> Heatmap:
    """One page of the breakdown's heatmap: its groups summarised and ordered (one aggregate query per
    stored run and breakdown, remembered), then the findings and rates of that page's groups only, and
    for teams and directorates their names (the analysis labels them by code)."""
    repo = AnalysisViewsRepository(session)
    in_order = analysis_memo.ordered_groups(session, analysis, breakdown, sort, order)
    page_groups = paged(in_order, sort=sort, order=order, page=page, per_page=per_page)
    groups = [s.group for s in page_groups.groups]
    survey_id = analysis.survey_id
    heat = grid(
        breakdown=breakdown,
        columns=columns,
        overall=[repo.finding_row(f) for f in overall],
        paged=page_groups,
        rows=repo.rows(survey_id, breakdown, groups),
        rates={r.group_label: rate_view(r) for r in repo.response_rates(survey_id, breakdown, groups)},
    )
    if breakdown.split(CROSSED)[0] in NAMED and organisation_id is not None:
        names = repo.team_names(organisation_id, [g.split(GROUP_SEP)[0] for g in groups])
        for row in heat.rows:
            code, *rest = row.group.split(GROUP_SEP)
            if code in names:
                row.name = GROUP_SEP.join([names[code], *rest])
    return heat


def not_compared(
    session: Session, analysis: SurveyAnalysis, headlines: Sequence[QuestionHeadline]
) -> list[NotComparable]:
    """The questions not compared with the baseline: those stored as not comparable, then the baseline's
    closed questions the repeat survey no longer asks."""
    out = [
        NotComparable(question_id=h.question_id, text=h.text, why=h.change.why or "")
        for h in headlines
        if h.change is not None and not h.change.comparable
    ]
    baseline = SurveyRepository(session).get(analysis.baseline_survey_id) if analysis.baseline_survey_id else None
    if baseline is not None:
        asked = {h.question_id for h in headlines}
        out += [
            NotComparable(question_id=q["id"], text=str(q.get("text") or q["id"]), why="only in the baseline survey")
            for q in baseline.questions
            if isinstance(q, dict) and q.get("positive") and q.get("id") not in asked
        ]
    return out


def analysis_view(
    session: Session,
    *,
    survey: Survey,
    analysis: SurveyAnalysis,
    breakdown: str | None = None,
    sort: SortKey = "name",
    order: SortOrder = "asc",
    page: int = 1,
    per_page: int = PER_PAGE,
    organisation_id: int | None = None,
) -> AnalysisView:
    """The stored analysis of a survey, with one page of the chosen breakdown's heatmap (teams named
    from ``organisation_id``'s teams when given)."""
    repo = AnalysisViewsRepository(session)
    overall = repo.overall(survey.id)
    columns = columns_of(survey, [f.question_id for f in overall])
    by_id = {c.question_id: c for c in columns}
    options = {q["id"]: list(q.get("answers") or []) for q in survey.questions if isinstance(q, dict) and "id" in q}
    position = {c.question_id: i for i, c in enumerate(columns)}
    overall = sorted(overall, key=lambda f: position[f.question_id])
    headlines = [_headline(f, by_id[f.question_id], options.get(f.question_id, [])) for f in overall]
    titles = _section_titles(survey)
    section_order = {s: i for i, s in enumerate(dict.fromkeys([*titles, *(c.section for c in columns)]))}
    last = len(section_order)
    sections = sorted(
        repo.overall_sections(survey.id), key=lambda s: (section_order.get(s.section_id, last), s.section_id)
    )
    counts = analysis_memo.hidden_counts(session, analysis)
    names = breakdown_names(analysis, counts)
    chosen = chosen_breakdown(breakdown, names)
    by_breakdown = {c.breakdown: c for c in counts}
    organisation = repo.organisation_rates(survey.id)
    return AnalysisView(
        analysed_at=analysis.analysed_at,
        threshold=analysis.threshold,
        respondents=analysis.respondents,
        baseline_survey_id=analysis.baseline_survey_id,
        response_rate=rate_view(organisation[0]) if len(organisation) == 1 else None,
        breakdowns=names,
        headlines=headlines,
        sections=[
            SectionMean(
                section=s.section_id,
                title=titles.get(s.section_id, s.section_id),
                questions=s.questions,
                mean_pct_positive=None if s.suppressed else s.mean_pct_positive,
                suppressed=s.suppressed,
            )
            for s in sections
        ],
        suppression=[
            BreakdownSuppression(
                breakdown=name,
                groups=c.groups,
                shown=c.groups - c.hidden,
                primary=c.hidden - c.secondary,
                secondary=c.secondary,
            )
            for name in names
            for c in [by_breakdown[name]]
        ],
        not_comparable=not_compared(session, analysis, headlines),
        heatmap=None
        if chosen is None
        else heatmap(
            session,
            analysis,
            breakdown=chosen,
            columns=columns,
            overall=overall,
            sort=sort,
            order=order,
            page=page,
            per_page=per_page,
            organisation_id=organisation_id,
        ),
    )


def plan_analysis(
    session: Session,
    *,
    plan_id: int,
    kind: str,
    breakdown: str | None = None,
    sort: SortKey = "name",
    order: SortOrder = "asc",
    page: int = 1,
    per_page: int = PER_PAGE,
) -> AnalysisPage:
    """A plan's survey of this kind and its stored analysis, or why it has none yet."""
    plan = load_plan(session, plan_id)  # a missing plan is not found, not a plan with no survey
    wanted = _kind(kind)
    survey = SurveyRepository(session).for_plan(plan_id, wanted)
    stored = AnalysisViewsRepository(session).analysis(survey.id) if survey is not None else None
    state: AnalysisState = "analysed"
    if survey is None:
        state = "not_opened"
    elif stored is None:
        state = "open" if survey.closed_at is None else "not_analysed"
    return AnalysisPage(
        plan_id=plan_id,
        plan_title=plan.title,
        kind=wanted.value,
        state=state,
        survey_id=survey.id if survey else None,
        survey_title=survey.title if survey else None,
        closed_at=survey.closed_at if survey else None,
        analysis=None
        if survey is None or stored is None
        else analysis_view(
            session,
            survey=survey,
            analysis=stored,
            breakdown=breakdown,
            sort=sort,
            order=order,
            page=page,
            per_page=per_page,
            organisation_id=plan.organisation_id,
        ),
    )


__all__ = ["OVERALL", "analysis_view", "plan_analysis"]
