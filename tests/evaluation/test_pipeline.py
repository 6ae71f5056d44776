"""The analysis pipeline: hand-worked numbers, agreement with the scalar references, suppression that a
reader cannot subtract around (checked by an attacker written independently of the suppression code),
and bad input refused with the question, column or value named."""

from __future__ import annotations

import itertools
import random

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluation.breakdowns import breakdown_counts
from evaluation.findings import Question, wilson_interval
from evaluation.pipeline import AnalysisSpec, analyse

SCALE = ("Strongly agree", "Agree", "Neither", "Disagree", "Strongly disagree")
POS = frozenset({"Strongly agree", "Agree"})
LEVELS = ("organisation", "directorate", "team")


def q(qid: str, section: str = "s1") -> Question:
    return Question(qid, POS, SCALE, section, f"text of {qid}")


def frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={k: pl.String for k in rows[0]}) if rows else pl.DataFrame()


def team_rows(team: str, directorate: str, answers: list[str | None], ethnicity: str | None = "White") -> list[dict]:
    return [
        {"organisation": "O1", "directorate": directorate, "team": team, "ethnicity": ethnicity, "Q1": a, "Q2": "Agree"}
        for a in answers
    ]


class TestHandWorked:
    def test_counts_distribution_rate_and_interval(self) -> None:
        # team A: 12 answers, 3 SA + 4 A positive (7), one blank; team B: 15 answers, 5 positive
        a = ["Strongly agree"] * 3 + ["Agree"] * 4 + ["Neither"] * 2 + ["Disagree"] * 2 + ["Strongly disagree"] + [None]
        b = ["Agree"] * 5 + ["Disagree"] * 10
        rows = team_rows("A", "D1", a) + team_rows("B", "D1", b)
        result = analyse(frame(rows), AnalysisSpec((q("Q1"), q("Q2")), (("team",),), LEVELS, threshold=11))
        f = result.findings
        row = f.filter((pl.col("group") == "A") & (pl.col("question") == "Q1")).row(0, named=True)
        assert (row["n"], row["positive"], row["suppressed"]) == (12, 7, False)
        assert row["distribution"] == [3, 4, 2, 2, 1]
        assert row["pct_positive"] == pytest.approx(7 / 12)
        low, high = wilson_interval(7, 12)
        assert (row["ci_low"], row["ci_high"]) == (pytest.approx(low, abs=1e-15), pytest.approx(high, abs=1e-15))
        overall = f.filter((pl.col("breakdown") == "overall") & (pl.col("question") == "Q1")).row(0, named=True)
        assert (overall["n"], overall["positive"], overall["distribution"]) == (27, 12, [3, 9, 2, 12, 1])
        assert result.respondents == 28
        section = result.sections.filter(pl.col("group") == "A").row(0, named=True)
        assert section["mean_pct_positive"] == pytest.approx((7 / 12 + 1.0) / 2)
        assert section["questions"] == 2

    def test_no_responses_give_the_whole_and_no_groups(self) -> None:
        """A survey that closed with nobody answering is analysed, not crashed on: the whole organisation's
        row of each question (hidden, so its n withheld) and no group rows, for every breakdown, crossed ones
        included."""
        columns = {k: pl.String for k in ("organisation", "directorate", "team", "ethnicity", "Q1", "Q2")}
        keys = (("organisation",), ("directorate",), ("team",), ("ethnicity",), ("team", "ethnicity"))
        result = analyse(pl.DataFrame(schema=columns), AnalysisSpec((q("Q1"), q("Q2")), keys, LEVELS))
        assert result.respondents == 0
        assert result.findings.select("breakdown", "group", "n", "suppressed").rows() == [
            ("overall", "all", None, True),
            ("overall", "all", None, True),
        ]

    def test_rows_come_breakdown_then_question_then_group(self) -> None:
        rows = team_rows("B", "D1", ["Agree"] * 12) + team_rows("A", "D1", ["Agree"] * 12)
        f = analyse(frame(rows), AnalysisSpec((q("Q1"), q("Q2")), (("team",),), LEVELS)).findings
        assert f.select("breakdown", "question", "group").rows() == [
            ("overall", "Q1", "all"),
            ("overall", "Q2", "all"),
            ("team", "Q1", "A"),
            ("team", "Q1", "B"),
            ("team", "Q2", "A"),
            ("team", "Q2", "B"),
        ]

    def test_a_small_team_and_its_smallest_sibling_are_hidden(self) -> None:
        rows = (
            team_rows("A", "D1", ["Agree"] * 5)
            + team_rows("B", "D1", ["Agree"] * 20)
            + team_rows("C", "D1", ["Disagree"] * 30)
        )
        result = analyse(frame(rows), AnalysisSpec((q("Q1"),), (("directorate",), ("team",)), LEVELS))
        groups = {g: (s, r) for _, g, _, s, r in result.groups.iter_rows()}
        assert groups["A"] == (True, "primary: 5 respondents < 11")
        assert groups["B"] == (True, "secondary: protects team=A")
        assert groups["C"][0] is False
        hidden = result.findings.filter(pl.col("group").is_in(["A", "B"]))
        assert hidden["respondents"].to_list() == [5, 20]  # respondents stay visible
        for col in ("n", "positive", "pct_positive", "ci_low", "ci_high", "distribution"):
            assert hidden[col].null_count() == 2

    def test_one_pattern_for_every_question_from_the_fewest_answers(self) -> None:
        # 12 people: Q1 answered by all, Q2 by only 10 -> the team is hidden for both questions
        rows = team_rows("A", "D1", ["Agree"] * 12) + team_rows("B", "D1", ["Agree"] * 12)
        for r in rows[:2]:
            r["Q2"] = None
        result = analyse(frame(rows), AnalysisSpec((q("Q1"), q("Q2")), (("team",),), LEVELS))
        a = result.findings.filter(pl.col("group") == "A")
        assert a["suppressed"].to_list() == [True, True]
        assert a["reason"][0] == "primary: a question has fewer answers than 11"

    def test_missing_key_values_are_a_group_of_their_own(self) -> None:
        rows = team_rows("A", "D1", ["Agree"] * 12, ethnicity=None) + team_rows("A", "D1", ["Agree"] * 12)
        result = analyse(frame(rows), AnalysisSpec((q("Q1"),), (("ethnicity",),), LEVELS))
        assert result.groups.filter(pl.col("breakdown") == "ethnicity")["group"].to_list() == ["(missing)", "White"]

    def test_crossed_breakdowns_publish_their_margins(self) -> None:
        rows = team_rows("A", "D1", ["Agree"] * 12) + team_rows("B", "D2", ["Agree"] * 12, "Asian")
        result = analyse(frame(rows), AnalysisSpec((q("Q1"),), (("team", "ethnicity"),), LEVELS))
        assert result.published == [(), ("team",), ("ethnicity",), ("team", "ethnicity")]
        assert set(result.groups.filter(pl.col("breakdown") == "team x ethnicity")["group"]) == {
            "A / White",
            "B / Asian",
        }


class TestAgreesWithReferences:
    def test_counts_equal_breakdown_counts(self) -> None:
        rnd = random.Random(7)
        rows = [
            {
                "organisation": "O1",
                "directorate": f"D{t % 3}",
                "team": f"T{t}",
                "ethnicity": rnd.choice(["White", "Asian", None]),
                "Q1": rnd.choice([*SCALE, None]),
                "Q2": rnd.choice(SCALE),
            }
            for t in (rnd.randrange(9) for _ in range(500))
        ]
        df = frame(rows)
        questions = (q("Q1"), q("Q2"))
        breakdowns = (("directorate",), ("team",), ("ethnicity",), ("team", "ethnicity"))
        ours = analyse(df, AnalysisSpec(questions, breakdowns, LEVELS, threshold=1)).findings
        ref = breakdown_counts(df, questions, breakdowns)
        key = ["breakdown", "group", "question"]
        joined = ours.select(*key, "n", "positive").join(ref, on=key, how="full", coalesce=True)
        assert joined.height == ref.height == ours.height
        assert (joined["n"] == joined["n_right"]).all() and (joined["positive"] == joined["positive_right"]).all()


# ---- the attacker: every true additive relation between published cells, solved exactly by rank


def coarsenings(keys: tuple[str, ...], levels: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Every breakdown a reader knows to be a sum of ``keys``' cells: drop keys, or lift a level to any above."""
    options = []
    for k in keys:
        choices: list[str | None] = [k, None]
        if k in levels:
            choices += list(levels[: levels.index(k)])
        options.append(choices)
    out = []
    for combo in itertools.product(*options):
        coarse = tuple(c for c in combo if c is not None)
        if coarse != keys:
            out.append((combo, coarse))
    return out


def attack(df: pl.DataFrame, result, levels: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """Hidden (breakdown, group, question) cells whose positive count some combination of published sums pins."""
    leaked = []
    published = result.published
    f = result.findings
    mapping = df.select([pl.col(c).fill_null("(missing)") for c in levels]).unique().rows(named=True) if levels else []
    up = {}  # (level value, level) -> value of coarser level
    for r in mapping:
        for i, lvl in enumerate(levels):
            for above in levels[:i]:
                up[(lvl, r[lvl], above)] = r[above]
    for question in f["question"].unique().sort().to_list():
        rows = f.filter(pl.col("question") == question)
        # a hidden group shows its respondents only: every count of its answers (and blanks) is unknown
        cells = {
            (b, g): (r, s) for b, g, r, s in rows.select("breakdown", "group", "respondents", "suppressed").iter_rows()
        }
        unknown = sorted(c for c, (r, s) in cells.items() if s and r > 0)
        if not unknown:
            continue
        col = {c: i for i, c in enumerate(unknown)}
        equations = []
        for keys in published:
            name = " x ".join(keys) if keys else "overall"
            for combo, coarse in coarsenings(keys, levels):
                if coarse not in published:
                    continue
                cname = " x ".join(coarse) if coarse else "overall"
                sums: dict[str, list[str]] = {}
                for b, g in cells:
                    if b != name:
                        continue
                    values = dict(zip(keys, g.split(" / "), strict=True)) if keys else {}
                    parent = []
                    for k, c in zip(keys, combo, strict=True):
                        if c is None:
                            continue
                        parent.append(values[k] if c == k else up[(k, values[k], c)])
                    sums.setdefault(" / ".join(parent) if coarse else "all", []).append(g)
                for pg, children in sums.items():
                    row = np.zeros(len(unknown))
                    for cell, sign in [((cname, pg), 1.0)] + [((name, g), -1.0) for g in children]:
                        if cell in col:
                            row[col[cell]] += sign
                    if row.any():
                        equations.append(row)
        if not equations:
            continue
        a = np.array(equations)
        rank = np.linalg.matrix_rank(a)
        for cell, i in col.items():
            e = np.zeros(len(unknown))
            e[i] = 1
            if np.linalg.matrix_rank(np.vstack([a, e])) == rank:
                leaked.append((*cell, question))
    return leaked


@st.composite
def surveys(draw):
    directorates = draw(st.integers(1, 3))
    teams = draw(st.integers(1, 6))
    people = draw(st.integers(1, 90))
    seed = draw(st.integers(0, 10_000))
    rnd = random.Random(seed)
    team_dir = {f"T{t}": f"D{rnd.randrange(directorates)}" for t in range(teams)}
    rows = []
    for _ in range(people):
        team = rnd.choice(list(team_dir))
        rows.append(
            {
                "organisation": "O1",
                "directorate": team_dir[team],
                "team": team,
                "ethnicity": rnd.choice(["White", "White", "Asian", "Black", None]),
                "staff_group": rnd.choice(["Nursing", "Admin"]),
                "Q1": rnd.choice([*SCALE, None]),
                "Q2": rnd.choice([*SCALE, *SCALE, None]),
            }
        )
    menu = [
        ("directorate",),
        ("team",),
        ("ethnicity",),
        ("staff_group",),
        ("team", "ethnicity"),
        ("staff_group", "ethnicity"),
    ]
    chosen = draw(st.lists(st.sampled_from(menu), min_size=1, max_size=4, unique=True))
    threshold = draw(st.integers(2, 11))
    return frame(rows), AnalysisSpec((q("Q1"), q("Q2", "s2")), tuple(chosen), LEVELS, threshold=threshold)


class TestSuppressionHolds:
    @settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(surveys())
    def test_no_small_row_shows_values_and_nothing_hidden_can_be_derived(self, case) -> None:
        df, spec = case
        result = analyse(df, spec)
        f = result.findings
        shown = f.filter(~pl.col("suppressed"))
        assert (shown["n"] >= spec.threshold).all()
        hidden = f.filter(pl.col("suppressed"))
        for col in ("n", "positive", "pct_positive", "ci_low", "ci_high", "distribution"):
            assert hidden[col].null_count() == hidden.height
        assert result.sections.filter(pl.col("suppressed"))["mean_pct_positive"].null_count() == (
            result.sections["suppressed"].sum()
        )
        assert attack(df, result, LEVELS) == []

    def test_a_hidden_group_does_not_say_how_many_answered(self) -> None:
        # Black: one person, who left Q2 blank. Were Black's n published (0 for Q2), its Q2 count would be
        # known, and "(missing)", hidden beside it, would be the only unknown in everyone's sum for Q2.
        def person(ethnicity: str | None, q2: str | None = "Agree") -> dict[str, object]:
            return {
                "organisation": "O1",
                "directorate": "D1",
                "team": "T1",
                "ethnicity": ethnicity,
                "Q1": "Agree",
                "Q2": q2,
            }

        rows = [person("White")] * 8 + [person("Asian")] * 7 + [person("Black", None)] + [person(None)] * 2
        df = frame(rows)
        result = analyse(df, AnalysisSpec((q("Q1"), q("Q2")), (("ethnicity",),), LEVELS, threshold=2))
        hidden = result.findings.filter(pl.col("suppressed"))
        assert hidden["group"].unique().sort().to_list() == ["(missing)", "Black"]
        assert hidden["n"].null_count() == hidden.height
        assert attack(df, result, LEVELS) == []

    def test_the_attacker_finds_a_leak_when_there_is_one(self) -> None:
        # with primary suppression only (a threshold the pattern never reaches), the attacker must succeed
        rows = team_rows("A", "D1", ["Agree"] * 5) + team_rows("B", "D1", ["Agree"] * 20)
        df = frame(rows)
        result = analyse(df, AnalysisSpec((q("Q1"),), (("team",),), LEVELS))
        tampered = result.findings.with_columns(
            pl.when(pl.col("group") == "B").then(False).otherwise(pl.col("suppressed")).alias("suppressed"),
            pl.when(pl.col("group") == "B").then(20).otherwise(pl.col("positive")).alias("positive"),
        )
        assert attack(df, type(result)(**{**result.__dict__, "findings": tampered}), LEVELS) == [("team", "A", "Q1")]


class TestComments:
    def test_comments_need_their_own_threshold_and_are_sorted(self) -> None:
        rows = team_rows("A", "D1", ["Agree"] * 25) + team_rows("B", "D1", ["Agree"] * 12)
        for i, r in enumerate(rows):
            r["C1"] = f"comment {i:02d}" if i % 5 else None
        spec = AnalysisSpec((q("Q1"),), (("team",),), LEVELS, comment_questions=("C1",), comment_threshold=15)
        c = analyse(frame(rows), spec).comments
        by = {g: r for g, r in zip(c["group"], c.iter_rows(named=True), strict=True)}
        assert by["all"]["comments"] == 29 and by["all"]["texts"] == sorted(by["all"]["texts"])
        assert by["A"]["comments"] == 20 and by["B"]["comments"] == 9
        assert by["B"]["suppressed"] and by["B"]["texts"] is None
        # A alone would give B away by subtraction from the total: it is hidden too
        assert by["A"]["suppressed"] and by["A"]["reason"] == "secondary: protects team=B"


class TestBadInput:
    def test_answer_off_the_scale_names_question_and_value(self) -> None:
        rows = team_rows("A", "D1", ["Agree", "Maybe"])
        with pytest.raises(ValueError, match="question 'Q1': answer 'Maybe' is not on its scale"):
            analyse(frame(rows), AnalysisSpec((q("Q1"),), (("team",),), LEVELS))

    def test_missing_columns_are_named(self) -> None:
        rows = team_rows("A", "D1", ["Agree"])
        with pytest.raises(ValueError, match="breakdown column 'grade' is missing"):
            analyse(frame(rows), AnalysisSpec((q("Q1"),), (("grade",),), LEVELS))
        with pytest.raises(ValueError, match="question 'Q9' has no column"):
            analyse(frame(rows), AnalysisSpec((q("Q9"),), (("team",),), LEVELS))

    def test_a_team_in_two_directorates_is_refused(self) -> None:
        rows = team_rows("A", "D1", ["Agree"]) + team_rows("A", "D2", ["Agree"])
        with pytest.raises(ValueError, match=r"team 'A' is in more than one directorate \(D1, D2\)"):
            analyse(frame(rows), AnalysisSpec((q("Q1"),), (("directorate",), ("team",)), LEVELS))

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"breakdowns": (("team", "directorate"),)}, "crosses two organisational levels"),
            ({"breakdowns": (("team", "team"),)}, "two different columns"),
            ({"breakdowns": (("a", "b", "c"),)}, "two different columns"),
            ({"threshold": 0}, "at least 1"),
            ({"questions": (q("Q1"), q("Q1"))}, "listed more than once"),
            ({"questions": (Question("Q1", frozenset({"Yes"}), ("No", "Maybe")),)}, r"\['Yes'\] are not among"),
        ],
    )
    def test_specs_that_cannot_be_analysed(self, kwargs, message) -> None:
        base = {"questions": (q("Q1"),), "breakdowns": (("team",),), "hierarchy": LEVELS}
        with pytest.raises(ValueError, match=message):
            AnalysisSpec(**{**base, **kwargs})
