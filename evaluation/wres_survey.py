"""WRES indicators 5-8 read from the survey's findings by ethnicity, white against BME, with the gap.

The analysis publishes each ethnic group's counts per question (``evaluation.pipeline`` findings, with
suppression applied). WRES compares two groups: white, and BME (black and minority ethnic). The rule:

* **white** is the group(s) named ``white_label`` ("White" by default; pass several labels when the
  survey lists white groups separately, e.g. "White British", "White Irish", "Any other white");
* **not stated** is "Prefer not to say", "Not stated", "Unknown" and the analysis' "(missing)" (no answer),
  or the labels given in ``not_stated``; they count in neither group, as in the workforce indicators;
* **BME** is every other group of the breakdown: every stated ethnicity that is not white.

The BME figure is the sum of its groups' published counts. Summing published numbers reveals nothing,
so this is safe; but if any BME group with respondents is suppressed, its count is not published and a
BME total would let a reader subtract the published groups from it to recover the hidden one. Then the
BME figure, and with it the gap, is suppressed too, naming the groups responsible. Likewise the white
figure is suppressed when a white group is. Whether a group has anyone in it is read from its
``respondents`` (always published): a hidden group's ``n`` is null in the analysis' findings. A frame
without that column (as the analysis wrote it before) is read by its ``n``.

WRES reports the share answering *yes* (experiencing harassment, believing in equal opportunities...),
whatever a survey counts as "positive" for its heatmap: a harassment question scored with "No" as
positive still reports the % answering "Yes" here. The yes side of a question is its answers among
"Yes", "Strongly agree" and "Agree"; it is read from the positive count when the positive answers are
exactly that side (or exactly the other answers: yes = n - positive), else from the distribution.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import polars as pl

from evaluation.breakdowns import MISSING_KEY
from evaluation.findings import Question
from evaluation.gaps import Proportion
from evaluation.wres import SURVEY_INDICATORS, SurveyIndicator, survey_figures

#: Answers that say yes to an indicator's statement; a question's yes side is those of its scale.
AFFIRMATIVE = ("Yes", "Strongly agree", "Agree")
#: Groups counted in neither white nor BME.
NOT_STATED = ("Prefer not to say", "Not stated", "Unknown", MISSING_KEY)


def _yes_count(q: Question, has_distribution: bool) -> tuple[pl.Expr, str]:
    """How many answered yes in a findings row of ``q``, and the words for the answers counted."""
    yes = [o for o in q.options if o in AFFIRMATIVE]
    if not yes:
        raise ValueError(
            f"question {q.id!r}: a WRES indicator needs a yes or agree answer on its scale "
            f"(its answers are {list(q.options) or 'not given'})"
        )
    words = "answering " + " or ".join(yes)
    if q.positive == frozenset(yes):
        return pl.col("positive"), words
    if q.positive == frozenset(q.options) - frozenset(yes):
        return pl.col("n") - pl.col("positive"), words
    if not has_distribution:
        raise ValueError(
            f"question {q.id!r}: its positive answers are neither its yes side nor the rest, so the count "
            "answering yes needs the findings' distribution column"
        )
    picked = [pl.col("distribution").list.get(i) for i, o in enumerate(q.options) if o in yes]
    return pl.sum_horizontal(picked), words


def _hidden_reason(total: str, side: dict[str, Any]) -> str | None:
    """Why a side is not shown: its suppressed groups, each with the findings' reason where there is one."""
    hidden = side["hidden"]
    if not hidden:
        return None
    names = ", ".join(h["group"] + (f" ({h['why']})" if h["why"] else "") for h in hidden)
    if len(side["parts"]) == 1:  # the side is that one group, suppressed in the findings
        return f"suppressed: {names}"
    verb, pronoun = ("is", "it") if len(hidden) == 1 else ("are", "them")
    return f"suppressed: {names} {verb} suppressed, and a {total} total would reveal {pronoun} by subtraction"


def survey_indicators_by_ethnicity(
    findings: pl.DataFrame,
    questions: Mapping[int, Question],
    white_label: str | Collection[str] = "White",
    *,
    breakdown: str = "ethnicity",
    not_stated: Collection[str] = NOT_STATED,
) -> list[SurveyIndicator]:
    """Indicators 5-8 (those in ``questions``: indicator -> question) white against BME, in indicator order.

    ``findings`` is the analysis' findings frame (breakdown, group, question, n, positive, suppressed;
    respondents, reason and distribution used when present). Each indicator gives the white and BME % answering yes,
    the gap BME - white (Newcombe interval) and the ratio BME / white (Katz interval), every figure with
    its formula; the BME formula names the groups it sums. Suppression is honoured as the module says.
    Raises ValueError for an indicator outside 5-8, an unknown breakdown, or a question without a yes side.
    """
    for indicator in questions:
        if indicator not in SURVEY_INDICATORS:
            raise ValueError(f"indicator must be one of 5, 6, 7, 8 (got {indicator})")
    if not questions:
        return []
    whites = {white_label} if isinstance(white_label, str) else set(white_label)
    missing = [
        c for c in ("breakdown", "group", "question", "n", "positive", "suppressed") if c not in findings.columns
    ]
    if missing:
        raise ValueError(f"findings have no column(s) {missing}")
    rows = findings.filter(pl.col("breakdown") == breakdown)
    if rows.is_empty():
        raise ValueError(f"the findings have no {breakdown!r} breakdown")
    has_distribution = "distribution" in rows.columns
    counted = {q.id: _yes_count(q, has_distribution) for q in questions.values()}
    yes = pl.lit(None, pl.Int64)
    for qid, (expr, _) in counted.items():
        yes = pl.when(pl.col("question") == qid).then(expr).otherwise(yes)
    role = pl.when(pl.col("group").is_in(sorted(whites))).then(pl.lit("white")).otherwise(pl.lit("bme"))
    reason = pl.col("reason") if "reason" in rows.columns else pl.lit(None, pl.String)
    # a group with nobody in it hides nothing; a hidden group's n is null, its respondents never are
    anyone = (pl.col("respondents") if "respondents" in rows.columns else pl.col("n")).fill_null(0) > 0
    hidden = (pl.col("suppressed").fill_null(True) | yes.is_null()) & anyone
    per_role = (
        rows.filter(pl.col("question").is_in(list(counted)) & ~pl.col("group").is_in(sorted(not_stated)))
        .with_columns(
            role.alias("role"),
            yes.cast(pl.Int64).alias("yes"),
            hidden.alias("hidden"),
            anyone.alias("anyone"),
            reason.alias("why"),
        )
        .group_by("question", "role")
        .agg(
            # shown only when no group is hidden, so then every group's n is published
            pl.col("n").sum().alias("n"),
            pl.col("yes").filter(~pl.col("hidden")).sum().alias("yes"),
            pl.col("group").filter(pl.col("anyone")).sort().alias("parts"),
            pl.struct("group", "why").filter(pl.col("hidden")).sort().alias("hidden"),
        )
    )
    found = {(r["question"], r["role"]): r for r in per_role.iter_rows(named=True)}
    empty: dict[str, Any] = {"n": 0, "yes": 0, "parts": [], "hidden": []}

    out = []
    for indicator in sorted(questions):  # at most four
        q = questions[indicator]
        white, bme = found.get((q.id, "white"), empty), found.get((q.id, "bme"), empty)
        why = (_hidden_reason("white", white), _hidden_reason("BME", bme))
        notes = (
            "" if sorted(whites) == ["White"] else f" (white: {', '.join(white['parts']) or 'none'})",
            f" (BME: {', '.join(bme['parts']) or 'no group'})",
        )
        out.append(
            survey_figures(
                indicator,
                Proportion(int(white["yes"]), int(white["n"])),
                Proportion(int(bme["yes"]), int(bme["n"])),
                hidden=why,
                answering=counted[q.id][1],
                notes=notes,
            )
        )
    return out
