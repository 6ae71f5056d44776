"""Group cells of every published breakdown, and the additive relations a reader could use between them.

A *cell* is one group of one breakdown (a team, an ethnic group, a team's staff of one ethnicity) with
its counts. Every cell of every breakdown published together gets a global index, in a canonical order
(breakdowns in the order given, groups sorted by their key values), so the suppression pattern does not
depend on how the data arrived.

Relations come from *coarsening* a breakdown one key at a time: dropping a key (a team's staff of each
ethnicity add up to the team; the ethnic groups add up to everyone) or, for an organisational level,
replacing it by the nearest published level above it (teams add up to their directorate, and a
directorate's staff of one ethnicity add up over its teams when ``directorate x ethnicity`` is published
too). Every relation a reader could write down between two published breakdowns is one of these or a
combination of them, and the suppression audit takes combinations into account.

All of it is columnar: the cells and relations of a national survey (a quarter of a million cells) are
built with a few joins and group-bys, never a Python loop per group.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from evaluation.breakdowns import BREAKDOWN_SEP, GROUP_SEP, MISSING_KEY, OVERALL, OVERALL_GROUP
from evaluation.suppression import CellId, Suppression, pattern

CELL = "__cell"
Breakdown = tuple[str, ...]


def breakdown_name(keys: Breakdown) -> str:
    """The breakdown's name as published: "overall", "team", "team x ethnicity"."""
    return BREAKDOWN_SEP.join(keys) if keys else OVERALL


def group_label(keys: Breakdown) -> pl.Expr:
    """The group's name as published: "all", "T01", "T01 / White" (key columns are already strings)."""
    if not keys:
        return pl.lit(OVERALL_GROUP, pl.String)
    return pl.concat_str([pl.col(k) for k in keys], separator=GROUP_SEP)


def key_columns(keys: Sequence[str]) -> list[pl.Expr]:
    """The key columns as strings, a missing value being the group ``MISSING_KEY`` (it is counted, not dropped)."""
    return [pl.col(k).cast(pl.String).fill_null(MISSING_KEY) for k in keys]


def hierarchy_map(flags: pl.DataFrame, levels: Sequence[str]) -> pl.DataFrame:
    """Each value of the finest level with the values of the coarser levels it sits in.

    Raises ValueError naming the first value found in two places (a team in two directorates): the
    organisational levels must nest, or a sum over one level would not equal the level above.
    """
    pairs = flags.select(levels).unique()
    for fine_i in range(1, len(levels)):
        fine, coarse = levels[fine_i], levels[fine_i - 1]
        both = pairs.select(fine, coarse).unique()
        doubled = both.filter(pl.col(fine).is_duplicated()).sort(fine, coarse)
        if doubled.height:
            value = doubled[fine][0]
            places = ", ".join(doubled.filter(pl.col(fine) == value)[coarse].to_list())
            raise ValueError(f"{fine} {value!r} is in more than one {coarse} ({places}); the levels must nest")
    return pairs


def parents(
    published: Sequence[Breakdown], levels: Sequence[str]
) -> list[tuple[Breakdown, str, Breakdown, str | None]]:
    """For every published breakdown and each of its keys: (breakdown, key, coarser breakdown, replacement).

    The replacement is the organisational level the key is coarsened to, or None where the key is dropped.
    """
    shown = set(published)
    out = []
    for keys in published:
        for k in keys:
            replacement = None
            if k in levels:
                for above in reversed(levels[: levels.index(k)]):
                    candidate = tuple(above if x == k else x for x in keys)
                    if candidate in shown:
                        replacement = above
                        break
            coarser = (
                tuple(replacement if x == k else x for x in keys) if replacement else tuple(x for x in keys if x != k)
            )
            if coarser not in shown:
                raise ValueError(f"breakdown {breakdown_name(coarser)!r} is needed as a margin but is not published")
            out.append((keys, k, coarser, replacement))
    return out


def relations(
    cells: dict[Breakdown, pl.DataFrame],
    published: Sequence[Breakdown],
    levels: Sequence[str],
    mapping: pl.DataFrame | None,
    size: str,
) -> list[list[int]]:
    """Every relation (parent cell index first, then its children) between the published breakdowns.

    ``cells[b]`` holds the key columns of breakdown ``b``, ``CELL`` (global index) and ``size`` (respondents).
    Raises ValueError if a relation does not add up (every group must be a cell, including missing values).
    """
    found: list[pl.DataFrame] = []
    for keys, _key, coarser, replacement in parents(published, levels):
        child = cells[keys]
        if replacement is not None:
            assert mapping is not None
            k = next(x for x in keys if x not in coarser)
            child = child.join(mapping.select(k, replacement).unique(), on=k, how="left")
        parent_cells = cells[coarser].select(*coarser, pl.col(CELL).alias("__parent"), pl.col(size).alias("__psize"))
        linked = (
            child.join(parent_cells, on=list(coarser), how="left") if coarser else child.join(parent_cells, how="cross")
        )
        grouped = (
            linked.group_by("__parent")
            .agg(pl.col(CELL).sort().alias("__children"), pl.col(size).sum().alias("__sum"), pl.col("__psize").first())
            .sort("__parent")
        )
        wrong = grouped.filter(pl.col("__sum") != pl.col("__psize"))
        if wrong.height:
            raise ValueError(
                f"the groups of {breakdown_name(keys)!r} do not add up to {breakdown_name(coarser)!r}: "
                "every group (including missing values) must be a cell"
            )
        found.append(grouped.select(pl.concat_list(pl.col("__parent").cast(pl.Int64), "__children").alias("m")))
    if not found:
        return []
    return pl.concat(found)["m"].to_list()


def hide_cells(
    cells: dict[Breakdown, pl.DataFrame],
    published: Sequence[Breakdown],
    relations: list[list[int]],
    threshold: int,
    what: str,
    noun: str = "respondents",
) -> dict[int, Suppression]:
    """The suppression pattern over the cells, sized by their respondents: hidden in their own right
    where ``m`` (the fewest answers to a question, or the count itself) is below the threshold.

    The reason names the respondent count (public) but not ``m`` (how many skipped is answer data)."""
    ids: list[CellId] = []
    sizes: list[int] = []
    primary: dict[int, str] = {}
    for keys in published:
        frame = cells[keys].select(CELL, group_label(keys).alias("group"), "respondents", "m")
        ids += [CellId(breakdown_name(keys), g) for g in frame["group"].to_list()]
        sizes += frame["respondents"].to_list()
        small = frame.filter(pl.col("m") < threshold)
        for cell, n in small.select(CELL, "respondents").iter_rows():
            primary[cell] = f"primary: {n} {noun} < {threshold}" if n < threshold else f"primary: {what} {threshold}"
    return pattern(ids, sizes, primary, relations)


def hidden_frame(why: dict[int, Suppression]) -> pl.DataFrame:
    return pl.DataFrame(
        {CELL: list(why), "reason": [w.reason for w in why.values()]},
        schema={CELL: pl.Int64, "reason": pl.String},
    )


def labelled_cells(
    cells: dict[Breakdown, pl.DataFrame], published: Sequence[Breakdown], hidden: pl.DataFrame
) -> dict[Breakdown, pl.DataFrame]:
    """Each breakdown's cells with its name, the group's label and the reason it is hidden (null if shown)."""
    return {
        keys: cells[keys]
        .join(hidden, on=CELL, how="left", maintain_order="left")
        .with_columns(pl.lit(breakdown_name(keys), pl.String).alias("breakdown"), group_label(keys).alias("group"))
        for keys in published
    }
