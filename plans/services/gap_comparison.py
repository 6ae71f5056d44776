"""Gaps between groups of staff in the repeat survey against the baseline: for each characteristic the
survey asks (staff group, ethnicity ...), every group against the reference group, question by question,
and whether the gap narrowed or widened (``evaluation.gap_change``).

The reference group is the first option the survey lists for the characteristic ("White" where the
survey lists it first, as the NHS Workforce Race Equality Standard compares with white staff); people
who preferred not to say are not a group to compare. Questions left out of the comparison because they
changed since the baseline are left out here too. Only the findings the analysis published are read, so
a hidden group stays hidden.
"""

from __future__ import annotations

from collections.abc import Collection

import polars as pl
from sqlalchemy.orm import Session

from evaluation.gap_change import change_words, gap_changes
from plans.domain.survey_answers import PREFER_NOT_TO_SAY
from plans.models import Survey, SurveyKind
from plans.repositories.analysis import AnalysisRepository
from plans.repositories.surveys import SurveyRepository
from plans.schemas_gaps import GapChangeOut
from plans.services.repeat_survey import exclusions_for


def _points(value: float) -> str:
    return f"{value * 100:+.0f}"


def _words(row: dict[str, object]) -> tuple[str, bool | None]:
    change, low, high = row["change"], row["change_low"], row["change_high"]
    if not isinstance(change, float) or not isinstance(low, float) or not isinstance(high, float):
        return f"no comparison: {row['why'] or 'no gap in one of the surveys'}", None
    before, after = row["before"], row["after"]
    assert isinstance(before, float) and isinstance(after, float)
    words = change_words(before, after, low, high)
    real = words != "could be chance"
    verdict = f"{words}: a real change" if real else words
    return f"{_points(change)} points (95% interval {_points(low)} to {_points(high)}; {verdict})", real


def gap_comparison(
    session: Session, *, baseline: Survey, repeat: Survey, left_out: Collection[str] = ()
) -> list[GapChangeOut]:
    """Each characteristic's groups against its reference, in both surveys, for every question the two
    surveys compare; empty until both have been analysed."""
    repo = AnalysisRepository(session)
    if repo.analysis(baseline.id) is None or repo.analysis(repeat.id) is None:
        return []
    characteristics = [
        d
        for d in (repeat.definition or {}).get("demographics") or []
        if isinstance(d, dict) and d.get("options") and d["options"][0] != PREFER_NOT_TO_SAY
    ]
    if not characteristics:
        return []
    ids = [str(d["id"]) for d in characteristics]
    before, after = repo.group_findings(baseline.id, breakdowns=ids), repo.group_findings(repeat.id, breakdowns=ids)
    texts = {str(q["id"]): str(q.get("text", q["id"])) for q in repeat.questions if isinstance(q, dict)}
    out = []
    for d in characteristics:
        changes = gap_changes(before, after, str(d["id"]), str(d["options"][0])).filter(
            (pl.col("group") != PREFER_NOT_TO_SAY) & ~pl.col("question").is_in(list(left_out))
        )
        for row in changes.iter_rows(named=True):
            words, significant = _words(row)
            out.append(
                GapChangeOut(
                    characteristic=str(d.get("text") or d["id"]),
                    question_id=row["question"],
                    question=texts.get(row["question"], row["question"]),
                    group=row["group"],
                    reference=row["reference"],
                    before=row["before"],
                    after=row["after"],
                    change=words,
                    significant=significant,
                )
            )
    return out


def plan_gap_comparison(session: Session, *, plan_id: int) -> list[GapChangeOut]:
    """``gap_comparison`` of the plan's repeat survey against its baseline (empty before both exist)."""
    surveys = SurveyRepository(session)
    baseline, repeat = surveys.for_plan(plan_id, SurveyKind.BASELINE), surveys.for_plan(plan_id, SurveyKind.REPEAT)
    if baseline is None or repeat is None:
        return []
    left_out = {e.question_id for e in exclusions_for(session, repeat)}
    return gap_comparison(session, baseline=baseline, repeat=repeat, left_out=left_out)
