"""The survey analysis of ``evaluation.pipeline.analyse`` written again with pandas, as a competent analyst
would, to measure the pipeline against (``python -m bench.analysis_pipeline``) and to check its outputs.

The frame work is pandas throughout: ``read_parquet``; per question a one-hot frame of its answers (the
answer's position on the scale from a ``Categorical``, compared with each position); per breakdown
``groupby(keys).sum()`` of the one-hot columns and ``size()``; ``n``, ``positive``, the distribution and
the fewest answers per group (``m``) from those sums; the relations between published groups by merging
each breakdown's groups with the coarser breakdown's (teams with their directorate, a team's staff of one
ethnicity with the team and with the ethnic group) and ``groupby`` on the parent; long findings rows
with the Wilson interval in numpy; section means. The list column of distributions is an Arrow list
(``pd.ArrowDtype``), pandas' own cheapest form, not ten million Python lists.

What is *not* rewritten is the suppression algorithm: ``evaluation.suppression.pattern`` is called once
with the same cells, sizes, primary reasons and relations, in the same canonical order (overall first,
then the breakdowns in order, groups sorted), so both implementations publish the same pattern and the
comparison measures only the frame work around it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from evaluation.breakdowns import BREAKDOWN_SEP, GROUP_SEP, MISSING_KEY, OVERALL, OVERALL_GROUP
from evaluation.findings import Z95, Question
from evaluation.suppression import CellId, pattern

Breakdown = tuple[str, ...]
LIST = pa.list_(pa.int64())


@dataclass(frozen=True)
class PandasAnalysis:
    """The same outputs as ``evaluation.pipeline.Analysis`` (comments aside), as pandas frames."""

    respondents: int
    findings: pd.DataFrame
    sections: pd.DataFrame
    groups: pd.DataFrame


def _name(keys: Breakdown) -> str:
    return BREAKDOWN_SEP.join(keys) if keys else OVERALL


def _onehot(df: pd.DataFrame, questions: Sequence[Question]) -> pd.DataFrame:
    """Column ``o{i}_{j}``: does the response give answer j of question i (blank gives none)."""
    cols = {}
    for i, q in enumerate(questions):
        cat = pd.Categorical(df[q.id], categories=list(q.options))
        codes = np.asarray(cat.codes)
        stray = (codes < 0) & df[q.id].notna().to_numpy() & (df[q.id] != "").to_numpy()
        if stray.any():
            value = df.loc[stray, q.id].iloc[0]
            raise ValueError(f"question {q.id!r}: answer {value!r} is not on its scale {list(q.options)}")
        for j in range(len(q.options)):
            cols[f"o{i}_{j}"] = codes == j
    return pd.DataFrame(cols, index=df.index)


def _wide(flags: pd.DataFrame, keys: Breakdown, questions: Sequence[Question]) -> pd.DataFrame:
    """One row per group (sorted by the keys): key columns, respondents, answer counts, n{i}, p{i}, m."""
    measures = [f"o{i}_{j}" for i, q in enumerate(questions) for j in range(len(q.options))]
    if keys:
        grouped = flags.groupby(list(keys), sort=True)
        wide = grouped[measures].sum().astype("int64")
        wide.insert(0, "respondents", grouped.size().astype("int64"))
        wide = wide.reset_index()
    else:
        wide = flags[measures].sum().to_frame().T.astype("int64").reset_index(drop=True)
        wide.insert(0, "respondents", len(flags))
    for i, q in enumerate(questions):
        answers = [f"o{i}_{j}" for j in range(len(q.options))]
        wide[f"n{i}"] = wide[answers].sum(axis=1)
        wide[f"p{i}"] = wide[[f"o{i}_{j}" for j, a in enumerate(q.options) if a in q.positive]].sum(axis=1)
    wide["m"] = wide[[f"n{i}" for i in range(len(questions))]].min(axis=1)
    if keys:
        wide["group"] = wide[keys[0]].astype(str)
        for k in keys[1:]:
            wide["group"] = wide["group"] + GROUP_SEP + wide[k].astype(str)
    else:
        wide["group"] = OVERALL_GROUP
    return wide


def _coarser(keys: Breakdown, published: Sequence[Breakdown], levels: Sequence[str]) -> list[tuple[Breakdown, str]]:
    """For each key: the published breakdown a reader sums this one up to, and the key replaced or dropped.

    An organisational level goes up to the nearest published level above it (team -> directorate);
    otherwise the key is dropped (a team's ethnic groups add up to the team)."""
    out = []
    for k in keys:
        up = None
        if k in levels:
            for above in reversed(levels[: levels.index(k)]):
                if tuple(above if x == k else x for x in keys) in published:
                    up = above
                    break
        coarser = tuple(up if x == k else x for x in keys) if up else tuple(x for x in keys if x != k)
        if coarser not in published:
            raise ValueError(f"breakdown {_name(coarser)!r} is needed as a margin but is not published")
        out.append((coarser, up or ""))
    return out


def _relations(
    cells: dict[Breakdown, pd.DataFrame], published: Sequence[Breakdown], levels: Sequence[str], mapping: pd.DataFrame
) -> list[list[int]]:
    """Parent cell first, then its children (sorted), for every coarsening of every published breakdown."""
    found: list[list[int]] = []
    for keys in published:
        for coarser, up in _coarser(keys, published, levels):
            child = cells[keys][[*keys, "cell", "respondents"]]
            if up:
                k = next(x for x in keys if x not in coarser)
                child = child.merge(mapping[[k, up]].drop_duplicates(), on=k, how="left")
            parent = cells[coarser][[*coarser, "cell", "respondents"]].rename(
                columns={"cell": "parent", "respondents": "parent_size"}
            )
            linked = child.merge(parent, on=list(coarser), how="left") if coarser else child.merge(parent, how="cross")
            linked = linked.sort_values(["parent", "cell"])
            grouped = linked.groupby("parent", sort=True).agg(
                children=("cell", list), total=("respondents", "sum"), parent_size=("parent_size", "first")
            )
            if (grouped["total"] != grouped["parent_size"]).any():
                raise ValueError(f"the groups of {_name(keys)!r} do not add up to {_name(coarser)!r}")
            found += [[int(p), *c] for p, c in zip(grouped.index, grouped["children"], strict=True)]
    return found


def _wilson(n: np.ndarray, pos: np.ndarray, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson 95% bounds, the operations in the order of ``evaluation.findings.wilson_interval``."""
    nf = n.astype(np.float64)
    p = pos / nf
    zz = z * z
    denom = 1 + zz / nf
    centre = (p + zz / (2 * n).astype(np.float64)) / denom
    half = z * np.sqrt(p * (1 - p) / nf + zz / (4 * n * n).astype(np.float64)) / denom
    low = np.where(pos == 0, 0.0, np.maximum(0.0, centre - half))
    high = np.where(pos == n, 1.0, np.minimum(1.0, centre + half))
    return low, high


def _long_rows(cells: pd.DataFrame, name: str, questions: Sequence[Question]) -> pd.DataFrame:
    """Findings rows of one breakdown, question by question and group by group (the wide per-question
    columns unrolled question-major with numpy); where the group is hidden only its respondents are shown."""
    groups, width = len(cells), len(questions)
    row_group = np.tile(np.arange(groups), width)  # row -> its group
    hidden = np.tile(cells["reason"].notna().to_numpy(), width)
    shown = ~hidden
    n = cells[[f"n{i}" for i in range(width)]].to_numpy().ravel(order="F")
    pos = cells[[f"p{i}" for i in range(width)]].to_numpy().ravel(order="F")
    pct = np.full(len(n), np.nan)
    low = np.full(len(n), np.nan)
    high = np.full(len(n), np.nan)
    pct[shown] = pos[shown] / n[shown].astype(np.float64)
    low[shown], high[shown] = _wilson(n[shown], pos[shown])
    dists = []
    for i, q in enumerate(questions):
        counts = cells[[f"o{i}_{j}" for j in range(len(q.options))]].to_numpy().ravel()
        mask = pa.array(hidden[i * groups : (i + 1) * groups])
        dists.append(pa.FixedSizeListArray.from_arrays(pa.array(counts), len(q.options), mask=mask).cast(LIST))
    return pd.DataFrame(
        {
            "breakdown": pd.array([name], dtype="str").take(np.zeros(len(n), dtype=np.intp)),
            "group": cells["group"].array.take(row_group),
            "question": pd.array([q.id for q in questions], dtype="str").take(np.repeat(np.arange(width), groups)),
            "respondents": cells["respondents"].to_numpy()[row_group],
            "n": pd.arrays.IntegerArray(n.astype(np.int64), mask=hidden),
            "positive": pd.arrays.IntegerArray(pos.astype(np.int64), mask=hidden),
            "pct_positive": pct,
            "ci_low": low,
            "ci_high": high,
            "suppressed": hidden,
            "reason": cells["reason"].array.take(row_group),
            "distribution": pd.array(pa.chunked_array(dists, type=LIST), dtype=pd.ArrowDtype(LIST)),
        }
    )


def analyse_pandas(
    responses: pd.DataFrame | str | Path,
    questions: Sequence[Question],
    published: Sequence[Breakdown],
    hierarchy: Sequence[str],
    threshold: int,
) -> PandasAnalysis:
    """The findings, sections and groups of ``evaluation.pipeline.analyse`` for these breakdowns
    (``published``: overall first, each crossed pair after its margins, as ``AnalysisSpec.published()``)."""
    keys_used = list(dict.fromkeys(k for keys in published for k in keys))
    if isinstance(responses, pd.DataFrame):
        df = responses
    else:
        df = pd.read_parquet(responses, columns=[*keys_used, *(q.id for q in questions)])
    levels = [h for h in hierarchy if (h,) in published]

    flags = _onehot(df, questions)
    for k in keys_used:
        flags[k] = df[k].fillna(MISSING_KEY).astype(str)
    mapping = flags[levels].drop_duplicates() if levels else pd.DataFrame()
    for fine, coarse in zip(levels[1:], levels[:-1], strict=False):
        pairs = mapping[[fine, coarse]].drop_duplicates()
        if pairs[fine].duplicated().any():
            value = pairs.loc[pairs[fine].duplicated(), fine].iloc[0]
            raise ValueError(f"{fine} {value!r} is in more than one {coarse}; the levels must nest")

    cells: dict[Breakdown, pd.DataFrame] = {}
    offset = 0
    for keys in published:
        wide = _wide(flags, keys, questions)
        wide["cell"] = np.arange(offset, offset + len(wide))
        offset += len(wide)
        cells[keys] = wide
    del flags

    ids: list[CellId] = []
    sizes: list[int] = []
    primary: dict[int, str] = {}
    for keys in published:
        frame = cells[keys]
        ids += [CellId(_name(keys), g) for g in frame["group"]]
        sizes += frame["respondents"].tolist()
        small = frame[frame["m"] < threshold]
        for cell, n in zip(small["cell"], small["respondents"], strict=True):
            # the respondents are public; how many answered each question is not
            primary[int(cell)] = (
                f"primary: {n} respondents < {threshold}"
                if n < threshold
                else f"primary: a question has fewer answers than {threshold}"
            )
    why = pattern(ids, sizes, primary, _relations(cells, published, levels, mapping))
    reasons = pd.Series({i: w.reason for i, w in why.items()}, dtype="str")

    findings, sections, groups = [], [], []
    order = list(dict.fromkeys(q.section for q in questions if q.section))
    for keys in published:
        frame = cells[keys]
        frame["reason"] = frame["cell"].map(reasons)
        name = _name(keys)
        hidden = frame["reason"].notna()
        findings.append(_long_rows(frame, name, questions))
        pct = pd.DataFrame({i: frame[f"p{i}"] / frame[f"n{i}"] for i in range(len(questions))}).where(~hidden)
        for section in order:
            idx = [i for i, q in enumerate(questions) if q.section == section]
            sections.append(
                pd.DataFrame(
                    {
                        "breakdown": name,
                        "group": frame["group"],
                        "section": section,
                        "questions": len(idx),
                        "mean_pct_positive": pct[idx].mean(axis=1),
                        "suppressed": hidden,
                    }
                )
            )
        groups.append(
            pd.DataFrame(
                {
                    "breakdown": name,
                    "group": frame["group"],
                    "respondents": frame["respondents"],
                    "suppressed": hidden,
                    "reason": frame["reason"],
                }
            )
        )
    return PandasAnalysis(
        respondents=int(cells[()]["respondents"].iloc[0]),
        findings=pd.concat(findings, ignore_index=True),
        sections=pd.concat(sections, ignore_index=True) if sections else pd.DataFrame(),
        groups=pd.concat(groups, ignore_index=True),
    )


FLOATS = ("pct_positive", "ci_low", "ci_high", "mean_pct_positive")


def compare(pipeline: Any, pandas_frames: dict[str, Any], tolerance: float = 1e-12) -> dict[str, Any]:
    """Whether the pandas outputs equal the pipeline's, output by output, as a JSON-able record.

    ``pipeline`` maps output name -> Polars frame; ``pandas_frames`` output name -> pandas frame (or
    Polars, as read back from a dump). Rows are compared in order; floats within ``tolerance`` with
    the same nulls (pandas' NaN read as null), every other column exactly.
    """
    import polars as pl

    out: dict[str, Any] = {}
    for name, ours in pipeline.items():
        theirs = pandas_frames[name]
        if isinstance(theirs, pd.DataFrame):
            theirs = pl.from_pandas(theirs, nan_to_null=True)
        rec: dict[str, Any] = {"rows": ours.height, "rows_pandas": theirs.height, "columns": {}}
        if ours.height != theirs.height or ours.columns != theirs.columns:
            rec.update(equal=False, why=f"shape/columns differ: {ours.columns} vs {theirs.columns}")
            out[name] = rec
            continue
        for col in ours.columns:
            a, b = ours[col], theirs[col].cast(ours[col].dtype)
            if col in FLOATS:
                same_nulls = bool((a.is_null() == b.is_null()).all())
                diff = (a - b).abs().max()
                diff = float(diff) if diff is not None else 0.0  # type: ignore[arg-type]
                rec["columns"][col] = {"equal": same_nulls and diff <= tolerance, "max_abs_diff": diff}
            else:
                mismatched = int((~(a.eq_missing(b))).sum())
                rec["columns"][col] = {"equal": mismatched == 0, "mismatched_rows": mismatched}
        rec["equal"] = all(c["equal"] for c in rec["columns"].values())
        out[name] = rec
    out["equal"] = all(v["equal"] for v in out.values() if isinstance(v, dict))
    out["tolerance"] = tolerance
    return out
