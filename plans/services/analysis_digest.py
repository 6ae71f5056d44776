"""A stored analysis read back for its Prefect artifacts: the headline per question, the section means,
the response rate, and a heatmap of directorates and teams against the organisation.

Only what was published is read: a hidden row's respondents and nothing else (not even ``n``, how many
answered the question, which the analysis withholds where it hides a group). The heatmap holds at most
``HEATMAP_ROWS`` groups (directorates first, then teams, by code): a national survey has tens of thousands
of teams and the Prefect UI renders the whole table; the coordinator's analysis page pages through all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from plans.repositories.analysis import AnalysisRepository
from plans.repositories.surveys import SurveyRepository

HEATMAP_ROWS = 200


@dataclass(frozen=True)
class Headline:
    """A question's organisation-wide figure, and its change against the baseline where there is one."""

    question_id: str
    text: str
    n: int
    pct_positive: float | None  # None when hidden
    ci_low: float | None
    ci_high: float | None
    change: dict[str, Any] | None


@dataclass(frozen=True)
class Cell:
    respondents: int  # the group's respondents, always shown
    n: int | None  # how many answered the question; None when hidden
    pct_positive: float | None  # None when hidden
    suppressed: bool


@dataclass(frozen=True)
class HeatRow:
    """One group's figures per question id (a question the group did not answer has no cell)."""

    level: str  # organisation, directorate, team
    group: str
    cells: dict[str, Cell]


@dataclass(frozen=True)
class AnalysisDigest:
    survey_id: int
    title: str
    analysed_at: datetime
    threshold: int
    respondents: int
    eligible: int | None
    baseline_survey_id: int | None
    headlines: list[Headline]
    sections: list[tuple[str, float | None]]  # organisation-wide mean % positive per section (None: hidden)
    questions: list[str]  # heatmap columns, in the survey's order
    heatmap: list[HeatRow]
    groups_left_out: int  # directorates and teams beyond HEATMAP_ROWS


def digest(session: Session, *, survey_id: int) -> AnalysisDigest:
    """The survey's stored analysis as its artifacts show it; LookupError when it has none."""
    repo = AnalysisRepository(session)
    survey = SurveyRepository(session).get(survey_id)
    run = repo.analysis(survey_id)
    if survey is None or run is None:
        raise LookupError(f"survey {survey_id} has no stored analysis")
    texts = {q["id"]: q.get("text", q["id"]) for q in survey.questions}
    overall_rows = {f.question_id: f for f in SurveyRepository(session).findings(survey_id)}
    order = [q for q in texts if q in overall_rows]
    headlines = [
        Headline(
            question_id=q,
            text=texts[q],
            n=overall_rows[q].responses,
            pct_positive=None if overall_rows[q].suppressed else overall_rows[q].pct_positive,
            ci_low=None if overall_rows[q].suppressed else overall_rows[q].ci_low,
            ci_high=None if overall_rows[q].suppressed else overall_rows[q].ci_high,
            change=overall_rows[q].change,
        )
        for q in order
    ]
    rates = repo.response_rates(survey_id).filter(pl.col("breakdown") == "organisation")
    groups = repo.heatmap_groups(survey_id, HEATMAP_ROWS)
    labels = sorted({label for _, label in groups})
    chosen = pl.DataFrame(groups, schema={"breakdown": pl.String, "group": pl.String}, orient="row")
    shown = pl.concat(
        [
            repo.group_findings(survey_id, ["overall"]),
            repo.group_findings(survey_id, ["directorate", "team"], labels).join(
                chosen, on=["breakdown", "group"], how="semi"
            ),
        ]
    )
    return AnalysisDigest(
        survey_id=survey_id,
        title=survey.title,
        analysed_at=run.analysed_at,
        threshold=run.threshold,
        respondents=run.respondents,
        eligible=int(rates["eligible"][0]) if rates.height else None,
        baseline_survey_id=run.baseline_survey_id,
        headlines=headlines,
        sections=[
            (r["section"], None if r["suppressed"] else r["mean_pct_positive"])
            for r in repo.section_findings(survey_id, "overall").iter_rows(named=True)
        ],
        questions=order,
        heatmap=_rows(shown, [("overall", "all"), *groups]),
        groups_left_out=max(0, repo.group_count(survey_id, ["directorate", "team"]) - len(groups)),
    )


def _rows(findings: pl.DataFrame, order: list[tuple[str, str]]) -> list[HeatRow]:
    cells: dict[tuple[str, str], dict[str, Cell]] = {key: {} for key in order}
    for f in findings.iter_rows(named=True):
        hidden = bool(f["suppressed"])
        cells.setdefault((f["breakdown"], f["group"]), {})[f["question"]] = Cell(
            respondents=f["respondents"],
            n=None if hidden else f["n"],
            pct_positive=None if hidden else f["pct_positive"],
            suppressed=hidden,
        )
    level = {"overall": "organisation"}
    return [HeatRow(level=level.get(b, b), group=g, cells=cells[(b, g)]) for b, g in order]
