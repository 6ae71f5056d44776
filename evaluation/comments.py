"""Free-text comments per organisational group, published only where enough people commented.

A sentence identifies its writer far more easily than a tick, so comments have their own, higher
threshold and their own suppression pattern (the number of commenters, like any count, can be
differenced between a directorate and its teams). They are never broken down by demographics, and a
group's comments are listed sorted, never in the order they were given.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import polars as pl

from evaluation.cells import (
    CELL,
    Breakdown,
    hidden_frame,
    hide_cells,
    hierarchy_map,
    key_columns,
    labelled_cells,
    relations,
)

COMMENT_SCHEMA = pl.Schema(
    {
        "breakdown": pl.String(),
        "group": pl.String(),
        "question": pl.String(),
        "comments": pl.Int64(),
        "texts": pl.List(pl.String()),
        "suppressed": pl.Boolean(),
        "reason": pl.String(),
    }
)


class CommentSpec(Protocol):
    """The part of the analysis spec comments need."""

    @property
    def comment_questions(self) -> tuple[str, ...]: ...

    @property
    def comment_threshold(self) -> int: ...


def comment_findings(
    lf: pl.LazyFrame,
    spec: CommentSpec,
    published: Sequence[Breakdown],
    levels: Sequence[str],
    keys_used: Sequence[str],
) -> pl.DataFrame:
    """Free-text comments per organisational group, each question with its own pattern at the comment threshold."""
    org = [keys for keys in published if set(keys) <= set(levels)]
    if not spec.comment_questions:
        return pl.DataFrame(schema=COMMENT_SCHEMA)
    frames = []
    base = lf.select(*key_columns([k for k in keys_used if k in levels]), *spec.comment_questions).collect()
    mapping = hierarchy_map(base, levels) if len(levels) > 1 else None
    for qid in spec.comment_questions:
        text = pl.col(qid).cast(pl.String).str.strip_chars()
        given = base.filter(text.is_not_null() & (text != "")).with_columns(text.alias(qid))
        cells: dict[Breakdown, pl.DataFrame] = {}
        offset = 0
        for keys in org:
            agg = [pl.len().cast(pl.Int64).alias("respondents"), pl.col(qid).sort().alias("texts")]
            frame = (
                given.group_by(list(keys)).agg(agg).sort(list(keys))
                if keys
                else given.select(agg[0], pl.col(qid).sort().implode().alias("texts"))
            )
            frame = frame.with_columns(pl.col("respondents").alias("m")).with_row_index(CELL, offset)
            cells[keys] = frame.with_columns(pl.col(CELL).cast(pl.Int64))
            offset += frame.height
        links = relations(cells, org, levels, mapping, "respondents")
        why = hide_cells(cells, org, links, spec.comment_threshold, "comments", noun="comments")
        frames += [
            frame.select(
                "breakdown",
                "group",
                pl.lit(qid, pl.String).alias("question"),
                pl.col("respondents").alias("comments"),
                pl.when(pl.col("reason").is_null()).then(pl.col("texts")).alias("texts"),
                pl.col("reason").is_not_null().alias("suppressed"),
                "reason",
            )
            for frame in labelled_cells(cells, org, hidden_frame(why)).values()
        ]
    return pl.concat(frames).cast(COMMENT_SCHEMA)
