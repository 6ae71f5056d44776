"""The same full survey analysis, implemented with pandas, Polars and DuckDB.

Full analysis: for every closed question Q01..Q40 and every group of each breakdown, ``n`` (non-blank
answers) and ``positive`` (answers in that question's positive set). Breakdowns: organisation,
directorate, team, staff_group, ethnicity, team_x_ethnicity, and overall. Every engine reads the Parquet
file itself (the read is part of the timed work) and returns one long frame:

    breakdown | key1 | key2 | question | n | positive

key1 is the group (team code, organisation code, ethnic group ...; null for ``overall``); key2 is the
ethnic group for ``team_x_ethnicity`` and null otherwise. Every observed group gets one row per question,
even when n is 0 (a group whose members all left that question blank).

Engines (``ENGINES``; the first of each library is the one the benchmark reports by default):

* ``pandas``: the reference, written the way a competent analyst would: ``read_parquet``, one boolean
  frame ``answer.isin(positive set)`` per question, then per breakdown ``groupby(keys)[Q].count()`` for n
  and ``groupby(keys).sum()`` of the booleans for positive, ``stack`` to long. Defaults (sort=True).
* ``pandas_melt``: the other natural pandas way: ``melt`` to 40M long rows, then ``groupby(keys +
  [question])``. Slower and far bigger; measured for context only.
* ``polars``: lazy from ``scan_parquet``; wide aggregation: per breakdown ``group_by(keys).agg`` of 80
  expressions (``is_not_null().sum()``, ``is_in(pos).sum()``), unpivot to long, all breakdowns in one
  ``concat`` so Polars runs them in one plan (the scan is shared by common-subplan elimination).
* ``polars_long``: ``unpivot`` to long first, then ``group_by(keys + question)``.
* ``polars_rollup``: aggregate once at (organisation, directorate, team, ethnicity) (~200k groups), then
  roll the other breakdowns up from that small frame; staff_group straight from the data.
* ``duckdb``: one SQL query over ``read_parquet``: ``GROUP BY GROUPING SETS`` (all breakdowns in one
  pass) with wide aggregation (``count(Qxx)``, ``count_if(Qxx IN (...))``), unnested to long in SQL,
  fetched as a Polars frame through Arrow.
* ``duckdb_union``: the same wide aggregation as 7 ``GROUP BY`` queries joined by ``UNION ALL``.

``python -m bench.analysis.engines --engine NAME --data survey.parquet [--dump out.parquet]`` runs one
engine once in this process and prints one JSON line (wall time, peak RSS, rows per breakdown); the
benchmark runs it in a fresh subprocess per repeat. ``--verify a.parquet b.parquet ...`` compares dumps.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.analysis.generate import POSITIVE, POSITIVE_FORWARD, POSITIVE_REVERSED, QUESTIONS, REVERSED

BREAKDOWNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("organisation", ("organisation",)),
    ("directorate", ("directorate",)),
    ("team", ("team",)),
    ("staff_group", ("staff_group",)),
    ("ethnicity", ("ethnicity",)),
    ("team_x_ethnicity", ("team", "ethnicity")),
    ("overall", ()),
)
OUTPUT_COLUMNS = ("breakdown", "key1", "key2", "question", "n", "positive")
ID_COLUMNS = ("team", "directorate", "organisation", "staff_group", "ethnicity")


# --------------------------------------------------------------------------------------------- pandas
def _pd_long(name: str, keys: tuple[str, ...], n_wide: Any, p_wide: Any) -> Any:
    import pandas as pd

    n_wide.columns.name = "question"
    p_wide.columns.name = "question"
    long = pd.DataFrame({"n": n_wide.stack(), "positive": p_wide.stack()}).reset_index()
    long = long.rename(columns={k: f"key{i + 1}" for i, k in enumerate(keys)})
    long.insert(0, "breakdown", name)
    return long


def run_pandas(path: str) -> Any:
    """Reference: per-breakdown wide groupby (count for n, sum of isin booleans for positive)."""
    import pandas as pd

    df = pd.read_parquet(path)
    positive = pd.DataFrame({q: df[q].isin(POSITIVE[q]) for q in QUESTIONS})
    parts = []
    for name, keys in BREAKDOWNS:
        if keys:
            by = [df[k] for k in keys]
            n_wide = df.groupby(by)[list(QUESTIONS)].count()
            p_wide = positive.groupby(by).sum()
        else:
            n_wide = df[list(QUESTIONS)].count().to_frame().T
            p_wide = positive.sum().to_frame().T
        parts.append(_pd_long(name, keys, n_wide, p_wide))
    out = pd.concat(parts, ignore_index=True)
    out = out.drop(columns=[c for c in out.columns if c not in OUTPUT_COLUMNS])
    for c in ("key1", "key2"):
        if c not in out:
            out[c] = None
    return out[list(OUTPUT_COLUMNS)]


def run_pandas_melt(path: str) -> Any:
    """melt to long (responses x 40 rows), then one groupby per breakdown."""
    import numpy as np
    import pandas as pd

    df = pd.read_parquet(path)
    long = df.melt(id_vars=list(ID_COLUMNS), value_vars=list(QUESTIONS), var_name="question", value_name="answer")
    reversed_q = long["question"].isin(REVERSED)
    long["positive"] = np.where(
        reversed_q, long["answer"].isin(POSITIVE_REVERSED), long["answer"].isin(POSITIVE_FORWARD)
    )
    parts = []
    for name, keys in BREAKDOWNS:
        g = long.groupby([*keys, "question"]).agg(n=("answer", "count"), positive=("positive", "sum")).reset_index()
        g = g.rename(columns={k: f"key{i + 1}" for i, k in enumerate(keys)})
        g.insert(0, "breakdown", name)
        parts.append(g)
    out = pd.concat(parts, ignore_index=True)
    for c in ("key1", "key2"):
        if c not in out:
            out[c] = None
    return out[list(OUTPUT_COLUMNS)]


# --------------------------------------------------------------------------------------------- polars
def _pl_aggs() -> list[Any]:
    import polars as pl

    return [pl.col(q).is_not_null().sum().alias(q) for q in QUESTIONS] + [
        pl.col(q).is_in(POSITIVE[q]).sum().alias(f"{q}__p") for q in QUESTIONS
    ]


def _pl_wide_to_long(wide: Any, name: str, keys: tuple[str, ...]) -> Any:
    """Wide (keys, Q01..Q40 = n, Q01__p..Q40__p = positive) -> long; lazy in, lazy out."""
    import polars as pl

    n = wide.select(*keys, *QUESTIONS).unpivot(index=list(keys), variable_name="question", value_name="n")
    p = wide.select([f"{q}__p" for q in QUESTIONS]).unpivot(value_name="positive").select("positive")
    # unpivot is column-major over the same row order, so n and p line up row for row.
    long = pl.concat([n, p], how="horizontal")
    return long.select(
        pl.lit(name).alias("breakdown"),
        (pl.col(keys[0]) if keys else pl.lit(None, pl.String)).alias("key1"),
        (pl.col(keys[1]) if len(keys) > 1 else pl.lit(None, pl.String)).alias("key2"),
        "question",
        pl.col("n").cast(pl.Int64),
        pl.col("positive").cast(pl.Int64),
    )


def _pl_flags(lf: Any) -> Any:
    """Per response: Qxx = answered (bool), Qxx__p = answer in the positive set (bool), plus the keys."""
    import polars as pl

    return lf.select(
        *ID_COLUMNS,
        *(pl.col(q).is_not_null().alias(q) for q in QUESTIONS),
        *(pl.col(q).is_in(POSITIVE[q]).alias(f"{q}__p") for q in QUESTIONS),
    )


MEASURES = (*QUESTIONS, *(f"{q}__p" for q in QUESTIONS))


def run_polars(path: str) -> Any:
    """80 boolean flag columns computed once (lazy scan, collected), then per breakdown
    group_by(keys).sum(), unpivot to long; the breakdowns run as one lazy plan over the cached flags.

    The flags are collected on purpose: left lazy, projection pushdown gives each breakdown its own
    projection, common-subplan elimination no longer sees one shared plan, and every breakdown
    recomputes the 80 flags from the strings (measured 2.9 s instead of 1.4 s)."""
    import polars as pl

    flags = _pl_flags(pl.scan_parquet(path)).collect().lazy()
    parts = []
    for name, keys in BREAKDOWNS:
        sums = pl.col(MEASURES).sum()
        wide = flags.group_by(list(keys)).agg(sums) if keys else flags.select(sums)
        parts.append(_pl_wide_to_long(wide, name, keys))
    return pl.concat(parts).collect()


def run_polars_inagg(path: str) -> Any:
    """Lazy; per breakdown group_by(keys).agg() of 80 expressions is_not_null().sum(), is_in(pos).sum()."""
    import polars as pl

    lf = pl.scan_parquet(path)
    aggs = _pl_aggs()
    parts = []
    for name, keys in BREAKDOWNS:
        wide = lf.group_by(list(keys)).agg(aggs) if keys else lf.select(aggs)
        parts.append(_pl_wide_to_long(wide, name, keys))
    return pl.concat(parts).collect()


def run_polars_long(path: str) -> Any:
    """Lazy; unpivot to long first, then group_by(keys + question)."""
    import polars as pl

    lf = (
        pl.scan_parquet(path)
        .unpivot(index=list(ID_COLUMNS), on=list(QUESTIONS), variable_name="question", value_name="answer")
        .with_columns(
            positive=pl.when(pl.col("question").is_in(list(REVERSED)))
            .then(pl.col("answer").is_in(POSITIVE_REVERSED))
            .otherwise(pl.col("answer").is_in(POSITIVE_FORWARD))
        )
    )
    parts = []
    for name, keys in BREAKDOWNS:
        g = lf.group_by([*keys, "question"]).agg(n=pl.col("answer").count(), positive=pl.col("positive").sum())
        parts.append(
            g.select(
                pl.lit(name).alias("breakdown"),
                (pl.col(keys[0]) if keys else pl.lit(None, pl.String)).alias("key1"),
                (pl.col(keys[1]) if len(keys) > 1 else pl.lit(None, pl.String)).alias("key2"),
                "question",
                pl.col("n").cast(pl.Int64),
                pl.col("positive").cast(pl.Int64),
            )
        )
    return pl.concat(parts).collect()


def run_polars_rollup(path: str) -> Any:
    """Flags once; aggregate once at (organisation, directorate, team, ethnicity) (~200k groups) and roll
    every other breakdown up from that small frame; staff_group (not nested in it) from the flags."""
    import polars as pl

    flags = _pl_flags(pl.scan_parquet(path)).collect().lazy()
    sums = pl.col(MEASURES).sum()
    fine = flags.group_by(["organisation", "directorate", "team", "ethnicity"]).agg(sums).collect().lazy()
    parts = []
    for name, keys in BREAKDOWNS:
        src = flags if name == "staff_group" else fine
        wide = src.group_by(list(keys)).agg(sums) if keys else src.select(sums)
        parts.append(_pl_wide_to_long(wide, name, keys))
    return pl.concat(parts).collect()


# --------------------------------------------------------------------------------------------- duckdb
def _sql_in(values: tuple[str, ...]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


DUCK_POSITIVE = "coalesce"  # how positive is counted; see _duck_aggs


def _duck_aggs() -> str:
    # count_if(x) returns NULL, not 0, for a group whose x is all NULL (every answer blank), so it is
    # wrapped in coalesce; count(x) FILTER (WHERE ...) gives 0 by itself.
    n = [f"count({q}) AS {q}_n" for q in QUESTIONS]
    if DUCK_POSITIVE == "filter":
        p = [f"count({q}) FILTER (WHERE {q} IN ({_sql_in(POSITIVE[q])})) AS {q}_p" for q in QUESTIONS]
    else:
        p = [f"coalesce(count_if({q} IN ({_sql_in(POSITIVE[q])})), 0) AS {q}_p" for q in QUESTIONS]
    return ",\n  ".join(n + p)


def _duck_unnest() -> str:
    qs = ", ".join(f"'{q}'" for q in QUESTIONS)
    ns = ", ".join(f"{q}_n" for q in QUESTIONS)
    ps = ", ".join(f"{q}_p" for q in QUESTIONS)
    return f"unnest([{qs}]) AS question, unnest([{ns}]) AS n, unnest([{ps}]) AS positive"


def _duck_connect() -> Any:
    import duckdb

    return duckdb.connect(":memory:")


def run_duckdb(path: str) -> Any:
    """One query: GROUPING SETS over all breakdowns, wide aggregation, unnest to long in SQL."""
    con = _duck_connect()
    src = "read_parquet('" + path.replace("'", "''") + "')"
    sets = ", ".join("(" + ", ".join(keys) + ")" for _, keys in BREAKDOWNS)
    breakdown = (
        "CASE WHEN grouping(team) = 0 AND grouping(ethnicity) = 0 THEN 'team_x_ethnicity'"
        " WHEN grouping(organisation) = 0 THEN 'organisation'"
        " WHEN grouping(directorate) = 0 THEN 'directorate'"
        " WHEN grouping(team) = 0 THEN 'team'"
        " WHEN grouping(staff_group) = 0 THEN 'staff_group'"
        " WHEN grouping(ethnicity) = 0 THEN 'ethnicity'"
        " ELSE 'overall' END"
    )
    sql = f"""
WITH wide AS (
  SELECT {breakdown} AS breakdown,
  organisation, directorate, team, staff_group, ethnicity,
  {_duck_aggs()}
  FROM {src}
  GROUP BY GROUPING SETS ({sets})
)
SELECT breakdown,
  CASE breakdown WHEN 'organisation' THEN organisation WHEN 'directorate' THEN directorate
    WHEN 'team' THEN team WHEN 'team_x_ethnicity' THEN team WHEN 'staff_group' THEN staff_group
    WHEN 'ethnicity' THEN ethnicity END AS key1,
  CASE WHEN breakdown = 'team_x_ethnicity' THEN ethnicity END AS key2,
  {_duck_unnest()}
FROM wide
"""
    try:
        return con.sql(sql).pl()
    finally:
        con.close()


def run_duckdb_union(path: str) -> Any:
    """Seven GROUP BY queries (one per breakdown) joined by UNION ALL, wide aggregation, unnest to long."""
    con = _duck_connect()
    src = "read_parquet('" + path.replace("'", "''") + "')"
    selects = []
    for name, keys in BREAKDOWNS:
        k1 = keys[0] if keys else "NULL::VARCHAR"
        k2 = keys[1] if len(keys) > 1 else "NULL::VARCHAR"
        group = f"GROUP BY {', '.join(keys)}" if keys else ""
        selects.append(f"SELECT '{name}' AS breakdown, {k1} AS key1, {k2} AS key2, {_duck_aggs()} FROM {src} {group}")
    union = "\nUNION ALL\n".join(selects)
    sql = f"WITH wide AS (\n{union}\n)\nSELECT breakdown, key1, key2, {_duck_unnest()} FROM wide"
    try:
        return con.sql(sql).pl()
    finally:
        con.close()


def run_duckdb_rollup(path: str) -> Any:
    """Aggregate once at (organisation, directorate, team, ethnicity), then GROUPING SETS over that small
    table for the nested breakdowns; staff_group (not nested in it) from the file; unnest to long."""
    con = _duck_connect()
    src = "read_parquet('" + path.replace("'", "''") + "')"
    nested = [(name, keys) for name, keys in BREAKDOWNS if name != "staff_group"]
    sets = ", ".join("(" + ", ".join(keys) + ")" for _, keys in nested)
    sums = ", ".join(f"sum({q}_{s})::BIGINT AS {q}_{s}" for s in ("n", "p") for q in QUESTIONS)
    sql = f"""
WITH fine AS (
  SELECT organisation, directorate, team, ethnicity, {_duck_aggs()}
  FROM {src} GROUP BY organisation, directorate, team, ethnicity
),
wide AS (
  SELECT CASE WHEN grouping(team) = 0 AND grouping(ethnicity) = 0 THEN 'team_x_ethnicity'
      WHEN grouping(organisation) = 0 THEN 'organisation' WHEN grouping(directorate) = 0 THEN 'directorate'
      WHEN grouping(team) = 0 THEN 'team' WHEN grouping(ethnicity) = 0 THEN 'ethnicity' ELSE 'overall' END
      AS breakdown,
    coalesce(organisation, directorate, team, ethnicity) AS key1,
    CASE WHEN grouping(team) = 0 AND grouping(ethnicity) = 0 THEN ethnicity END AS key2,
    {sums}
  FROM fine GROUP BY GROUPING SETS ({sets})
  UNION ALL
  SELECT 'staff_group', staff_group, NULL::VARCHAR, {_duck_aggs()} FROM {src} GROUP BY staff_group
)
SELECT breakdown, key1, key2, {_duck_unnest()} FROM wide
"""
    try:
        return con.sql(sql).pl()
    finally:
        con.close()


ENGINES: dict[str, Callable[[str], Any]] = {
    "pandas": run_pandas,
    "pandas_melt": run_pandas_melt,
    "polars": run_polars,
    "polars_inagg": run_polars_inagg,
    "polars_long": run_polars_long,
    "polars_rollup": run_polars_rollup,
    "duckdb": run_duckdb,
    "duckdb_union": run_duckdb_union,
    "duckdb_rollup": run_duckdb_rollup,
}
LIBRARY = {name: name.split("_")[0] for name in ENGINES}


# ------------------------------------------------------------------------------------------- helpers
def to_polars(result: Any) -> Any:
    """Any engine's result as a Polars frame with the canonical schema."""
    import polars as pl

    df = result if isinstance(result, pl.DataFrame) else pl.from_pandas(result)
    return df.select(
        pl.col("breakdown").cast(pl.String),
        pl.col("key1").cast(pl.String),
        pl.col("key2").cast(pl.String),
        pl.col("question").cast(pl.String),
        pl.col("n").cast(pl.Int64),
        pl.col("positive").cast(pl.Int64),
    )


def rows_per_breakdown(result: Any) -> dict[str, int]:
    col = result["breakdown"]
    counts = col.value_counts()
    if hasattr(counts, "to_dict") and not hasattr(counts, "rows"):  # pandas Series
        return {str(k): int(v) for k, v in counts.to_dict().items()}
    return {str(k): int(v) for k, v in counts.rows()}


def verify(paths: list[str]) -> dict[str, Any]:
    """Compare dumped results (sorted); return equality per dump vs the first, plus suppression facts."""
    import polars as pl

    order = ["breakdown", "key1", "key2", "question"]
    frames = [pl.read_parquet(p).sort(order, nulls_last=True) for p in paths]
    ref = frames[0]
    out: dict[str, Any] = {"reference": paths[0], "rows": ref.height, "equal": {}}
    for p, f in zip(paths[1:], frames[1:], strict=True):
        same = f.shape == ref.shape and f.equals(ref)
        detail = None
        if not same and f.shape == ref.shape:
            diff = pl.any_horizontal([f[c].ne_missing(ref[c]) for c in f.columns])
            detail = f"{int(diff.sum())} rows differ (nulls count as values)"
        elif not same:
            detail = f"shape {f.shape} vs {ref.shape}"
        out["equal"][p] = {"equal": same, "detail": detail}
    txe = ref.filter(pl.col("breakdown") == "team_x_ethnicity")
    team = ref.filter(pl.col("breakdown") == "team")
    out["suppression"] = {
        "team_x_ethnicity_cells": txe.height,
        "team_x_ethnicity_cells_n_lt_11": int((txe["n"] < 11).sum()),
        "team_cells": team.height,
        "team_cells_n_lt_11": int((team["n"] < 11).sum()),
        "full_cross_product_cells": txe["key1"].n_unique() * 6 * len(QUESTIONS),
    }
    out["checks"] = {
        "positive_le_n": bool((ref["positive"] <= ref["n"]).all()),
        "overall_n_sum_equals_org_sum": bool(
            ref.filter(pl.col("breakdown") == "overall")["n"].sum()
            == ref.filter(pl.col("breakdown") == "organisation")["n"].sum()
        ),
    }
    return out


def _peak_rss_bytes() -> int:
    """This process's peak RSS: VmHWM of its own address space. Not ``ru_maxrss``: on Linux that one
    carries over fork + exec from the parent, so a child of a big parent starts at the parent's RSS."""
    try:
        for line in open("/proc/self/status"):  # noqa: SIM115
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


def _child(engine: str, data: str, dump: str | None) -> dict[str, Any]:
    t_start = time.perf_counter()
    fn = ENGINES[engine]
    lib = LIBRARY[engine]
    __import__(lib)  # import the library before timing; only this engine's library is loaded
    import pyarrow  # noqa: F401  (pandas needs it to read Parquet; load it before the clock too)

    rss_before = _peak_rss_bytes()
    t0 = time.perf_counter()
    result = fn(data)
    wall = time.perf_counter() - t0
    peak = _peak_rss_bytes()
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    rec: dict[str, Any] = {
        "engine": engine,
        "wall_s": wall,
        "peak_rss_bytes": peak,
        "ru_maxrss_bytes": maxrss,
        "rss_after_import_bytes": rss_before,
        "import_s": t0 - t_start,
        "rows": len(result),
        "rows_per_breakdown": rows_per_breakdown(result),
    }
    if dump:
        to_polars(result).write_parquet(dump)
        rec["dump"] = dump
    return rec


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--engine", choices=sorted(ENGINES))
    ap.add_argument("--data")
    ap.add_argument("--dump")
    ap.add_argument("--verify", nargs="+")
    a = ap.parse_args(argv)
    if a.verify:
        print(json.dumps(verify(a.verify)))
        return 0
    if not (a.engine and a.data):
        ap.error("--engine and --data are required (or --verify)")
    print(json.dumps(_child(a.engine, a.data, a.dump)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
