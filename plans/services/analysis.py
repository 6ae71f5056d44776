"""Analysing a closed survey into stored findings, and comparing a repeat survey with its baseline.

The numbers come from the pure ``evaluation`` package (``evaluation.pipeline.analyse`` over the responses
frame, ``evaluation.compare`` for the changes); this module feeds it from the database and stores what it
publishes, replacing any earlier analysis of the survey. It only flushes: the caller commits, so an
analysis is stored whole or not at all.

What is stored (plans/models/analysis.py): every group of every breakdown per question and per section,
each organisational group's response rate, and one row for the run; and, as before, the organisation-wide
row per question in ``survey_findings``, which the panel and the gates read. Free-text comments are
analysed (under their own threshold) but not stored: they are the respondents' own words.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from evaluation.compare import changes, comparability, response_rate_changes
from evaluation.pipeline import Analysis
from evaluation.pipeline import analyse as run_pipeline
from plans.config import settings
from plans.domain.analysis_spec import HIERARCHY, closed_questions, spec_for
from plans.domain.panel_outputs import REPEAT_OUTPUT
from plans.models import Survey, SurveyKind, utcnow
from plans.repositories.analysis import AnalysisRepository, frame_columns
from plans.repositories.surveys import SurveyRepository
from plans.services.actors import SYSTEM
from plans.services.panel_publishing import publish_if_ready

KEYS = ["breakdown", "group", "question"]
# what a stored change holds (the page reads difference, its interval, p_value, significant, why)
GROUP_CHANGE = (
    "suppressed",
    "baseline_n",
    "baseline_pct",
    "repeat_pct",
    "difference",
    "ci_low",
    "ci_high",
    "z",
    "p_value",
    "significant",
)
RATE_CHANGE = ("baseline_rate", "difference", "ci_low", "ci_high", "z", "p_value", "significant")
OVER_ELIGIBLE = "more responses than eligible staff in one of the surveys (team links or paper)"


@dataclass(frozen=True)
class Outcome:
    """What one analysis stored, in numbers."""

    survey_id: int
    baseline_survey_id: int | None
    respondents: int
    findings: int
    sections: int
    hidden_groups: int
    duration_ms: int


def breakdowns_for(survey: Survey, columns: list[str]) -> tuple[tuple[str, ...], ...]:
    """Organisation, directorate, team and every demographic the survey asks, each alone; then the crossed
    pairs of ``settings.analysis_crossed`` whose columns the frame has."""
    demographics = frame_columns(survey).demographics
    singles = tuple((c,) for c in (*HIERARCHY, *demographics) if c in columns)
    crossed = tuple(pair for pair in settings.analysis_crossed if all(k in columns for k in pair))
    return singles + crossed


def analyse(
    session: Session, *, survey: Survey, baseline: Survey | None = None, now: datetime | None = None
) -> Outcome:
    """Analyse the survey's responses and store the results, replacing any earlier analysis; with a
    baseline (analysed first if it has not been), also the change per group and comparable question and
    in response rates. Questions whose wording or scale changed are stored as not comparable, with why."""
    started = time.perf_counter()
    repo = AnalysisRepository(session)
    frame = repo.responses_frame(survey.id)
    spec = spec_for(
        survey.questions,
        columns=frame.columns,
        demographics=frame_columns(survey).demographics,
        breakdowns=breakdowns_for(survey, frame.columns),
        threshold=settings.reporting_threshold,
        comment_threshold=settings.comment_threshold,
    )
    result = run_pipeline(frame, spec)
    findings, rates = result.findings, _rates(repo, survey.id, result)
    if baseline is not None:
        if repo.analysis(baseline.id) is None:
            analyse(session, survey=baseline, now=now)
        comparable, not_comparable = comparability(closed_questions(baseline.questions), spec.questions)
        findings = _with_changes(findings, repo.group_findings(baseline.id), comparable, not_comparable)
        rates = _with_rate_changes(rates, repo.response_rates(baseline.id))
    duration_ms = round((time.perf_counter() - started) * 1000)
    baseline_id = baseline.id if baseline is not None else None
    run = {
        "baseline_survey_id": baseline_id,
        "analysed_at": now or utcnow(),
        "threshold": spec.threshold,
        "comment_threshold": spec.comment_threshold,
        "respondents": result.respondents,
        "breakdowns": [list(keys) for keys in result.published if keys],
        "duration_ms": duration_ms,
    }
    repo.replace_results(survey_id=survey.id, run=run, findings=findings, sections=result.sections, rates=rates)
    SurveyRepository(session).replace_findings(survey.id, _overall_rows(findings))
    return Outcome(
        survey_id=survey.id,
        baseline_survey_id=baseline_id,
        respondents=result.respondents,
        findings=findings.height,
        sections=result.sections.height,
        hidden_groups=int(result.groups["suppressed"].sum()),
        duration_ms=duration_ms,
    )


def analyse_survey(session: Session, *, survey_id: int, now: datetime | None = None) -> Outcome:
    """``analyse`` for a survey id, against its baseline when it is a repeat survey (the flow's way in)."""
    surveys = SurveyRepository(session)
    survey = surveys.get(survey_id)
    if survey is None:
        raise LookupError(f"no survey with id {survey_id}")
    if survey.closed_at is None:
        raise ValueError(f"survey {survey_id} is still open: a survey is analysed once it has closed")
    baseline = surveys.get(survey.baseline_id) if survey.baseline_id is not None else None
    outcome = analyse(session, survey=survey, baseline=baseline, now=now)
    if survey.kind is SurveyKind.REPEAT:  # the comparison goes to the citizen panel (once; members emailed)
        publish_if_ready(session, plan_id=survey.plan_id, output=REPEAT_OUTPUT, actor=SYSTEM, now=now or utcnow())
    return outcome


def unanalysed(session: Session, *, plan_id: int) -> list[int]:
    """The plan's closed surveys with no stored analysis, baseline first."""
    return AnalysisRepository(session).unanalysed_surveys(plan_id)


def _rates(repo: AnalysisRepository, survey_id: int, result: Analysis) -> pl.DataFrame:
    """Responses against eligible per organisational group: every group with anyone eligible or any
    response (responses from the analysis, eligible from the opening snapshot)."""
    responded = result.groups.filter(pl.col("breakdown").is_in(HIERARCHY)).select(
        "breakdown", "group", pl.col("respondents").alias("responses")
    )
    both = repo.eligible_by_group(survey_id).join(responded, on=["breakdown", "group"], how="full", coalesce=True)
    return (
        both.select(
            "breakdown",
            "group",
            pl.col("eligible").fill_null(0),
            pl.col("responses").fill_null(0),
        )
        .with_columns(
            rate=pl.when(pl.col("eligible") > 0).then(pl.col("responses") / pl.col("eligible")),
        )
        .sort("breakdown", "group")
    )


def _prefixed(names: tuple[str, ...]) -> list[pl.Expr]:
    return [pl.col(c).alias(f"__{c}") for c in names]


def _unprefixed(names: tuple[str, ...]) -> list[pl.Expr]:
    return [pl.col(f"__{c}").alias(c) for c in names]


def _with_changes(
    findings: pl.DataFrame, before: pl.DataFrame, comparable: list[str], not_comparable: list[tuple[str, str]]
) -> pl.DataFrame:
    """The findings with a ``change`` struct per row: the change against the baseline for a comparable
    question (hidden on either side: only the flag and why), or ``comparable`` false and why."""
    # the baseline's groups the repeat lacks fall away in the left join below (not by ``repeat_n``, which
    # is null on every hidden row)
    found = changes(before, findings, comparable)
    # prefixed while joined: the findings have columns of the same names (suppressed, ci_low, ci_high)
    found = found.select(*KEYS, *_prefixed((*GROUP_CHANGE, "why")), pl.lit(True).alias("__matched"))
    nc = pl.DataFrame(not_comparable, schema={"question": pl.String, "__not": pl.String}, orient="row")
    joined = findings.join(found, on=KEYS, how="left").join(nc, on="question", how="left")
    not_comp = pl.col("__not").is_not_null()
    change = pl.struct(
        (~not_comp).alias("comparable"),
        *_unprefixed(GROUP_CHANGE),
        pl.coalesce("__not", "__why").alias("why"),
    )
    has = not_comp | pl.col("__matched").is_not_null()
    return joined.with_columns(pl.when(has).then(change).alias("change")).select(*findings.columns, "change")


def _with_rate_changes(rates: pl.DataFrame, before: pl.DataFrame) -> pl.DataFrame:
    """The rates with a ``change`` struct per group against the baseline's rate. A group with more
    responses than eligible staff in either survey (team links and paper can bring them) is not tested."""
    fits = pl.col("responses") <= pl.col("eligible")
    tested = response_rate_changes(before.filter(fits), rates.filter(fits)).filter(
        pl.col("repeat_eligible").is_not_null()
    )
    tested = tested.select("breakdown", "group", *_prefixed((*RATE_CHANGE, "why")), pl.lit(True).alias("__matched"))
    over_before = before.filter(~fits).select("breakdown", "group", pl.lit(True).alias("__over_before"))
    joined = rates.join(tested, on=["breakdown", "group"], how="left").join(
        over_before, on=["breakdown", "group"], how="left"
    )
    over = ~fits | pl.col("__over_before").is_not_null()
    change = pl.struct(
        *_unprefixed(RATE_CHANGE),
        pl.when(over).then(pl.lit(OVER_ELIGIBLE)).otherwise(pl.col("__why")).alias("why"),
    )
    has = pl.col("__matched").is_not_null() | over
    return joined.with_columns(pl.when(has).then(change).alias("change")).select(*rates.columns, "change")


def _overall_rows(findings: pl.DataFrame) -> list[dict[str, Any]]:
    """The organisation-wide row per question for ``survey_findings``, with its change as the panel
    reads it (comparable, suppressed, the baseline's % and the difference with its interval).

    ``responses`` is how many answered the question; were the overall row ever hidden (``n`` null), it
    is the respondents instead, which are published, and the row keeps no figure."""
    overall = findings.filter(pl.col("breakdown") == "overall")
    rows = []
    for f in overall.to_dicts():
        rows.append(
            {
                "question_id": f["question"],
                "responses": f["respondents"] if f["n"] is None else f["n"],
                "positive": f["positive"] or 0,
                "suppressed": f["suppressed"],
                "pct_positive": f["pct_positive"],
                "ci_low": f["ci_low"],
                "ci_high": f["ci_high"],
                "change": _panel_change(f.get("change")),
            }
        )
    return rows


def _panel_change(change: dict[str, Any] | None) -> dict[str, Any] | None:
    if change is None:
        return None
    if not change["comparable"]:
        return {"comparable": False, "why": change["why"]}
    if change["suppressed"] or change["difference"] is None:
        return {"comparable": True, "suppressed": True, "why": change["why"]}
    figures = ("baseline_pct", "repeat_pct", "difference", "ci_low", "ci_high", "z", "p_value", "significant")
    return {"comparable": True, "suppressed": False, **{k: change[k] for k in figures}}
