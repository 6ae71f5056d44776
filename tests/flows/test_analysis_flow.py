"""The ``analyse-survey`` flow against the session's real Prefect API: it stores a repeat survey's findings
against its baseline and publishes the headline markdown and the heatmap table, read back with the
client; and the lifecycle flow, closing a survey, runs it as a subflow before the plan moves on."""

from __future__ import annotations

import json

import pytest
from prefect import get_client
from prefect.artifacts import Artifact
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from sqlalchemy import func, select

from flows.analysis import analyse_survey
from flows.analysis_artifacts import findings_key, heatmap_key
from flows.lifecycle import plan_lifecycle
from plans.db import session_scope
from plans.domain.stages import Stage
from plans.models import SurveyAnalysis, SurveyGroupFinding, SurveyKind
from plans.repositories.surveys import SurveyRepository
from tests.analysis_world import QUESTIONS, make_survey, make_world
from tests.conftest import SMALL_PLAN, Database
from tests.db.test_analysis_service import BASELINE, ELIGIBLE, answered
from tests.support import create, stage_of, walk_to

pytestmark = pytest.mark.prefect


def _artifact(key: str) -> Artifact:
    found = Artifact.get(key, _sync=True)  # type: ignore[call-arg]
    assert found is not None, key
    return found


class TestAnalyseSurveyFlow:
    def test_stores_and_publishes_findings_and_heatmap(self, prefect_api: str, db: Database) -> None:
        world = make_world()
        baseline_id = make_survey(world, BASELINE, eligible=ELIGIBLE)
        reworded = [dict(q, text="I feel heard at work.") if q["id"] == "A2" else q for q in QUESTIONS]
        repeat = answered("T1", 30, 27) + answered("T2", 20, 6) + answered("T3", 2, 2) + answered("SOLO", 16, 8)
        repeat_id = make_survey(
            world, repeat, kind=SurveyKind.REPEAT, eligible=ELIGIBLE, baseline_id=baseline_id, questions=reworded
        )

        state = analyse_survey(repeat_id, return_state=True)
        assert state.is_completed(), state
        result = state.result()
        assert result["respondents"] == 68 and result["baseline_survey_id"] == baseline_id
        run_id = state.state_details.flow_run_id

        markdown = _artifact(findings_key(repeat_id))
        assert markdown.type == "markdown" and markdown.flow_run_id == run_id
        text = str(markdown.data)
        assert "**68** responses of 115 eligible" in text
        assert "| A1: I am valued. | 68 | 63% |" in text and "points" in text
        assert "not comparable (wording changed)" in text

        table = _artifact(heatmap_key(repeat_id))
        assert table.type == "table" and table.flow_run_id == run_id
        rows = {(r["level"], r["group"]): r for r in json.loads(str(table.data))}
        assert list(rows)[:2] == [("organisation", "all"), ("directorate", "D1")]
        assert rows[("organisation", "all")]["A1"] == "63%"
        assert rows[("team", "T1")]["A1"] == "90% (+27)"
        # a hidden cell shows its group's respondents, never how many answered the question
        assert rows[("team", "T3")]["A1"] == "hidden (respondents 2)"
        assert rows[("directorate", "D2")]["A1"].startswith("hidden")

        # run again (as from the UI): the stored analysis is replaced, not added to
        assert analyse_survey(repeat_id, return_state=True).is_completed()
        with session_scope() as s:
            assert s.scalar(select(func.count()).select_from(SurveyAnalysis)) == 2  # the repeat and its baseline
            g = SurveyGroupFinding
            keys = s.execute(select(g.survey_id, g.breakdown, g.group_label, g.question_id)).all()
            assert len(keys) == len(set(keys))

    def test_an_open_survey_fails_without_retrying(self, prefect_api: str, db: Database) -> None:
        world = make_world()
        survey_id = make_survey(world, BASELINE)
        with session_scope() as s:
            survey = SurveyRepository(s).get(survey_id)
            assert survey is not None
            survey.closed_at = None
        state = analyse_survey(survey_id, return_state=True)
        assert state.is_failed() and "still open" in str(state.result(raise_on_failure=False))
        with get_client(sync_client=True) as client:
            tasks = client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id]))
            )
        assert [(t.name.rsplit("-", 1)[0], t.run_count) for t in tasks] == [("analyse-and-store", 1)]


class TestLifecycleRunsTheAnalysis:
    def test_closing_the_baseline_analyses_it_before_the_plan_moves_on(self, prefect_api: str, db: Database) -> None:
        plan_id, people = create(SMALL_PLAN)
        walk_to(plan_id, people, Stage.EVIDENCE_SURVEY)
        people.answer_survey(SurveyKind.BASELINE, rate=0.8, lift=0.0)

        result = plan_lifecycle(plan_id)
        assert stage_of(plan_id) is Stage.RECOMMENDATIONS
        assert any(d.startswith("closed the baseline survey") for d in result["done"])
        analysed = [d for d in result["done"] if d.startswith("analysed survey")]
        assert len(analysed) == 1
        with session_scope() as s:
            baseline = SurveyRepository(s).for_plan(plan_id, SurveyKind.BASELINE)
            assert baseline is not None and SurveyRepository(s).findings(baseline.id)
            assert s.scalar(select(func.count()).where(SurveyAnalysis.survey_id == baseline.id)) == 1
        assert "analysed survey" not in " ".join(plan_lifecycle(plan_id)["done"])  # nothing left to analyse
