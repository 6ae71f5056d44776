"""Analysing a closed survey from the database and storing what it publishes, on both databases: every
group's findings with suppressed rows holding no value, the organisation-wide rows the panel reads, the
response rates, a re-analysis replacing the last, and a repeat survey's changes against its baseline."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from plans.config import settings
from plans.db import session_scope
from plans.models import (
    SurveyAnalysis,
    SurveyGroupFinding,
    SurveyKind,
    SurveyResponseRate,
    SurveySectionFinding,
)
from plans.repositories.surveys import SurveyRepository
from plans.services import analysis
from tests.analysis_world import CLOSED, QUESTIONS, Response, World, make_survey, make_world
from tests.conftest import Database

ELIGIBLE = {"T1": 40, "T2": 30, "S1": 10, "T3": 10, "SOLO": 25}


def answered(team: str, count: int, agree: int, *, ethnicity: str = "White", **extra: Any) -> list[Response]:
    """``count`` responses from the team, the first ``agree`` agreeing with A1 and A2 and saying Yes."""
    out: list[Response] = []
    for i in range(count):
        yes = i < agree
        answers = {
            "A1": "Agree" if yes else "Disagree",
            "A2": "Strongly agree" if yes else "Neither agree nor disagree",
        }
        answers["Y1"] = "Yes" if yes else "No"
        out.append((team, answers | extra, {"staff_group": "Nursing" if i % 2 else "Admin", "ethnicity": ethnicity}))
    return out


BASELINE = answered("T1", 30, 15) + answered("T2", 20, 5) + answered("T3", 4, 4) + answered("SOLO", 16, 8)


def _analyse(survey_id: int) -> analysis.Outcome:
    with session_scope() as s:
        return analysis.analyse_survey(s, survey_id=survey_id)


def _rows(survey_id: int, breakdown: str | None = None) -> dict[tuple[str, str], SurveyGroupFinding]:
    with session_scope() as s:
        stmt = select(SurveyGroupFinding).where(SurveyGroupFinding.survey_id == survey_id)
        if breakdown:
            stmt = stmt.where(SurveyGroupFinding.breakdown == breakdown)
        return {(f.group_label, f.question_id): f for f in s.scalars(stmt)}


class TestAnalyse:
    def test_stores_every_group_and_hides_small_ones_without_values(self, db: Database) -> None:
        world = make_world()
        survey_id = make_survey(world, BASELINE, eligible=ELIGIBLE)
        outcome = _analyse(survey_id)
        assert outcome.respondents == 70 and outcome.baseline_survey_id is None

        teams = _rows(survey_id, "team")
        t1 = teams[("T1", "A1")]
        assert (t1.n, t1.positive, t1.pct_positive, t1.suppressed) == (30, 15, 0.5, False)
        assert t1.distribution == [0, 15, 0, 15, 0] and t1.ci_low < 0.5 < t1.ci_high
        t3 = teams[("T3", "A1")]  # 4 responses: below the threshold of 11
        # hidden: its respondents are shown, how many answered the question is not
        assert t3.suppressed and (t3.respondents, t3.n) == (4, None) and t3.reason
        assert (t3.positive, t3.pct_positive, t3.ci_low, t3.ci_high, t3.distribution) == (None,) * 5
        # D2 has only T3 below it: hidden too, or T3 would be D2 minus nothing
        directorates = _rows(survey_id, "directorate")
        assert directorates[("D2", "A1")].suppressed and directorates[("D1", "A1")].n == 50
        assert {k[0] for k in _rows(survey_id, "ethnicity")} == {"White"}
        overall = _rows(survey_id, "overall")[("all", "Y1")]
        assert (overall.n, overall.positive, overall.suppressed) == (70, 32, False)
        with session_scope() as s:
            # every shown row has n at or above the threshold; every hidden one has no figure
            for f in s.scalars(select(SurveyGroupFinding).where(SurveyGroupFinding.survey_id == survey_id)):
                assert f.suppressed or f.n >= settings.reporting_threshold
                assert f.respondents >= (f.n or 0)
                if f.suppressed:
                    assert f.n is None and f.positive is None and f.pct_positive is None and f.distribution is None
            assert {f.question_id for f in SurveyRepository(s).findings(survey_id)} == {"A1", "A2", "Y1"}
            run = s.scalars(select(SurveyAnalysis)).one()
            assert (run.threshold, run.comment_threshold, run.respondents) == (11, 20, 70)
            assert run.breakdowns == [["organisation"], ["directorate"], ["team"], ["staff_group"], ["ethnicity"]]
            sections = {
                (r.breakdown, r.group_label, r.section_id): r
                for r in s.scalars(select(SurveySectionFinding).where(SurveySectionFinding.survey_id == survey_id))
            }
            assert sections[("overall", "all", "s1")].questions == 2
            assert (
                sections[("team", "T3", "s1")].suppressed and sections[("team", "T3", "s1")].mean_pct_positive is None
            )
            rates = {
                (r.breakdown, r.group_label): (r.responses, r.eligible, r.rate)
                for r in s.scalars(select(SurveyResponseRate).where(SurveyResponseRate.survey_id == survey_id))
            }
        # response counts stay visible, even for a hidden team; S1 had nobody answer
        assert rates[("team", "T3")] == (4, 10, 0.4) and rates[("team", "S1")] == (0, 10, 0.0)
        assert rates[("organisation", "ANL")] == (70, 115, pytest.approx(70 / 115))
        assert rates[("directorate", "D1")] == (50, 80, 0.625)

    def test_a_second_analysis_replaces_the_first(self, db: Database) -> None:
        world = make_world()
        survey_id = make_survey(world, BASELINE, eligible=ELIGIBLE)
        _analyse(survey_id)
        with session_scope() as s:
            rows = [
                {
                    "survey_id": survey_id,
                    "team_id": world.teams[t],
                    "answered_on": CLOSED.date(),
                    "answers": a,
                    "demographics": d,
                }
                for t, a, d in answered("T3", 8, 0)
            ]
            SurveyRepository(s).add_responses(rows)
        _analyse(survey_id)
        with session_scope() as s:
            assert s.scalar(select(func.count()).select_from(SurveyAnalysis)) == 1
            keys = s.execute(
                select(SurveyGroupFinding.breakdown, SurveyGroupFinding.group_label, SurveyGroupFinding.question_id)
            ).all()
            assert len(keys) == len(set(keys))
        t3 = _rows(survey_id, "team")[("T3", "A1")]
        assert (t3.n, t3.suppressed, t3.positive) == (12, False, 4)


def _repeat(
    world: World, baseline_id: int, responses: list[Response], questions: list[dict[str, Any]] | None = None
) -> int:
    return make_survey(
        world, responses, kind=SurveyKind.REPEAT, eligible=ELIGIBLE, baseline_id=baseline_id, questions=questions
    )


class TestRepeat:
    def test_changes_per_group_and_question_against_the_baseline(self, db: Database) -> None:
        world = make_world()
        baseline_id = make_survey(world, BASELINE, eligible=ELIGIBLE)
        reworded = [dict(q, text="I feel heard at work.") if q["id"] == "A2" else q for q in QUESTIONS]
        repeat = answered("T1", 30, 27) + answered("T2", 20, 6) + answered("T3", 2, 2) + answered("SOLO", 16, 8)
        repeat_id = _repeat(world, baseline_id, repeat, reworded)
        outcome = _analyse(repeat_id)  # the baseline is analysed first: it had not been
        assert outcome.baseline_survey_id == baseline_id
        with session_scope() as s:
            assert s.scalar(select(func.count()).select_from(SurveyAnalysis)) == 2

        teams = _rows(repeat_id, "team")
        t1 = teams[("T1", "A1")].change
        assert t1 is not None and t1["comparable"] is True and t1["suppressed"] is False
        assert t1["baseline_pct"] == 0.5 and t1["difference"] == pytest.approx(0.4) and t1["significant"] is True
        t3 = teams[("T3", "A1")].change  # hidden in both surveys: the flag and why, no figure
        assert t3 is not None and t3["suppressed"] is True and t3["difference"] is None and t3["why"]
        a2 = teams[("T1", "A2")].change
        assert a2 is not None and a2["comparable"] is False and "wording changed" in a2["why"]

        with session_scope() as s:
            panel = {f.question_id: f.change for f in SurveyRepository(s).findings(repeat_id)}
            rates = {
                (r.breakdown, r.group_label): r.change
                for r in s.scalars(select(SurveyResponseRate).where(SurveyResponseRate.survey_id == repeat_id))
            }
        assert panel["A1"] is not None and panel["A1"]["comparable"] is True and panel["A1"]["suppressed"] is False
        assert set(panel["A1"]) >= {"baseline_pct", "difference", "ci_low", "ci_high", "significant"}
        assert panel["A2"] == {"comparable": False, "why": a2["why"]}
        org = rates[("organisation", "ANL")]
        assert org is not None and org["baseline_rate"] == pytest.approx(70 / 115)
        assert org["difference"] == pytest.approx((68 - 70) / 115)
