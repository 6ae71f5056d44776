"""A plan with a closed baseline survey and its analysis written straight into the analysis tables, for
the tests of the analysis page, its JSON twin and the service behind them (no responses, no flow: the
page reads only what the analysis stored).

The small plan's questions K1 (knowledge), S1 (skills) and E1 (experience). The organisation:

    question   n   positive   % positive
    K1        60      36        60%
    S1        58      29        50%
    E1        57      40        70%

Teams (breakdown "team"): T1 well above on K1, T2 below on S1, T3 similar everywhere, T4 hidden in its
own right (8 answered), T5 hidden to protect T4 (secondary), and ethnicity with two groups shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from evaluation.findings import wilson_interval
from plans.db import session_scope
from plans.models import Plan, Survey, SurveyKind, utcnow
from plans.models.analysis import SurveyAnalysis, SurveyGroupFinding, SurveyResponseRate, SurveySectionFinding
from plans.services import survey_admin
from tests.conftest import SMALL_PLAN
from tests.support import create

THRESHOLD = 11
SECTIONS = {"K1": "knowledge", "S1": "skills", "E1": "experience"}
# (breakdown, group) -> {question: (n, positive)}; None positive: hidden
FIGURES: dict[tuple[str, str], dict[str, tuple[int, int | None]]] = {
    ("overall", "all"): {"K1": (60, 36), "S1": (58, 29), "E1": (57, 40)},
    ("team", "T1"): {"K1": (20, 19), "S1": (20, 10), "E1": (19, 13)},
    ("team", "T2"): {"K1": (15, 9), "S1": (14, 1), "E1": (14, 10)},
    ("team", "T3"): {"K1": (12, 7), "S1": (11, 6), "E1": (11, 8)},
    ("team", "T4"): {"K1": (8, None), "S1": (8, None), "E1": (8, None)},
    ("team", "T5"): {"K1": (5 + 0, None), "S1": (5, None), "E1": (5, None)},
    ("ethnicity", "White"): {"K1": (40, 24), "S1": (39, 20), "E1": (38, 27)},
    ("ethnicity", "Black and minority ethnic"): {"K1": (20, 12), "S1": (19, 9), "E1": (19, 13)},
}
# (breakdown, group) -> (eligible, responses): organisation and teams, as the analysis stores them
RATES = {
    ("organisation", "SMALL"): (100, 60),
    ("team", "T1"): (25, 20),
    ("team", "T2"): (30, 15),
    ("team", "T3"): (20, 12),
    ("team", "T4"): (10, 8),
    ("team", "T5"): (15, 5),
}
# a repeat survey's changes against the baseline, as the analysis stores them: K1 compared (significant), S1
# hidden in the baseline, E1 reworded; the organisation's response rate compared, team T1 new in the repeat
CHANGES: dict[str, dict[str, Any]] = {
    "K1": {"comparable": True, "suppressed": False, "baseline_n": 50, "baseline_pct": 0.4, "repeat_pct": 0.6,
           "difference": 0.2, "ci_low": 0.02, "ci_high": 0.38, "z": 2.1, "p_value": 0.036, "significant": True,
           "why": None},
    "S1": {"comparable": True, "suppressed": True, "baseline_n": 8, "difference": None,
           "why": "suppressed in the baseline"},
    "E1": {"comparable": False, "why": "wording changed"},
}  # fmt: skip
RATE_CHANGES: dict[tuple[str, str], dict[str, Any]] = {
    ("organisation", "SMALL"): {"baseline_rate": 0.5, "difference": 0.1, "ci_low": -0.04, "ci_high": 0.24,
                                "z": 1.4, "p_value": 0.16, "significant": False, "why": None},
    ("team", "T1"): {"baseline_rate": None, "difference": None, "why": "only in the repeat"},
}  # fmt: skip
REASONS = {"T4": "primary: 8 respondents < 11", "T5": "secondary: protects team/T4"}


@dataclass(frozen=True)
class AnalysisWorld:
    plan_id: int
    survey_id: int


def closed_survey(plan_id: int, kind: SurveyKind = SurveyKind.BASELINE, baseline_id: int | None = None) -> int:
    """A survey of the plan as the lifecycle would open it, closed a day ago; its id."""
    with session_scope() as s:
        plan = s.get(Plan, plan_id)
        assert plan is not None
        baseline = s.get(Survey, baseline_id) if baseline_id else None
        now = utcnow()
        fields = survey_admin.opening_fields(plan, baseline, now - timedelta(days=29))
        survey = Survey(
            plan_id=plan_id,
            kind=kind,
            title=f"Small survey ({kind.value})",
            opens_at=now - timedelta(days=29),
            baseline_id=baseline_id,
            **{**fields, "closes_at": now - timedelta(days=1)},
        )
        survey.closed_at = now - timedelta(days=1)
        s.add(survey)
        s.flush()
        return survey.id


def _spread(question: str, n: int, positive: int) -> list[int]:
    middle = [] if question == "E1" else [0, 0, 0]
    return [positive, *middle, n - positive]


def finding(
    survey_id: int,
    breakdown: str,
    group: str,
    question: str,
    n: int,
    positive: int | None,
    respondents: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A row of survey_group_findings: hidden (no figures, and no ``n``: only the group's respondents)
    when ``positive`` is None; ``respondents`` defaults to ``n``."""
    shown = positive is not None and n > 0
    low, high = wilson_interval(positive, n) if shown and positive is not None else (None, None)
    return {
        "survey_id": survey_id,
        "breakdown": breakdown,
        "group_label": group,
        "question_id": question,
        "respondents": n if respondents is None else respondents,
        "n": n if shown else None,
        "positive": positive if shown else None,
        "pct_positive": positive / n if shown and positive is not None else None,
        "ci_low": low,
        "ci_high": high,
        "suppressed": not shown,
        "reason": None if shown else REASONS.get(group, f"primary: {n} respondents < {THRESHOLD}"),
        # the positive answers on the first option, the rest on the last (agreement has five, yes/no two)
        "distribution": _spread(question, n, positive) if shown and positive is not None else None,
        "change": None,
        **extra,
    }


def store(
    survey_id: int,
    figures: dict[tuple[str, str], dict[str, tuple[int, int | None]]],
    *,
    changes: dict[str, dict[str, Any]] | None = None,
    baseline_id: int | None = None,
    breakdowns: list[list[str]] | None = None,
    rates: dict[tuple[str, str], tuple[int, int]] | None = None,
    rate_changes: dict[tuple[str, str], dict[str, Any]] | None = None,
) -> None:
    """Write an analysis of the survey: the run, a finding per (group, question) and the organisation's
    section means (``changes``: the overall row's change per question), and response rates if given."""
    rows = [
        finding(
            survey_id, b, g, q, n, p,
            respondents=max(m for m, _ in per_question.values()),  # the group's: its largest n here
            change=(changes or {}).get(q) if b == "overall" else None,
        )
        for (b, g), per_question in figures.items()
        for q, (n, p) in per_question.items()
    ]  # fmt: skip
    overall = figures[("overall", "all")]
    with session_scope() as s:
        s.add(
            SurveyAnalysis(
                survey_id=survey_id,
                baseline_survey_id=baseline_id,
                analysed_at=utcnow(),
                threshold=THRESHOLD,
                comment_threshold=20,
                respondents=max(n for n, _ in overall.values()),
                breakdowns=breakdowns if breakdowns is not None else [["team"], ["ethnicity"]],
                duration_ms=12,
            )
        )
        s.execute(SurveyGroupFinding.__table__.insert(), rows)
        s.add_all(
            SurveySectionFinding(
                survey_id=survey_id,
                breakdown="overall",
                group_label="all",
                section_id=SECTIONS[q],
                questions=1,
                mean_pct_positive=(p / n) if p is not None else None,
                suppressed=p is None,
            )
            for q, (n, p) in overall.items()
        )
        s.add_all(
            SurveyResponseRate(
                survey_id=survey_id,
                breakdown=b,
                group_label=g,
                eligible=eligible,
                responses=responses,
                rate=responses / eligible if eligible else None,
                change=(rate_changes or {}).get((b, g)),
            )
            for (b, g), (eligible, responses) in (rates or {}).items()
        )


def analysed_plan(slug: str | None = None) -> AnalysisWorld:
    """The small plan with a closed baseline survey analysed as FIGURES says."""
    plan_id, _ = create(SMALL_PLAN, slug=slug)
    survey_id = closed_survey(plan_id)
    store(survey_id, FIGURES, rates=RATES)
    return AnalysisWorld(plan_id, survey_id)


def baseline_of(plan_id: int) -> int | None:
    """The id of the plan's baseline survey, if it has one."""
    with session_scope() as s:
        return s.scalar(select(Survey.id).where(Survey.plan_id == plan_id, Survey.kind == SurveyKind.BASELINE))
