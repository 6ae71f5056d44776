"""The heatmap builder (plans.analysis_heatmap): the band rule on hand-worked figures, hidden cells that
carry nothing but a reason (not even how many answered), group summaries against a plain
reimplementation, and ordering and paging that lose, repeat and misplace no group, for any input
Hypothesis finds."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.findings import wilson_interval
from plans.analysis_heatmap import (
    MAX_PER_PAGE,
    WELL_POINTS,
    FindingRow,
    GroupSummary,
    band,
    cell,
    clamp,
    grid,
    is_secondary,
    natural_key,
    ordered,
    pages,
    paginate,
    section_spans,
    summarise,
)
from plans.analysis_views import QuestionColumn

QUESTIONS = ("Q1", "Q2", "Q3", "Q4")
SECTIONS = {"Q1": "a", "Q2": "a", "Q3": "b", "Q4": "a"}
COLUMNS = [QuestionColumn(question_id=q, text=f"Question {q}", section=SECTIONS[q], section_title=q) for q in QUESTIONS]
FAST = settings(max_examples=150, deadline=None)


def shown(group: str, question: str, positive: int, n: int) -> FindingRow:
    low, high = wilson_interval(positive, n)
    return FindingRow(group, question, n, positive / n, low, high, False, None)


def hidden(group: str, question: str, n: int, reason: str = "primary: 5 respondents < 11") -> FindingRow:
    return FindingRow(group, question, n, None, None, None, True, reason)


class TestBand:
    def test_hand_worked(self) -> None:
        # 19 of 20 (95%, interval 76%-99%) against 60%: outside, 35 points above
        assert band(*_figures(19, 20), 0.60) == "well_above"
        # 48 of 60 (80%, interval 68%-88%) against 66%: outside by little, 14 points: well above
        assert band(*_figures(48, 60), 0.66) == "well_above"
        # 400 of 500 (80%, 76.3%-83.2%) against 75%: outside, 5 points: above
        assert band(*_figures(400, 500), 0.75) == "above"
        # 1 of 14 (7%, 1%-31%) against 50%: 43 points below
        assert band(*_figures(1, 14), 0.50) == "well_below"
        assert band(*_figures(350, 500), 0.75) == "below"  # 70% (65.8%-73.9%), 5 points below
        # 6 of 11 (55%, 28%-79%) against 50%: inside
        assert band(*_figures(6, 11), 0.50) == "similar"

    def test_edges(self) -> None:
        assert band(0.5, 0.4, 0.6, 0.4) == "similar"  # on the bound: inside
        assert band(0.5, 0.4, 0.6, 0.6) == "similar"
        assert band(0.5, 0.41, 0.6, 0.40) == "well_above"  # 10 points exactly (9.999... in floating point)
        assert band(0.499, 0.41, 0.6, 0.40) == "above"  # 9.9 points
        assert band(0.5, 0.41, 0.6, 0.4, well=10.5) == "above"
        assert band(0.3, 0.2, 0.35, 0.4) == "well_below"
        assert band(0.31, 0.2, 0.35, 0.4) == "below"

    @FAST
    @given(n=st.integers(1, 2000), data=st.data(), org=st.floats(0, 1))
    def test_the_rule(self, n: int, data: st.DataObject, org: float) -> None:
        positive = data.draw(st.integers(0, n))
        pct, low, high = _figures(positive, n)
        got = band(pct, low, high, org)
        points = (pct - org) * 100
        assert (got == "similar") == (low <= org <= high)
        if got in ("above", "well_above"):
            assert org < low and points > 0 and (got == "well_above") == (round(points, 6) >= WELL_POINTS)
        if got in ("below", "well_below"):
            assert org > high and points < 0 and (got == "well_below") == (round(-points, 6) >= WELL_POINTS)


def _figures(positive: int, n: int) -> tuple[float, float, float]:
    low, high = wilson_interval(positive, n)
    return positive / n, low, high


rows_strategy = st.lists(
    st.builds(
        lambda group, question, n, frac, hide, reason: (
            hidden(group, question, n, reason) if hide else shown(group, question, round(frac * n), n)
        ),
        st.sampled_from(["T1", "T2", "T10", "t3", "B / White", "(missing)"]),
        st.sampled_from(QUESTIONS),
        st.integers(1, 300),
        st.floats(0, 1),
        st.booleans(),
        st.sampled_from(["primary: n=3 < 11", "secondary: protects T1", "no responses"]),
    ),
    max_size=40,
).map(lambda rows: list({(r.group, r.question): r for r in rows}.values()))
org_strategy = st.dictionaries(st.sampled_from(QUESTIONS), st.floats(0, 1))


class TestCell:
    def test_shown(self) -> None:
        c = cell(shown("T1", "Q1", 19, 20), "Q1", 0.6)
        assert (c.state, c.n, c.band, round(c.difference or 0, 6)) == ("shown", 20, "well_above", 35.0)

    def test_without_an_organisation_figure_there_is_no_comparison(self) -> None:
        c = cell(shown("T1", "Q1", 19, 20), "Q1", None)
        assert (c.state, c.pct_positive, c.difference, c.band) == ("shown", 0.95, None, None)

    def test_missing_row_and_no_answers(self) -> None:
        assert cell(None, "Q1", 0.5).model_dump() == {
            "question_id": "Q1", "n": 0, "state": "no_answers", "pct_positive": None, "ci_low": None,
            "ci_high": None, "difference": None, "band": None, "reason": None,
        }  # fmt: skip
        empty = FindingRow("T1", "Q1", 0, None, None, None, False, None)
        assert cell(empty, "Q1", 0.5).state == "no_answers"

    def test_a_hidden_row_gives_nothing_but_its_reason_even_if_it_holds_figures(self) -> None:
        leaky = FindingRow("T1", "Q1", 7, 0.57, 0.25, 0.84, True, "primary: 7 respondents < 11")
        c = cell(leaky, "Q1", 0.5)
        assert {k: v for k, v in c.model_dump().items() if v is not None} == {
            "question_id": "Q1", "state": "suppressed", "reason": "primary: 7 respondents < 11",
        }  # fmt: skip

    @FAST
    @given(rows=rows_strategy, org=org_strategy)
    def test_hidden_cells_never_carry_a_figure(self, rows: list[FindingRow], org: dict[str, float]) -> None:
        for r in rows:
            c = cell(r, r.question, org.get(r.question))
            figures = (c.n, c.pct_positive, c.ci_low, c.ci_high, c.difference, c.band)
            if r.suppressed:
                assert c.state == "suppressed" and figures == (None,) * 6 and c.reason == r.reason
            else:
                assert c.state == "shown" and (c.n, c.pct_positive) == (r.n, r.pct_positive)
                assert (c.band is None) == (r.question not in org)


class TestSummarise:
    def test_hand_worked(self) -> None:
        rows = [
            shown("T1", "Q1", 19, 20),  # +35 against 60%
            shown("T1", "Q2", 10, 20),  # 0 against 50%
            shown("T1", "Q3", 9, 18),  # Q3 has no organisation figure: left out
            hidden("T2", "Q1", 8),
            hidden("T2", "Q2", 9, "secondary: protects T9"),
        ]
        got = summarise(rows, {"Q1": 0.6, "Q2": 0.5})
        assert [(s.group, s.n, s.suppressed, s.reason) for s in got] == [
            ("T1", 20, False, None),
            ("T2", 0, True, "primary: 5 respondents < 11"),  # the least reason: primary before secondary
        ]
        assert got[0].mean_difference == pytest.approx(17.5)
        assert got[1].mean_difference is None
        assert [is_secondary(s) for s in got] == [False, False]
        assert is_secondary(GroupSummary("T3", 9, None, True, "secondary: protects T9"))

    def test_respondents_when_the_rows_carry_them(self) -> None:
        rows = [
            FindingRow("T1", "Q1", 18, 0.5, 0.3, 0.7, False, None, respondents=21),
            FindingRow("T1", "Q2", 20, 0.5, 0.3, 0.7, False, None, respondents=21),
            FindingRow("T2", "Q1", None, None, None, None, True, "primary: 9 respondents < 11", respondents=9),
        ]
        assert [(s.group, s.n) for s in summarise(rows, {})] == [("T1", 21), ("T2", 9)]

    @FAST
    @given(rows=rows_strategy, org=org_strategy)
    def test_against_a_plain_reimplementation(self, rows: list[FindingRow], org: dict[str, float]) -> None:
        got = {s.group: s for s in summarise(rows, org)}
        assert set(got) == {r.group for r in rows}
        for group, s in got.items():
            mine = [r for r in rows if r.group == group]
            assert s.n == max(0 if r.suppressed else r.n or 0 for r in mine)  # a hidden row's n: never used
            reasons = sorted(r.reason for r in mine if r.suppressed and r.reason)
            assert s.suppressed == any(r.suppressed for r in mine)
            assert s.reason == (reasons[0] if reasons else None)
            diffs = [
                (r.pct_positive - org[r.question]) * 100
                for r in mine
                if not r.suppressed and r.pct_positive is not None and r.question in org
            ]
            if s.suppressed or not diffs:
                assert s.mean_difference is None
            else:
                assert s.mean_difference == pytest.approx(sum(diffs) / len(diffs), abs=1e-9)


summaries_strategy = st.lists(
    st.builds(
        GroupSummary,
        group=st.text(alphabet="AaBb0129 /", min_size=1, max_size=6),
        n=st.integers(0, 50),
        mean_difference=st.none() | st.floats(-100, 100),
        suppressed=st.booleans(),
        reason=st.none(),
    ),
    max_size=60,
    unique_by=lambda s: s.group,
)


class TestOrdering:
    def test_natural_names(self) -> None:
        names = ["T10", "t2", "T1", "B / White", "T2", "(missing)"]
        assert sorted(names, key=natural_key) == ["(missing)", "B / White", "T1", "t2", "T2", "T10"]

    def test_by_n_and_difference_with_ties_by_name_and_no_difference_last(self) -> None:
        groups = [
            GroupSummary("T3", 10, -2.0, False, None),
            GroupSummary("T1", 30, None, True, "primary"),
            GroupSummary("T2", 10, 5.0, False, None),
            GroupSummary("T10", 20, 5.0, False, None),
        ]

        def names(sort: str, order: str) -> list[str]:
            return [s.group for s in ordered(groups, sort, order)]  # type: ignore[arg-type]

        assert names("name", "asc") == ["T1", "T2", "T3", "T10"]
        assert names("name", "desc") == ["T10", "T3", "T2", "T1"]
        assert names("n", "desc") == ["T1", "T10", "T2", "T3"]
        assert names("n", "asc") == ["T2", "T3", "T10", "T1"]
        assert names("difference", "asc") == ["T3", "T2", "T10", "T1"]
        assert names("difference", "desc") == ["T2", "T10", "T3", "T1"]

    @FAST
    @given(
        groups=summaries_strategy,
        sort=st.sampled_from(["name", "n", "difference"]),
        order=st.sampled_from(["asc", "desc"]),
        per_page=st.integers(1, 25),
    )
    def test_pages_hold_every_group_once_in_order(
        self, groups: list[GroupSummary], sort: str, order: str, per_page: int
    ) -> None:
        whole = ordered(groups, sort, order)  # type: ignore[arg-type]
        assert sorted(s.group for s in whole) == sorted(s.group for s in groups)
        key = {"name": lambda s: natural_key(s.group), "n": lambda s: s.n, "difference": lambda s: s.mean_difference}
        values = [key[sort](s) for s in whole if sort != "difference" or s.mean_difference is not None]
        assert values == sorted(values, reverse=order == "desc")  # type: ignore[type-var]
        if sort == "difference":  # no difference: last, whatever the order
            flags = [s.mean_difference is None for s in whole]
            assert flags == sorted(flags)
        count = pages(len(groups), per_page)
        assert count == max(1, math.ceil(len(groups) / per_page))
        walked = []
        for number in range(1, count + 1):
            paged = paginate(groups, sort=sort, order=order, page=number, per_page=per_page)  # type: ignore[arg-type]
            assert (paged.page, paged.pages, paged.total) == (number, count, len(groups))
            assert len(paged.groups) <= per_page
            walked += paged.groups
        assert walked == whole
        past = paginate(groups, sort=sort, order=order, page=count + 3, per_page=per_page)  # type: ignore[arg-type]
        assert past.page == count and past.groups == whole[(count - 1) * per_page :]

    def test_clamp_and_page_size(self) -> None:
        assert [clamp(p, 101, 50) for p in (-1, 0, 1, 3, 4, 99)] == [1, 1, 1, 3, 3, 3]
        assert pages(0, 50) == 1 and clamp(5, 0, 50) == 1
        for bad in (0, MAX_PER_PAGE + 1):
            with pytest.raises(ValueError, match="per_page"):
                paginate([], per_page=bad)


class TestGrid:
    def test_sections_span_adjacent_columns(self) -> None:
        spans = section_spans(COLUMNS)
        assert [(s.section, s.span) for s in spans] == [("a", 2), ("b", 1), ("a", 1)]

    def test_hand_worked_page(self) -> None:
        overall = [shown("all", "Q1", 36, 60), shown("all", "Q2", 29, 58), hidden("all", "Q3", 4)]
        rows = [
            shown("T1", "Q1", 19, 20),
            shown("T1", "Q2", 10, 20),
            shown("T1", "Q3", 3, 20),
            hidden("T2", "Q1", 8),
            hidden("T2", "Q2", 8),
            shown("T3", "Q1", 6, 12),
        ]
        org = {"Q1": 0.6, "Q2": 0.5}
        paged = paginate(summarise(rows, org), sort="difference", order="desc", page=1, per_page=2)
        heat = grid(breakdown="team", columns=COLUMNS, overall=overall, paged=paged, rows=rows)
        assert [r.group for r in heat.rows] == ["T1", "T3"]  # +17.5, then -10; T2 (hidden) on page 2
        assert (heat.page, heat.pages, heat.groups, heat.sort, heat.order) == (1, 2, 3, "difference", "desc")
        t1, t3 = heat.rows
        assert [c.band for c in t1.cells] == ["well_above", "similar", None, None]
        assert [c.state for c in t1.cells] == ["shown", "shown", "shown", "no_answers"]  # Q3: no organisation figure
        assert [c.state for c in t3.cells] == ["shown", "no_answers", "no_answers", "no_answers"]
        assert [c.state for c in heat.organisation] == ["shown", "shown", "suppressed", "no_answers"]
        assert [c.difference for c in heat.organisation[:2]] == [0.0, 0.0]
        page2 = grid(
            breakdown="team", columns=COLUMNS, overall=overall, rows=rows,
            paged=paginate(summarise(rows, org), sort="difference", order="desc", page=2, per_page=2),
        )  # fmt: skip
        (t2,) = page2.rows
        assert t2.suppressed and t2.mean_difference is None
        assert [(c.state, c.n, c.pct_positive) for c in t2.cells] == [
            ("suppressed", None, None),
            ("suppressed", None, None),
            ("no_answers", 0, None),
            ("no_answers", 0, None),
        ]

    @FAST
    @given(rows=rows_strategy, org_rows=st.lists(st.sampled_from(QUESTIONS), unique=True), per_page=st.integers(1, 4))
    def test_every_row_has_a_cell_per_column_and_hides_what_is_hidden(
        self, rows: list[FindingRow], org_rows: list[str], per_page: int
    ) -> None:
        overall = [shown("all", q, 30, 60) for q in org_rows]
        summaries = summarise(rows, {q: 0.5 for q in org_rows})
        by_key = {(r.group, r.question): r for r in rows}
        for number in range(1, pages(len(summaries), per_page) + 1):
            paged = paginate(summaries, page=number, per_page=per_page)
            heat = grid(breakdown="b", columns=COLUMNS, overall=overall, paged=paged, rows=rows)
            for row in heat.rows:
                assert [c.question_id for c in row.cells] == list(QUESTIONS)
                for c in row.cells:
                    source = by_key.get((row.group, c.question_id))
                    if source is not None and source.suppressed:
                        assert (c.n, c.pct_positive, c.ci_low, c.ci_high, c.difference, c.band) == (None,) * 6
                    else:
                        assert c.n == (source.n if source else 0)
