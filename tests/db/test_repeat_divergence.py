"""The repeat survey opens with the baseline's questions; a coordinator's amendment before anyone answers
flags each question that now diverges, and the comparison leaves those out explicitly, with why, while the
unchanged questions are compared (change and significance). Dropping a baseline question, or amending
once answered, is refused by field with nothing written."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select
from typer.testing import CliRunner

from api.cli import app
from plans.db import session_scope
from plans.domain.errors import InvalidInput
from plans.domain.stages import Stage
from plans.domain.survey_definition import SurveyDefinition
from plans.models import AuditEvent, SurveyKind, utcnow
from plans.repositories.plans import PlanRepository
from plans.repositories.surveys import SurveyRepository
from plans.services import analysis, panel, repeat_survey
from plans.services.actors import actor_by_email
from tests.api.test_vision_pages import CORA, PAT, sign_in
from tests.conftest import SMALL_PLAN, Database
from tests.support import create, push, stage_of, walk_to

REWORDED = "I understand what coproduction means."
RULE = (
    "Left out of the comparison: the wording changed since the first survey, which asked "
    "“I know what coproduction means.”."
)


def definition(plan_id: int, change: Any) -> SurveyDefinition:
    with session_scope() as s:
        plan = PlanRepository(s).get(plan_id)
        assert plan is not None
        data = copy.deepcopy(plan.survey_template)
    change(data["questions"])
    return SurveyDefinition.model_validate(data)


def amend(plan_id: int, new: SurveyDefinition) -> list[str]:
    with session_scope() as s:
        found = repeat_survey.amend_repeat(
            s, plan_id=plan_id, definition=new, actor=actor_by_email(s, CORA), now=utcnow()
        )
        return [e.explanation for e in found]


def reword_and_add(questions: list[dict[str, Any]]) -> None:
    questions[0]["text"] = REWORDED
    questions.append({"id": "N1", "section": "experience", "type": "yes_no", "text": "I have been to a workshop."})


class TestDivergingRepeatSurvey:
    def test_flagged_excluded_with_why_and_the_rest_compared(self, db: Database, tmp_path: Path) -> None:
        plan_id, people = create(SMALL_PLAN)
        walk_to(plan_id, people, Stage.REPEAT_SURVEY)
        with session_scope() as s:
            surveys = SurveyRepository(s)
            repeat, baseline = (
                surveys.for_plan(plan_id, SurveyKind.REPEAT),
                surveys.for_plan(plan_id, SurveyKind.BASELINE),
            )
            assert repeat is not None and baseline is not None
            assert repeat.questions == baseline.questions and repeat_survey.exclusions_for(s, repeat) == []

        dropped = definition(plan_id, lambda qs: qs.pop(1))
        with pytest.raises(
            InvalidInput, match=r"^survey: the repeat survey must still ask every baseline question, and S1"
        ):
            amend(plan_id, dropped)
        survey_file = tmp_path / "repeat.yaml"  # the coordinator's way in: coproduce survey amend-repeat
        survey_file.write_text(yaml.safe_dump(definition(plan_id, reword_and_add).model_dump(mode="json")))
        done = CliRunner().invoke(
            app, ["survey", "amend-repeat", str(survey_file), "--plan", str(plan_id), "--as", CORA]
        )
        assert done.exit_code == 0, done.output
        assert done.output.splitlines()[1:] == [
            "2 question(s) will be left out of the comparison with the baseline:",
            f"  K1: {REWORDED} {RULE}",
            "  N1: I have been to a workshop. Left out of the comparison: it is new: the first survey did not ask it.",
        ]
        cora = sign_in(CORA)  # flagged on the coordinator's survey page while the survey runs
        flagged = cora.get(f"/plans/{plan_id}/survey?kind=repeat").text
        assert "Changed since the baseline survey" in flagged and RULE in flagged
        assert "Changed since the baseline survey" not in cora.get(f"/plans/{plan_id}/survey").text
        with session_scope() as s:
            event = s.scalars(select(AuditEvent).where(AuditEvent.kind == "repeat_survey_amended")).one()
            assert [e["question"] for e in event.data["excluded"]] == ["K1", "N1"]

        people.answer_survey(SurveyKind.REPEAT, rate=0.8, lift=0.2)
        with pytest.raises(InvalidInput, match="already has responses"):
            amend(plan_id, definition(plan_id, reword_and_add))
        with session_scope() as s:
            survey = SurveyRepository(s).for_plan(plan_id, SurveyKind.REPEAT)
            assert survey is not None
            survey.closed_at = utcnow()
            survey_id = survey.id
        with session_scope() as s:
            analysis.analyse_survey(s, survey_id=survey_id, now=utcnow())
        with session_scope() as s:
            comparison = panel.panel_plan(s, plan_id=plan_id).repeat_survey
        assert comparison is not None
        assert [(e.question_id, e.question) for e in comparison.excluded] == [
            ("K1", REWORDED),
            ("N1", "I have been to a workshop."),
        ]
        by_id = {f.question_id: f for f in comparison.findings}
        assert by_id["K1"].note == RULE and by_id["K1"].baseline_pct is None and by_id["K1"].difference is None
        assert by_id["S1"].baseline_pct is not None and by_id["S1"].significant is not None and by_id["S1"].note is None
        rate = comparison.response_rate  # response counts are never suppressed; the change is tested
        assert rate is not None and rate.eligible == 22 and rate.repeat_rate == rate.responses / 22
        assert rate.baseline_rate is not None and rate.difference is not None and rate.significant is not None
        page = sign_in(PAT).get(f"/panel/plans/{plan_id}").text
        assert f"{rate.responses} of 22 staff answered the repeat survey" in page
        assert "Questions left out of the comparison" in page and page.count(RULE) == 2  # in its row and the list


class TestARepeatSurveyNobodyAnswered:
    def test_the_empty_comparison_is_published_reviewed_and_the_plan_closes(self, db: Database) -> None:
        """A repeat survey that closes with no answers is still analysed and its comparison goes
        to the panel, which says so; once the panel has reviewed it the plan closes, with no override."""
        plan_id, people = create(SMALL_PLAN)
        walk_to(plan_id, people, Stage.REPEAT_SURVEY)
        with session_scope() as s:
            survey = SurveyRepository(s).for_plan(plan_id, SurveyKind.REPEAT)
            assert survey is not None
            survey.closed_at = utcnow()
        push(plan_id)  # analyses the closed survey, publishes the comparison; the plan waits for the review
        with session_scope() as s:
            comparison = panel.panel_plan(s, plan_id=plan_id).repeat_survey
        assert comparison is not None and comparison.analysed and comparison.response_rate is not None
        assert comparison.response_rate.responses == 0 and all(f.suppressed for f in comparison.findings)
        page = sign_in(PAT).get(f"/panel/plans/{plan_id}").text
        assert "Nobody answered the repeat survey" in page and "nothing to compare" in page
        assert 'name="output" value="repeat-comparison"' in page  # the review form is there
        assert stage_of(plan_id) is Stage.REPEAT_SURVEY
        people.review_repeat()
        push(plan_id)
        assert stage_of(plan_id) is Stage.CLOSED
