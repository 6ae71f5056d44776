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

import numpy as np
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


def _o(i: int, j: int) -> str:
    return f"__o{i}_{j}"


def _c(i: int) -> str:
    return f"__c{i}"


def _scale(q: Question) -> tuple[str, ...]:
    """The answers counted: the scale when given, else the positive answers plus one 'other' bucket."""
    return q.options if q.options else (*sorted(q.positive), "")


def _flag_exprs(questions: Sequence[Question]) -> list[pl.Expr]:
    """Per response and question, the answer's position on the question's scale, the blank being one
    past the end: one small integer column per question. Answers are cast once to an Enum of the scale
    (a hash lookup per value); an answer off the scale makes the cast fail. A question without a scale
    counts its positive answers one by one and every other answer together."""
    exprs = []
    for i, q in enumerate(questions):
        answer = pl.col(q.id).cast(pl.String)
        scale = _scale(q)
        if q.options:
            code = pl.when(answer != "").then(answer).cast(pl.Enum(list(q.options))).to_physical()
        else:
            code = pl.lit(None, pl.UInt32)
            for j, opt in reversed(list(enumerate(sorted(q.positive)))):
                code = pl.when(answer == opt).then(pl.lit(j, pl.UInt32)).otherwise(code)
            other = answer.is_not_null() & (answer != "") & code.is_null()
            code = pl.when(other).then(pl.lit(len(q.positive), pl.UInt32)).otherwise(code)
        exprs.append(code.fill_null(len(scale)).cast(pl.UInt32).alias(_c(i)))
    return exprs


def _outside_scale(lf: pl.LazyFrame, questions: Sequence[Question]) -> ValueError:
    """The error for answers outside a question's scale, naming the question and a value (found only once
    the fast path has failed; the file readers check row by row before this)."""
    for q in questions:
        if not q.options:
            continue
        answer = pl.col(q.id).cast(pl.String)
        bad = lf.select(answer.filter(answer.is_not_null() & (answer != "") & ~answer.is_in(list(q.options))).first())
        value = bad.collect()[q.id][0]
        if value is not None:
            return ValueError(f"question {q.id!r}: answer {value!r} is not on its scale {list(q.options)}")
    return ValueError("an answer is not on its question's scale")


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

    measures = [_o(i, j) for i, q in enumerate(spec.questions) for j in range(len(_scale(q)))]
    try:
        flags = lf.select(*key_columns(lf, keys_used), *_flag_exprs(spec.questions)).collect()
    except pl.exceptions.InvalidOperationError as error:
        raise _outside_scale(lf, spec.questions) from error
    comments = comment_findings(lf, spec, published, levels, keys_used)
    # a national survey's frames are large: each is let go as soon as the next is made, the responses
    # first (when the caller passed them in as a temporary, as the flow and the command line do)
    del responses, lf
    mapping = hierarchy_map(flags, levels) if len(levels) > 1 else None
    cells = _cells(flags, published, levels, mapping, measures, spec.questions)
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


def _cells(
    flags: pl.DataFrame,
    published: Sequence[Breakdown],
    levels: Sequence[str],
    mapping: pl.DataFrame | None,
    measures: list[str],
    questions: Sequence[Question],
) -> dict[Breakdown, pl.DataFrame]:
    """One wide frame per breakdown: sorted key columns, respondents, n{i}, p{i}, the answer counts, m.

    The responses are counted once into the finest groups the organisational breakdowns need (``_count``);
    those breakdowns are summed up from there (``_roll_up``); any other is counted from the responses.
    """
    finest = levels[-1] if levels else None
    crossed_with_levels = {k for keys in published if len(keys) == 2 and set(keys) & set(levels) for k in keys}
    fine_keys = [finest, *sorted(crossed_with_levels - set(levels))] if finest else []
    rollable = set(levels) | set(fine_keys)
    names = ["respondents", *measures]
    fine: tuple[pl.DataFrame, np.ndarray] | None = None
    if fine_keys:
        groups, matrix = _count(flags, fine_keys, questions)
        if mapping is not None:
            groups = groups.join(mapping, on=finest, how="left", maintain_order="left")
        fine = (groups, matrix)
    # an organisational level is summed from the next finer one already summed (60,000 teams, not
    # 200,000 team x ethnicity groups, make the directorates), so the finest levels go first
    computed: dict[Breakdown, tuple[pl.DataFrame, np.ndarray]] = {}
    order = sorted(published, key=lambda keys: -max((levels.index(k) for k in keys if k in levels), default=-1))
    for keys in order:
        if fine is not None and set(keys) <= rollable:
            finer = [(k,) for k in levels if (k,) in computed and len(keys) <= 1 and set(keys) <= set(levels)]
            source = computed[finer[0]] if finer and keys != finer[0] else fine
            computed[keys] = _roll_up(*source, list(keys))
        else:
            computed[keys] = _count(flags, list(keys), questions)
    out = {}
    for keys in published:
        groups, matrix = computed[keys]
        counts = pl.DataFrame({name: matrix[:, j] for j, name in enumerate(names)}).cast(pl.Int64)
        frame = groups.select(keys).hstack(counts) if keys else counts
        out[keys] = frame.sort(list(keys)) if keys else frame
    return {keys: frame.with_columns(*_derived(questions)) for keys, frame in out.items()}


def _group_numbers(frame: pl.DataFrame, keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """A dense group number per row of ``frame`` by its ``keys``, and the first row of each group."""
    size = frame.height
    if not keys:
        return np.zeros(size, dtype=np.int64), np.zeros(min(size, 1), dtype=np.int64)
    combined = np.zeros(size, dtype=np.int64)
    for k in keys:
        _, codes = np.unique(frame[k].cast(pl.Categorical).to_physical().to_numpy(), return_inverse=True)
        combined = combined * (int(codes.max()) + 1 if size else 1) + codes
    _, first, group = np.unique(combined, return_index=True, return_inverse=True)
    return group.astype(np.int64), first


def _count(flags: pl.DataFrame, keys: list[str], questions: Sequence[Question]) -> tuple[pl.DataFrame, np.ndarray]:
    """Per group of ``keys``: its key values, and a matrix of respondents and every answer's count.

    The one place that reads every response: one ``bincount`` per question over group x answer, so
    counting 40 questions of a million responses into 200,000 groups takes a few hundred milliseconds,
    where a group-by summing 200 flag columns took seconds.
    """
    group, first = _group_numbers(flags, keys)
    count = max(len(first), 1)
    widths = [len(_scale(q)) for q in questions]
    # int32: counts never reach 2**31, and half the bytes make the sums below twice as fast
    matrix = np.empty((count, 1 + sum(widths)), dtype=np.int32)
    matrix[:, 0] = np.bincount(group, minlength=count)
    at = 1
    for i, width in enumerate(widths):
        codes = flags[_c(i)].to_numpy()  # 0 .. width - 1, the blank is width
        table = np.bincount(group * (width + 1) + codes, minlength=count * (width + 1)).reshape(count, width + 1)
        matrix[:, at : at + width] = table[:, :width]
        at += width
    groups = flags.select(keys)[first] if keys else pl.DataFrame()
    return groups, matrix


def _roll_up(groups: pl.DataFrame, matrix: np.ndarray, keys: list[str]) -> tuple[pl.DataFrame, np.ndarray]:
    """Sum the finest groups' counts up to coarser ``keys`` (counts are additive): one sorted
    ``add.reduceat`` over the whole matrix."""
    if not keys:
        return groups.clear(), matrix.sum(axis=0, keepdims=True)
    group, first = _group_numbers(groups, keys)
    if len(group) > 1 and bool((group[1:] >= group[:-1]).all()):
        # already in group order (teams from team x ethnicity, counted in that order): no reordering
        return groups[first], np.add.reduceat(matrix, first, axis=0)
    order = np.argsort(group, kind="stable")
    starts = np.searchsorted(group[order], np.arange(len(first)))
    return groups[first], np.add.reduceat(matrix[order], starts, axis=0)


def _derived(questions: Sequence[Question]) -> list[pl.Expr]:
    """n{i} (answers given) and p{i} (positive answers) from the answer counts, and m (the fewest n)."""
    exprs = []
    for i, q in enumerate(questions):
        scale = _scale(q)
        exprs.append(pl.sum_horizontal([pl.col(_o(i, j)) for j in range(len(scale))]).cast(pl.Int64).alias(f"n{i}"))
        exprs.append(
            pl.sum_horizontal([pl.col(_o(i, j)) for j, a in enumerate(scale) if a in q.positive])
            .cast(pl.Int64)
            .alias(f"p{i}")
        )
    n_cols = [pl.sum_horizontal([pl.col(_o(i, j)) for j in range(len(_scale(q)))]) for i, q in enumerate(questions)]
    exprs.append((pl.min_horizontal(n_cols) if n_cols else pl.col("respondents")).cast(pl.Int64).alias("m"))
    return exprs


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
                shown(pl.concat_arr([pl.col(_o(i, j)) for j in range(len(q.options))]).cast(pl.List(pl.Int64)))
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
