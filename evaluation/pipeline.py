"""The whole analysis of a survey's responses: findings per group and question, section means, comments,
all suppressed together, computed column-wise with Polars.

Steps (no Python loop per response or per group):

1. *Flags*: per response, one boolean per question and answer (does this response give this answer?),
   computed once and collected; ``n`` and ``positive`` are sums of them, and so is the distribution.
2. *Counts*: breakdowns made only of organisational levels and the demographics crossed with them are
   summed up from one frame at the finest level (counts are additive); any other breakdown is grouped
   straight from the flags. Every breakdown is one small wide frame of cells.
3. *Pattern*: one suppression pattern for all questions (``evaluation.suppression.pattern``) over every
   published cell, sized by its respondents, and the relations between them (``evaluation.cells``). A
   group is hidden in its own right when its *fewest* answers to any question fall below the threshold,
   so every shown row of every question has ``n`` at or above it, and the same groups are hidden for
   every question. A hidden group shows its respondents but not how many answered each question: a
   blank is then just one more answer whose count is hidden, every count of every question (each
   answer, blanks, positives) adds up over the same sums as the respondents do, and so the one pattern
   that keeps the respondents' sums safe keeps all of them safe. (Publishing a hidden group's ``n``
   would break this: a group whose members all skipped a question has a known count of 0 for it, and a
   sibling hidden only beside it could be subtracted out.)
4. *Output*: long rows per group and question with % positive and its Wilson interval, values nulled
   where the group is hidden; section means; free-text comments under their own, higher threshold and
   their own pattern over the organisational breakdowns only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import polars as pl

from evaluation.breakdowns import wilson_bounds
from evaluation.cells import (
    CELL,
    Breakdown,
    breakdown_name,
    hidden_frame,
    hide_cells,
    hierarchy_map,
    key_columns,
    labelled_cells,
    relations,
)
from evaluation.comments import comment_findings
from evaluation.counting import (
    answer_column,
    code_exprs,
    count_cells,
    outside_scale,
)
from evaluation.findings import Question
from evaluation.suppression import DEFAULT_COMMENT_THRESHOLD, DEFAULT_THRESHOLD

FINDING_SCHEMA = pl.Schema(
    {
        "breakdown": pl.String(),
        "group": pl.String(),
        "question": pl.String(),
        "respondents": pl.Int64(),
        "n": pl.Int64(),
        "positive": pl.Int64(),
        "pct_positive": pl.Float64(),
        "ci_low": pl.Float64(),
        "ci_high": pl.Float64(),
        "suppressed": pl.Boolean(),
        "reason": pl.String(),
        "distribution": pl.List(pl.Int64()),
    }
)


@dataclass(frozen=True)
class AnalysisSpec:
    """What to analyse: the closed questions, the breakdowns, the organisational levels and the thresholds.

    ``breakdowns`` are frame columns, alone or crossed in pairs; ``hierarchy`` names the nested
    organisational columns present, outermost first. The overall breakdown is always published, and so
    is each key of a crossed pair on its own (the margins a reader would use anyway).
    """

    questions: tuple[Question, ...]
    breakdowns: tuple[Breakdown, ...] = ()
    hierarchy: tuple[str, ...] = ()
    threshold: int = DEFAULT_THRESHOLD
    comment_questions: tuple[str, ...] = ()
    comment_threshold: int = DEFAULT_COMMENT_THRESHOLD

    def __post_init__(self) -> None:
        if self.threshold < 1 or self.comment_threshold < 1:
            raise ValueError("thresholds must be at least 1")
        ids = [q.id for q in self.questions] + list(self.comment_questions)
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"question ids listed more than once: {twice}")
        for q in self.questions:
            if not q.positive:
                raise ValueError(f"question {q.id!r} has no positive answers, so it has no % positive")
            if q.options and not q.positive <= set(q.options):
                stray = sorted(q.positive - set(q.options))
                raise ValueError(f"question {q.id!r}: positive answers {stray} are not among its answers")
        for keys in self.breakdowns:
            if not 1 <= len(keys) <= 2 or len(set(keys)) != len(keys):
                raise ValueError(f"breakdown {keys!r}: give one column, or two different columns to cross")
            if len(keys) == 2 and all(k in self.hierarchy for k in keys):
                raise ValueError(f"breakdown {breakdown_name(keys)!r} crosses two organisational levels")

    def published(self) -> list[Breakdown]:
        """Overall, then each breakdown in the order given, each crossed pair preceded by its margins."""
        out: list[Breakdown] = [()]
        for keys in self.breakdowns:
            for margin in [(k,) for k in keys] if len(keys) == 2 else []:
                if margin not in out:
                    out.append(margin)
            if keys not in out:
                out.append(keys)
        return out


@dataclass(frozen=True)
class Analysis:
    """The published results. ``respondents`` is always shown; ``n`` and the answers only where not suppressed."""

    spec: AnalysisSpec
    respondents: int
    findings: pl.DataFrame
    sections: pl.DataFrame
    groups: pl.DataFrame
    comments: pl.DataFrame
    published: list[Breakdown] = field(default_factory=list)


def analyse(responses: pl.DataFrame | pl.LazyFrame, spec: AnalysisSpec) -> Analysis:
    """Analyse the responses frame (one row per response; key columns, one column per question id)."""
    lf = responses.lazy()
    names = set(lf.collect_schema().names())
    published = spec.published()
    keys_used = list(dict.fromkeys(k for keys in published for k in keys))
    for k in keys_used:
        if k not in names:
            raise ValueError(f"breakdown column {k!r} is missing from the responses")
    for qid in [q.id for q in spec.questions] + list(spec.comment_questions):
        if qid not in names:
            raise ValueError(f"question {qid!r} has no column in the responses")
    levels = [h for h in spec.hierarchy if (h,) in published]

    try:
        flags = lf.select(*key_columns(keys_used), *code_exprs(spec.questions)).collect()
    except pl.exceptions.InvalidOperationError as error:
        raise outside_scale(lf, spec.questions) from error
    comments = comment_findings(lf, spec, published, levels, keys_used)
    # a national survey's frames are large: each is let go as soon as the next is made, the responses
    # first (when the caller passed them in as a temporary, as the flow and the command line do)
    del responses, lf
    mapping = hierarchy_map(flags, levels) if len(levels) > 1 else None
    cells = count_cells(flags, published, levels, mapping, spec.questions)
    del flags
    offset = 0
    for keys in published:
        frame = cells[keys]
        cells[keys] = frame.with_row_index(CELL, offset).with_columns(pl.col(CELL).cast(pl.Int64))
        offset += frame.height
    links = relations(cells, published, levels, mapping, "respondents")
    why = hide_cells(cells, published, links, spec.threshold, "a question has fewer answers than")
    del links
    labelled = labelled_cells(cells, published, hidden_frame(why))
    respondents = int(cells[()]["respondents"][0]) if cells[()].height else 0
    del cells
    groups = _groups(labelled)
    values = _values(labelled, spec.questions)
    del labelled
    sections = _sections(values, spec.questions)
    findings = _findings(values, spec.questions)
    del values
    return Analysis(
        spec=spec,
        respondents=respondents,
        findings=findings,
        sections=sections,
        groups=groups,
        comments=comments,
        published=published,
    )


def _values(labelled: dict[Breakdown, pl.DataFrame], questions: Sequence[Question]) -> dict[Breakdown, pl.DataFrame]:
    """Each breakdown's cells with, per question, what may be shown: n, positive, % positive, the
    interval and the distribution, null where the group is hidden (its respondents stay).

    Worked out on the wide frame (one column per question and value) so the long rows below are mere
    selections; measured against computing only the shown cells and putting the frame back in order,
    this is the faster of the two even where most cells are hidden.
    """
    hidden = pl.col("reason").is_not_null()

    def shown(expr: pl.Expr) -> pl.Expr:
        return pl.when(hidden).then(None).otherwise(expr)

    plans = []
    for frame in labelled.values():
        values = []
        for i, q in enumerate(questions):
            n, pos = pl.col(f"n{i}"), pl.col(f"p{i}")
            low, high = wilson_bounds(n, pos)
            dist = (
                shown(
                    pl.concat_arr([pl.col(answer_column(i, j)) for j in range(len(q.options))]).cast(pl.List(pl.Int64))
                )
                if q.options
                else pl.lit(None, pl.List(pl.Int64))
            )
            values += [
                shown(n).alias(f"n{i}"),
                shown(pos).alias(f"p{i}"),
                shown(pos.cast(pl.Float64) / n.cast(pl.Float64)).alias(f"pct{i}"),
                shown(low).cast(pl.Float64).alias(f"lo{i}"),
                shown(high).cast(pl.Float64).alias(f"hi{i}"),
                dist.alias(f"d{i}"),
            ]
        plans.append(frame.lazy().select(CELL, "breakdown", "group", "respondents", "reason", *values))
    return dict(zip(labelled, pl.collect_all(plans), strict=True))


def _findings(values: dict[Breakdown, pl.DataFrame], questions: Sequence[Question]) -> pl.DataFrame:
    """Long rows, breakdown by breakdown, question by question, group by group.

    Built as one select of ready columns per breakdown and question, concatenated (no sort, no list built
    row by row). ``values`` is emptied as it goes, each breakdown's wide frame let go once its rows are
    made, so a national survey never holds both forms of its ten million rows at once.
    """
    frames = []
    for keys in list(values):
        frame = values.pop(keys)
        parts = [
            frame.lazy().select(
                "breakdown",
                "group",
                pl.lit(q.id, pl.String).alias("question"),
                "respondents",
                pl.col(f"n{i}").alias("n"),
                pl.col(f"p{i}").alias("positive"),
                pl.col(f"pct{i}").alias("pct_positive"),
                pl.col(f"lo{i}").alias("ci_low"),
                pl.col(f"hi{i}").alias("ci_high"),
                pl.col("reason").is_not_null().alias("suppressed"),
                "reason",
                pl.col(f"d{i}").alias("distribution"),
            )
            for i, q in enumerate(questions)
        ]
        if parts:
            frames.append(pl.concat(parts).collect().cast(FINDING_SCHEMA))
        del frame, parts
    if not frames:
        return pl.DataFrame(schema=FINDING_SCHEMA)
    return pl.concat(frames, rechunk=False)


SECTION_SCHEMA = pl.Schema(
    {
        "breakdown": pl.String(),
        "group": pl.String(),
        "section": pl.String(),
        "questions": pl.Int64(),
        "mean_pct_positive": pl.Float64(),
        "suppressed": pl.Boolean(),
    }
)


def _sections(values: dict[Breakdown, pl.DataFrame], questions: Sequence[Question]) -> pl.DataFrame:
    """Per group and section, the mean of its questions' % positive (null, like them, where hidden)."""
    order = list(dict.fromkeys(q.section for q in questions if q.section))
    parts = [
        frame.lazy().select(
            "breakdown",
            "group",
            pl.lit(section, pl.String).alias("section"),
            pl.lit(sum(q.section == section for q in questions), pl.Int64).alias("questions"),
            pl.mean_horizontal([pl.col(f"pct{i}") for i, q in enumerate(questions) if q.section == section]).alias(
                "mean_pct_positive"
            ),
            pl.col("reason").is_not_null().alias("suppressed"),
        )
        for frame in values.values()
        for section in order
    ]
    if not parts:
        return pl.DataFrame(schema=SECTION_SCHEMA)
    return pl.concat(parts).collect().cast(SECTION_SCHEMA)


def _groups(labelled: dict[Breakdown, pl.DataFrame]) -> pl.DataFrame:
    return pl.concat(
        [
            frame.select(
                "breakdown", "group", "respondents", pl.col("reason").is_not_null().alias("suppressed"), "reason"
            )
            for frame in labelled.values()
        ]
    )
