"""Seeded synthetic national staff survey, written to Parquet (and optionally CSV) with numpy + pyarrow.

Shape: ``responses`` rows; columns team ("T012345"), directorate ("D0123"), organisation ("O042"),
staff_group, ethnicity, Q01..Q40. Answers come from a 5-point agreement scale with about 3% blanks
(null). Hierarchy: 200 organisations, 3-7 directorates each (about 1,000 in all), 60,000 teams, each
team in exactly one directorate and so one organisation. Team sizes are uneven (log-normal weights),
so many teams have fewer than 11 respondents. Answers follow a latent score (team effect + person
effect + noise) cut at per-question thresholds, so groups genuinely differ.

No Python loop runs per row: one ``rng`` call per column, strings built by ``pyarrow`` ``take`` from
small dictionaries.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

SCALE = ("Strongly agree", "Agree", "Neither agree nor disagree", "Disagree", "Strongly disagree")
QUESTIONS = tuple(f"Q{i:02d}" for i in range(1, 41))
REVERSED = frozenset({"Q07", "Q23", "Q31"})  # negatively worded: agreeing is the bad answer
POSITIVE_FORWARD = ("Strongly agree", "Agree")
POSITIVE_REVERSED = ("Disagree", "Strongly disagree")
POSITIVE: dict[str, tuple[str, ...]] = {
    q: (POSITIVE_REVERSED if q in REVERSED else POSITIVE_FORWARD) for q in QUESTIONS
}
STAFF_GROUPS = (
    "Nursing and midwifery",
    "Medical and dental",
    "Allied health professionals",
    "Healthcare scientists",
    "Admin and clerical",
    "Estates and ancillary",
    "General management",
    "Healthcare assistants",
    "Ambulance",
    "Other clinical",
)
STAFF_GROUP_P = (0.27, 0.10, 0.09, 0.03, 0.20, 0.06, 0.05, 0.12, 0.04, 0.04)
ETHNICITIES = ("White", "Asian", "Black", "Mixed", "Other", "Not stated")
ETHNICITY_P = (0.72, 0.11, 0.07, 0.03, 0.02, 0.05)
ID_COLUMNS = ("team", "directorate", "organisation", "staff_group", "ethnicity")

DEFAULTS: dict[str, Any] = {
    "responses": 1_000_000,
    "organisations": 200,
    "teams": 60_000,
    "blank_rate": 0.03,
    "seed": 20251101,
    "row_group_size": 100_000,
}


def _codes(prefix: str, n: int, width: int) -> pa.Array:
    return pa.array([f"{prefix}{i:0{width}d}" for i in range(n)], type=pa.string())


def build_table(
    responses: int = DEFAULTS["responses"],
    organisations: int = DEFAULTS["organisations"],
    teams: int = DEFAULTS["teams"],
    blank_rate: float = DEFAULTS["blank_rate"],
    seed: int = DEFAULTS["seed"],
) -> tuple[pa.Table, dict[str, Any]]:
    """The survey as an Arrow table (plain string columns, nulls for blanks) and facts about it."""
    rng = np.random.default_rng(seed)

    # Hierarchy: organisation -> directorates (3..7) -> teams (each directorate gets >= 1 team).
    dirs_per_org = rng.integers(3, 8, size=organisations)
    n_dirs = int(dirs_per_org.sum())
    dir_org = np.repeat(np.arange(organisations), dirs_per_org)
    dir_weight = rng.gamma(2.0, 1.0, size=n_dirs)
    team_dir = np.concatenate(
        [np.arange(n_dirs), rng.choice(n_dirs, size=teams - n_dirs, p=dir_weight / dir_weight.sum())]
    )
    rng.shuffle(team_dir)
    team_org = dir_org[team_dir]

    # Uneven team sizes: respondents drawn with log-normal team weights.
    team_weight = rng.lognormal(0.0, 0.8, size=teams)
    team = rng.choice(teams, size=responses, p=team_weight / team_weight.sum()).astype(np.int32)
    staff_group = rng.choice(len(STAFF_GROUPS), size=responses, p=STAFF_GROUP_P).astype(np.int8)
    ethnicity = rng.choice(len(ETHNICITIES), size=responses, p=ETHNICITY_P).astype(np.int8)

    # Latent engagement: organisation + team + person effects; per-question cut points.
    org_effect = rng.normal(0.0, 0.25, size=organisations)
    team_effect = rng.normal(0.0, 0.35, size=teams) + org_effect[team_org]
    person = (team_effect[team] + rng.normal(0.0, 0.6, size=responses)).astype(np.float32)

    scale = pa.array(SCALE, type=pa.string())
    columns: dict[str, pa.Array] = {
        "team": _codes("T", teams, 6).take(pa.array(team)),
        "directorate": _codes("D", n_dirs, 4).take(pa.array(team_dir[team])),
        "organisation": _codes("O", organisations, 3).take(pa.array(team_org[team])),
        "staff_group": pa.array(STAFF_GROUPS, type=pa.string()).take(pa.array(staff_group)),
        "ethnicity": pa.array(ETHNICITIES, type=pa.string()).take(pa.array(ethnicity)),
    }
    for q in QUESTIONS:
        # Cut points on the latent scale; centre varies by question (some questions score lower).
        centre = rng.normal(-0.3, 0.35)
        cuts = np.array([centre - 1.4, centre - 0.6, centre, centre + 1.0], dtype=np.float32)  # ascending
        score = person + rng.standard_normal(responses, dtype=np.float32)
        code = (4 - np.searchsorted(cuts, score)).astype(np.int8)  # 0 = Strongly agree (high score)
        if q in REVERSED:  # high engagement -> disagrees with a negatively worded item
            code = (4 - code).astype(np.int8)
        blank = rng.random(responses, dtype=np.float32) < blank_rate
        columns[q] = scale.take(pa.array(code, mask=blank))

    table = pa.table(columns)
    sizes = np.bincount(team, minlength=teams)
    facts = {
        "responses": responses,
        "organisations": organisations,
        "directorates": n_dirs,
        "teams_defined": teams,
        "teams_with_respondents": int((sizes > 0).sum()),
        "teams_under_11": int(((sizes > 0) & (sizes < 11)).sum()),
        "team_size_median": float(np.median(sizes[sizes > 0])),
        "team_size_max": int(sizes.max()),
        "team_x_ethnicity_groups": int(np.unique(team.astype(np.int64) * 8 + ethnicity).size),
        "blank_rate_target": blank_rate,
        "seed": seed,
    }
    return table, facts


def generate(
    out_dir: Path | str,
    responses: int = DEFAULTS["responses"],
    *,
    csv: bool = False,
    seed: int = DEFAULTS["seed"],
    row_group_size: int = DEFAULTS["row_group_size"],
    **kw: Any,
) -> dict[str, Any]:
    """Write ``survey.parquet`` (and ``survey.csv`` if asked) into ``out_dir``; return paths, sizes, times."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    table, facts = build_table(responses, seed=seed, **kw)
    t1 = time.perf_counter()
    parquet = out / "survey.parquet"
    pq.write_table(table, parquet, row_group_size=row_group_size, compression="snappy")
    t2 = time.perf_counter()
    info: dict[str, Any] = {
        **facts,
        "parquet": str(parquet),
        "parquet_bytes": parquet.stat().st_size,
        "row_group_size": row_group_size,
        "build_s": t1 - t0,
        "write_parquet_s": t2 - t1,
        "arrow_table_bytes": table.nbytes,
    }
    if csv:
        import pyarrow.csv as pacsv

        path = out / "survey.csv"
        pacsv.write_csv(table, path)
        info["csv"] = str(path)
        info["csv_bytes"] = path.stat().st_size
        info["write_csv_s"] = time.perf_counter() - t2
    info["generate_s"] = time.perf_counter() - t0
    return info


if __name__ == "__main__":
    import json
    import sys
    import tempfile

    d = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="survey_")
    print(json.dumps(generate(d, csv=True), indent=2))
