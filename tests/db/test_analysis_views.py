"""Reading a stored analysis for the coordinator's page, on both databases: the per-group aggregates the
heatmap is ordered by agree with the pure reference (plans.analysis_heatmap.summarise), and the service
answers every state of a plan's survey, the chosen breakdown, its pages, and the change against the
baseline as it was stored."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert, update

from plans.analysis_heatmap import FindingRow, is_secondary, summarise
from plans.db import session_scope
from plans.domain.errors import InvalidInput, NotFound
from plans.models import Survey, SurveyKind, utcnow
from plans.models.analysis import SurveyAnalysis, SurveyGroupFinding
from plans.repositories.analysis_views import AnalysisViewsRepository
from plans.services.analysis_views import plan_analysis
from tests.analysis_page_world import (
    CHANGES,
    FIGURES,
    RATE_CHANGES,
    RATES,
    analysed_plan,
    closed_survey,
    finding,
    store,
)
from tests.conftest import SMALL_PLAN, Database
from tests.support import create

QUESTIONS = ("K1", "S1", "E1")
REASONS = ("primary: 4 respondents < 11", "secondary: protects team/G001", None)


def _random_rows(survey_id: int, seed: int) -> list[dict[str, object]]:
    """Groups of two breakdowns with random figures, some hidden (with one of three reasons), some
    questions missing; the organisation hides E1, so E1 never counts towards a difference."""
    rng = random.Random(seed)
    rows = [
        finding(survey_id, "overall", "all", "K1", 500, 300),
        finding(survey_id, "overall", "all", "S1", 480, 250),
        finding(survey_id, "overall", "all", "E1", 9, None),
    ]
    for breakdown, count in (("team", 60), ("ethnicity", 6)):
        for g in range(count):
            group = f"G{g:03d}"
            hide = rng.random() < 0.3
            reason = rng.choice(REASONS)
            size = rng.randint(1, 60)
            for q in QUESTIONS:
                if rng.random() < 0.1:
                    continue  # no row for this question
                n = rng.randint(1, size)
                row = finding(survey_id, breakdown, group, q, n, None if hide else rng.randint(0, n), respondents=size)
                rows.append({**row, "reason": reason} if hide else row)
    return rows


def _as_finding_row(r: dict[str, object]) -> FindingRow:
    return FindingRow(
        str(r["group_label"]), str(r["question_id"]), r["n"],  # type: ignore[arg-type]
        r["pct_positive"], r["ci_low"], r["ci_high"], bool(r["suppressed"]), r["reason"],  # type: ignore[arg-type]
        respondents=r["respondents"],  # type: ignore[arg-type]
    )  # fmt: skip


class TestAggregates:
    @pytest.mark.parametrize("seed", [1, 2])
    def test_group_summaries_and_hidden_counts_agree_with_the_pure_reference(self, db: Database, seed: int) -> None:
        plan_id, _ = create(SMALL_PLAN)
        survey_id = closed_survey(plan_id)
        rows = _random_rows(survey_id, seed)
        with session_scope() as s:
            s.execute(insert(SurveyGroupFinding), rows)
        org = {r["question_id"]: r["pct_positive"] for r in rows if r["breakdown"] == "overall" and r["pct_positive"]}
        with session_scope() as s:
            repo = AnalysisViewsRepository(s)
            counts = {c.breakdown: c for c in repo.hidden_counts(survey_id)}
            assert set(counts) == {"team", "ethnicity"}
            for breakdown in ("team", "ethnicity"):
                mine = [_as_finding_row(r) for r in rows if r["breakdown"] == breakdown]
                expected = sorted(summarise(mine, org), key=lambda x: x.group)  # type: ignore[arg-type]
                got = sorted(repo.summaries(survey_id, breakdown), key=lambda x: x.group)
                assert [(g.group, g.n, g.suppressed, g.reason) for g in got] == [
                    (e.group, e.n, e.suppressed, e.reason) for e in expected
                ]
                for g, e in zip(got, expected, strict=True):
                    assert g.mean_difference == pytest.approx(e.mean_difference, abs=1e-9)
                c = counts[breakdown]
                assert (c.groups, c.hidden, c.secondary) == (
                    len(expected),
                    sum(e.suppressed for e in expected),
                    sum(is_secondary(e) for e in expected),
                )
            assert repo.rows(survey_id, "team", []) == []
            page_rows = repo.rows(survey_id, "team", ["G001", "G002"])
            assert {r.group for r in page_rows} <= {"G001", "G002"}
            assert len(page_rows) == sum(
                1 for r in rows if r["breakdown"] == "team" and r["group_label"] in ("G001", "G002")
            )


class TestPlanAnalysis:
    def test_states_before_an_analysis(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        with session_scope() as s:
            page = plan_analysis(s, plan_id=plan_id, kind="baseline")
            assert (page.state, page.analysis, page.survey_id) == ("not_opened", None, None)
        survey_id = closed_survey(plan_id)
        with session_scope() as s:
            page = plan_analysis(s, plan_id=plan_id, kind="baseline")
            assert (page.state, page.survey_id, page.analysis) == ("not_analysed", survey_id, None)
            assert page.closed_at is not None
            reopened = s.get(Survey, survey_id)
            assert reopened is not None
            reopened.closed_at = None
            assert plan_analysis(s, plan_id=plan_id, kind="baseline").state == "open"
            with pytest.raises(NotFound):
                plan_analysis(s, plan_id=424242, kind="baseline")
            with pytest.raises(NotFound):
                plan_analysis(s, plan_id=plan_id, kind="other")

    def test_the_analysis_with_the_team_heatmap_by_default(self, db: Database) -> None:
        world = analysed_plan()
        with session_scope() as s:
            page = plan_analysis(s, plan_id=world.plan_id, kind="baseline")
        a = page.analysis
        assert page.state == "analysed" and a is not None and a.heatmap is not None
        assert (a.respondents, a.threshold, a.breakdowns) == (60, 11, ["team", "ethnicity"])
        assert [(h.question_id, h.n, round(h.pct_positive or 0, 4)) for h in a.headlines] == [
            ("K1", 60, 0.6),
            ("S1", 58, 0.5),
            ("E1", 57, 0.7018),
        ]
        assert a.headlines[2].options == ["Yes", "No"] and a.headlines[2].distribution == [40, 17]
        assert [(s.section, s.title) for s in a.sections] == [
            ("knowledge", "What you know"),
            ("skills", "What you can do"),
            ("experience", "What you have done"),
        ]
        assert [(x.breakdown, x.groups, x.shown, x.primary, x.secondary) for x in a.suppression] == [
            ("team", 5, 3, 1, 1),
            ("ethnicity", 2, 2, 0, 0),
        ]
        heat = a.heatmap
        assert heat.breakdown == "team" and [r.group for r in heat.rows] == ["T1", "T2", "T3", "T4", "T5"]
        assert [c.band for c in heat.rows[0].cells] == ["well_above", "similar", "similar"]
        assert [c.band for c in heat.rows[1].cells] == ["similar", "well_below", "similar"]
        t4 = heat.rows[3]
        assert t4.suppressed and t4.reason == "primary: 8 respondents < 11"
        assert [(c.state, c.n, c.pct_positive) for c in t4.cells] == [("suppressed", None, None)] * 3
        assert t4.n == 8  # its respondents: shown, hidden or not
        assert heat.rows[4].reason == "secondary: protects team/T4"
        assert a.not_comparable == [] and all(h.change is None for h in a.headlines)

    def test_breakdown_sort_and_page(self, db: Database) -> None:
        world = analysed_plan()
        with session_scope() as s:
            page = plan_analysis(
                s, plan_id=world.plan_id, kind="baseline", breakdown="team", sort="difference", order="desc",
                page=2, per_page=2,
            )  # fmt: skip
            assert page.analysis and page.analysis.heatmap
            heat = page.analysis.heatmap
            # T1 +11, T3 about +3, T2 -14: highest first, the hidden groups last
            assert ([r.group for r in heat.rows], heat.page, heat.pages, heat.groups) == (["T2", "T4"], 2, 3, 5)
            eth = plan_analysis(s, plan_id=world.plan_id, kind="baseline", breakdown="ethnicity").analysis
            assert eth and eth.heatmap and [r.group for r in eth.heatmap.rows] == ["Black and minority ethnic", "White"]
            with pytest.raises(InvalidInput, match="breakdown: the analysis has no breakdown 'staff' "):
                plan_analysis(s, plan_id=world.plan_id, kind="baseline", breakdown="staff")

    def test_team_names_for_teams_directorates_and_crossed_groups(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        survey_id = closed_survey(plan_id)
        figures = {
            ("overall", "all"): FIGURES[("overall", "all")],
            ("directorate", "D1"): FIGURES[("team", "T1")],
            ("team x ethnicity", "T2 / White"): FIGURES[("team", "T2")],
            ("team x ethnicity", "T9 / White"): FIGURES[("team", "T3")],  # no such team: its code alone
            ("ethnicity", "T1"): FIGURES[("team", "T3")],  # a demographic's value that looks like a code: not named
        }
        store(survey_id, figures, breakdowns=[["directorate"], ["ethnicity"], ["team", "ethnicity"]])
        with session_scope() as s:

            def names(breakdown: str) -> list[tuple[str, str | None]]:
                a = plan_analysis(s, plan_id=plan_id, kind="baseline", breakdown=breakdown).analysis
                assert a and a.heatmap
                return [(r.group, r.name) for r in a.heatmap.rows]

            assert names("directorate") == [("D1", "Directorate One")]
            assert names("team x ethnicity") == [("T2 / White", "Team Two / White"), ("T9 / White", None)]
            assert names("ethnicity") == [("T1", None)]

    def test_no_breakdown_beyond_the_organisation_and_the_first_when_no_teams(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        only = closed_survey(plan_id)
        store(only, {("overall", "all"): FIGURES[("overall", "all")]}, breakdowns=[])
        repeat = closed_survey(plan_id, SurveyKind.REPEAT, baseline_id=only)
        ethnicity = {k: v for k, v in FIGURES.items() if k[0] != "team"}
        store(repeat, ethnicity, breakdowns=[["ethnicity"]])
        with session_scope() as s:
            a = plan_analysis(s, plan_id=plan_id, kind="baseline").analysis
            assert a and a.heatmap is None and a.breakdowns == [] and a.suppression == []
            b = plan_analysis(s, plan_id=plan_id, kind="repeat").analysis
            assert b and b.heatmap and b.heatmap.breakdown == "ethnicity"

    def test_changes_against_the_baseline_as_stored(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        baseline = closed_survey(plan_id)
        repeat = closed_survey(plan_id, SurveyKind.REPEAT, baseline_id=baseline)
        store(repeat, FIGURES, changes=CHANGES, baseline_id=baseline, rates=RATES, rate_changes=RATE_CHANGES)
        with session_scope() as s:  # the baseline asked one more closed question, which the repeat dropped
            asked = s.get(Survey, baseline)
            assert asked is not None
            extra = {"id": "X9", "text": "Gone now.", "answers": ["Yes", "No"], "positive": ["Yes"]}
            asked.questions = [*asked.questions, extra]
        with session_scope() as s:
            a = plan_analysis(s, plan_id=plan_id, kind="repeat").analysis
        assert a is not None and a.baseline_survey_id == baseline
        k1, s1, e1 = (h.change for h in a.headlines)
        assert k1 and (k1.comparable, k1.suppressed, k1.difference, k1.significant, k1.why) == (
            True,
            False,
            0.2,
            True,
            None,
        )
        assert k1.baseline_pct == 0.4 and k1.p_value == 0.036
        assert s1 and (s1.comparable, s1.suppressed, s1.difference, s1.baseline_pct, s1.why) == (
            True, True, None, None, "suppressed in the baseline",
        )  # fmt: skip
        assert e1 and (e1.comparable, e1.difference, e1.why) == (False, None, "wording changed")
        assert [(q.question_id, q.why) for q in a.not_comparable] == [
            ("E1", "wording changed"),
            ("X9", "only in the baseline survey"),
        ]
        rate = a.response_rate
        assert rate and (rate.eligible, rate.responses, rate.rate, rate.baseline_rate) == (100, 60, 0.6, 0.5)
        assert (rate.difference, rate.significant, rate.why) == (0.1, False, None)
        assert a.heatmap is not None
        t1, t2 = a.heatmap.rows[:2]
        assert t1.response_rate and (t1.response_rate.difference, t1.response_rate.why) == (None, "only in the repeat")
        assert t2.response_rate and (t2.response_rate.rate, t2.response_rate.why) == (0.5, None)

    def test_a_hidden_headline_shows_no_figure_even_if_the_row_holds_one(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        survey_id = closed_survey(plan_id)
        figures = {("overall", "all"): {"K1": (9, None), "S1": (58, 29), "E1": (57, 40)}}
        store(survey_id, figures)
        with session_scope() as s:
            row = s.query(SurveyGroupFinding).filter_by(survey_id=survey_id, question_id="K1").one()
            row.pct_positive, row.ci_low, row.distribution = 0.5, 0.2, [4, 5]  # a writer's mistake
        with session_scope() as s:
            a = plan_analysis(s, plan_id=plan_id, kind="baseline").analysis
        assert a is not None
        k1 = a.headlines[0]
        assert (k1.suppressed, k1.n, k1.pct_positive, k1.ci_low, k1.distribution) == (True, None, None, None, None)


class TestRemembered:
    def test_a_new_run_is_read_afresh_and_the_same_run_is_not_aggregated_again(self, db: Database) -> None:
        world = analysed_plan()
        statements: list[str] = []

        def heat(**kw: Any) -> list[tuple[str, float | None]]:
            with session_scope() as s:
                event.listen(s.get_bind(), "before_cursor_execute", record)
                try:
                    a = plan_analysis(s, plan_id=world.plan_id, kind="baseline", **kw).analysis
                finally:
                    event.remove(s.get_bind(), "before_cursor_execute", record)
            assert a and a.heatmap
            return [(r.group, r.mean_difference) for r in a.heatmap.rows]

        def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            statements.append(statement)

        first = heat(sort="difference")
        aggregates = sum("avg(" in s.lower() for s in statements)
        assert aggregates == 1
        statements.clear()
        assert heat(sort="difference") == first and heat(sort="name", page=1)[0][0] == "T1"
        assert not any("avg(" in s.lower() for s in statements)  # remembered: paging and sorting again
        with session_scope() as s:  # a re-analysis: T3 now far below, and a new run time
            s.execute(
                update(SurveyGroupFinding)
                .where(SurveyGroupFinding.group_label == "T3", SurveyGroupFinding.question_id == "K1")
                .values(pct_positive=0.0, ci_low=0.0, ci_high=0.2)
            )
            s.execute(update(SurveyAnalysis).values(analysed_at=utcnow() + timedelta(seconds=1)))
        again = heat(sort="difference")
        # T3 against the organisation: K1 0% - 60%, S1 6/11 - 50%, E1 8/11 - 40/57, in points
        expected = (-60 + (600 / 11 - 50) + (800 / 11 - 4000 / 57)) / 3
        assert again[0][0] == "T3" and again[0][1] == pytest.approx(expected)
