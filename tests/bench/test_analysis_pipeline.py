"""The pandas implementation the pipeline benchmark measures against (bench.analysis_pandas) gives the
pipeline's findings, sections and groups on a small survey, and the comparison that says so would
notice a difference."""

from __future__ import annotations

import polars as pl
import pytest

from bench.analysis.generate import build_table
from bench.analysis_pandas import analyse_pandas, compare
from bench.analysis_pipeline import SECTIONS, hidden_counts, national_spec
from evaluation.pipeline import analyse


@pytest.fixture(scope="module")
def both() -> tuple[dict[str, pl.DataFrame], dict[str, object]]:
    table, _ = build_table(3_000, organisations=10, teams=300, seed=2)
    spec = national_spec()
    ours = analyse(pl.from_arrow(table), spec)
    theirs = analyse_pandas(table.to_pandas(), spec.questions, spec.published(), spec.hierarchy, spec.threshold)
    assert ours.respondents == theirs.respondents == 3_000
    names = ("findings", "sections", "groups")
    return {n: getattr(ours, n) for n in names}, {n: getattr(theirs, n) for n in names}


class TestPandasAgainstPipeline:
    def test_same_outputs(self, both: tuple[dict[str, pl.DataFrame], dict[str, object]]) -> None:
        ours, theirs = both
        result = compare(ours, theirs)
        assert result["equal"], result
        groups = ours["groups"]
        # the survey is small enough that both kinds of suppression happen, so the pattern is exercised
        hidden = hidden_counts(groups)
        assert sum(h["primary"] for h in hidden.values()) > 0
        assert sum(h["secondary"] for h in hidden.values()) > 0
        assert groups.filter(~pl.col("suppressed")).height > 0
        assert ours["findings"].height == groups.height * 40
        assert ours["sections"].height == groups.height * len(SECTIONS)

    def test_a_difference_is_noticed(self, both: tuple[dict[str, pl.DataFrame], dict[str, object]]) -> None:
        ours, theirs = both
        shown = ours["findings"]["suppressed"].arg_min()
        assert shown is not None
        changed = ours["findings"].with_columns(
            pl.when(pl.int_range(pl.len()) == shown).then(pl.col("ci_low") + 1e-9).otherwise("ci_low").alias("ci_low")
        )
        result = compare({**ours, "findings": changed}, theirs)
        assert not result["equal"]
        assert not result["findings"]["columns"]["ci_low"]["equal"]
        assert result["findings"]["columns"]["positive"]["equal"]
