"""The analysis's SQL on both databases: a survey's stored responses read as the responses frame (team,
top-level directorate, organisation, one column per demographic and question), the eligible headcounts
summed up the same hierarchy, and results written, read back and replaced (by executemany and by COPY)."""

from __future__ import annotations

import polars as pl
import pytest
from sqlalchemy import func, select

from plans.db import session_scope
from plans.models import SurveyAnalysis, SurveyGroupFinding, SurveyResponseRate, SurveySectionFinding, utcnow
from plans.repositories import analysis as analysis_repo
from plans.repositories.analysis import AnalysisRepository
from tests.analysis_world import QUESTIONS, make_survey, make_world
from tests.conftest import Database

TEXT = 'Two lines,\nwith "quotes", a tab\tand ünïcode ✓'
RESPONSES = [
    ("T1", {"A1": "Agree", "A2": "Disagree", "Y1": "Yes", "M1": ["a", "b"]}, {"staff_group": "Nursing"}),
    ("T2", {"A1": "Strongly agree", "C1": TEXT}, {"staff_group": "Admin", "ethnicity": "Prefer not to say"}),
    ("S1", {"Y1": "No"}, {}),
    ("T3", {"A2": "Agree", "M1": ["b"]}, {"ethnicity": "Black"}),
    ("SOLO", {"A1": "Disagree"}, {"staff_group": "Nursing", "ethnicity": "White"}),
]


class TestResponsesFrame:
    def test_one_row_per_response_with_its_place_and_answers(self, db: Database) -> None:
        world = make_world()
        survey_id = make_survey(world, RESPONSES)
        with session_scope() as s:
            frame = AnalysisRepository(s).responses_frame(survey_id)
        assert frame.columns == [
            "team",
            "directorate",
            "organisation",
            "staff_group",
            "ethnicity",
            "A1",
            "A2",
            "Y1",
            "C1",
        ]
        assert all(dtype == pl.String for dtype in frame.dtypes)
        rows = {r["team"]: r for r in frame.to_dicts()}
        assert set(rows) == {"T1", "T2", "S1", "T3", "SOLO"}
        # the top-level ancestor at any depth; a team without a parent is its own directorate
        assert {t: r["directorate"] for t, r in rows.items()} == {
            "T1": "D1", "T2": "D1", "S1": "D1", "T3": "D2", "SOLO": "SOLO"
        }  # fmt: skip
        assert {r["organisation"] for r in rows.values()} == {"ANL"}
        assert rows["T1"] | {} == {
            "team": "T1", "directorate": "D1", "organisation": "ANL", "staff_group": "Nursing", "ethnicity": None,
            "A1": "Agree", "A2": "Disagree", "Y1": "Yes", "C1": None,
        }  # fmt: skip
        assert rows["T2"]["C1"] == TEXT and rows["T2"]["ethnicity"] == "Prefer not to say"
        assert rows["S1"]["A1"] is None and rows["S1"]["staff_group"] is None

    def test_reads_in_batches(self, db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(analysis_repo, "BATCH", 2)  # SQLite's batches; PostgreSQL streams one COPY
        world = make_world()
        survey_id = make_survey(world, RESPONSES)
        with session_scope() as s:
            frame = AnalysisRepository(s).responses_frame(survey_id)
        assert frame.height == 5 and frame["C1"].drop_nulls().to_list() == [TEXT]

    def test_a_question_may_be_called_team_id(self, db: Database) -> None:
        world = make_world()
        questions = [dict(QUESTIONS[0], id="team_id")]
        survey_id = make_survey(world, [("T1", {"team_id": "Agree"}, {})], questions=questions)
        with session_scope() as s:
            frame = AnalysisRepository(s).responses_frame(survey_id)
        assert frame.select("team", "team_id").rows() == [("T1", "Agree")]

    def test_a_survey_without_responses_is_an_empty_frame_with_every_column(self, db: Database) -> None:
        world = make_world()
        survey_id = make_survey(world, [])
        with session_scope() as s:
            frame = AnalysisRepository(s).responses_frame(survey_id)
        assert frame.height == 0 and frame.width == 9

    def test_only_this_surveys_responses(self, db: Database) -> None:
        world = make_world()
        make_survey(world, RESPONSES[:2])
        from plans.models import SurveyKind

        other = make_survey(world, RESPONSES[2:], kind=SurveyKind.REPEAT)
        with session_scope() as s:
            frame = AnalysisRepository(s).responses_frame(other)
        assert sorted(frame["team"].to_list()) == ["S1", "SOLO", "T3"]


class TestEligibleByGroup:
    def test_the_snapshot_summed_up_the_same_hierarchy(self, db: Database) -> None:
        world = make_world()
        survey_id = make_survey(world, [], eligible={"T1": 10, "T2": 12, "S1": 4, "T3": 8, "SOLO": 3})
        with session_scope() as s:
            frame = AnalysisRepository(s).eligible_by_group(survey_id)
        got = {(r["breakdown"], r["group"]): r["eligible"] for r in frame.to_dicts()}
        assert got == {
            ("organisation", "ANL"): 37,
            ("directorate", "D1"): 26,
            ("directorate", "D2"): 8,
            ("directorate", "SOLO"): 3,
            ("team", "T1"): 10,
            ("team", "T2"): 12,
            ("team", "S1"): 4,
            ("team", "T3"): 8,
            ("team", "SOLO"): 3,
        }


def _findings(label: str) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "breakdown": ["overall", "team", "team"],
            "group": ["all", "T1", "T2"],
            "question": ["A1", "A1", "A1"],
            "respondents": [32, 21, 10],
            "n": [30, 20, None],
            "positive": [15, 12, None],
            "pct_positive": [0.5, 0.6, None],
            "ci_low": [0.33, 0.39, None],
            "ci_high": [0.67, 0.78, None],
            "suppressed": [False, False, True],
            "reason": [None, None, label],
            "distribution": [[5, 10, 5, 5, 5], [4, 8, 3, 3, 2], None],
            "change": [{"comparable": True, "difference": 0.1}, None, None],
        },
        schema_overrides={"distribution": pl.List(pl.Int64)},
    )


def _store(survey_id: int, label: str, respondents: int) -> None:
    sections = pl.DataFrame(
        {
            "breakdown": ["overall", "team"],
            "group": ["all", "T2"],
            "section": ["s1", "s1"],
            "questions": [2, 2],
            "mean_pct_positive": [0.55, None],
            "suppressed": [False, True],
        }
    )
    rates = pl.DataFrame(
        {
            "breakdown": ["organisation", "team"],
            "group": ["ANL", "T9"],
            "eligible": [40, 0],
            "responses": [30, 2],
            "rate": [0.75, None],
            "change": [{"baseline_rate": 0.5, "difference": 0.25}, None],
        }
    )
    run = {
        "baseline_survey_id": None,
        "analysed_at": utcnow(),
        "threshold": 11,
        "comment_threshold": 20,
        "respondents": respondents,
        "breakdowns": [["team"], ["team", "ethnicity"]],
        "duration_ms": 12,
    }
    with session_scope() as s:
        AnalysisRepository(s).replace_results(
            survey_id=survey_id, run=run, findings=_findings(label), sections=sections, rates=rates
        )


class TestReplaceResults:
    @pytest.mark.parametrize("copy_from", [10**9, 1], ids=["executemany", "copy"])
    def test_stores_and_a_second_analysis_replaces_the_first(
        self, db: Database, monkeypatch: pytest.MonkeyPatch, copy_from: int
    ) -> None:
        monkeypatch.setattr(analysis_repo, "COPY_FROM", copy_from)  # COPY is PostgreSQL's; SQLite ignores it
        world = make_world()
        survey_id = make_survey(world, [])
        _store(survey_id, "first", 30)
        _store(survey_id, "fewer than 11 answers", 31)
        with session_scope() as s:
            rows = s.scalars(select(SurveyGroupFinding).order_by(SurveyGroupFinding.id)).all()
            assert [(r.breakdown, r.group_label, r.question_id) for r in rows] == [
                ("overall", "all", "A1"),
                ("team", "T1", "A1"),
                ("team", "T2", "A1"),
            ]
            hidden = rows[2]
            assert (hidden.respondents, hidden.n, hidden.suppressed, hidden.reason) == (
                10, None, True, "fewer than 11 answers"
            )  # fmt: skip
            assert (hidden.positive, hidden.pct_positive, hidden.ci_low, hidden.distribution, hidden.change) == (
                None, None, None, None, None
            )  # fmt: skip
            assert rows[0].distribution == [5, 10, 5, 5, 5] and rows[0].change == {
                "comparable": True,
                "difference": 0.1,
            }
            assert rows[1].pct_positive == 0.6 and rows[1].ci_high == 0.78
            assert [(r.respondents, r.n) for r in rows] == [(32, 30), (21, 20), (10, None)]
            read = AnalysisRepository(s).group_findings(survey_id, ["team"])
            assert read.select("group", "respondents", "n", "positive").rows() == [
                ("T1", 21, 20, 12),
                ("T2", 10, None, None),
            ]
            sections = s.scalars(select(SurveySectionFinding).order_by(SurveySectionFinding.id)).all()
            assert [(r.group_label, r.mean_pct_positive, r.suppressed) for r in sections] == [
                ("all", 0.55, False),
                ("T2", None, True),
            ]
            rates = s.scalars(select(SurveyResponseRate).order_by(SurveyResponseRate.breakdown)).all()
            assert [(r.group_label, r.eligible, r.responses, r.rate) for r in rates] == [
                ("ANL", 40, 30, 0.75),
                ("T9", 0, 2, None),
            ]
            assert rates[0].change == {"baseline_rate": 0.5, "difference": 0.25} and rates[1].change is None
            run = s.scalars(select(SurveyAnalysis)).one()
            assert (run.survey_id, run.respondents, run.breakdowns) == (
                survey_id,
                31,
                [["team"], ["team", "ethnicity"]],
            )
            assert s.scalar(select(func.count()).select_from(SurveyGroupFinding)) == 3
