"""Survey definitions in the database, on SQLite and PostgreSQL: a survey opens with its whole
definition; anonymity can be switched off only before the first response; the definition can be
replaced only before anyone answered; close_when_target_met decides whether reaching the target
closes the survey; the repeat survey asks the baseline's questions as the baseline asked them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from flows.demo_people import People
from plans.db import session_scope
from plans.domain.errors import InvalidInput, NotFound, NotPermitted
from plans.domain.stages import Stage
from plans.domain.survey_definition import SurveyDefinition, flatten
from plans.files import load_plan_file
from plans.models import AuditEvent, Plan, Survey, SurveyKind, utcnow
from plans.repositories.surveys import SurveyRepository
from plans.services import responses, stage_work, survey_admin
from tests.conftest import SMALL_PLAN, Database
from tests.support import create, stage_of, walk_to


def _definition() -> SurveyDefinition:
    return load_plan_file(SMALL_PLAN).plan.survey


def _opened(db: Database) -> tuple[int, int, People]:
    """The small plan with its baseline survey open and nobody answered: (plan id, survey id, people)."""
    plan_id, people = create(SMALL_PLAN)
    walk_to(plan_id, people, Stage.EVIDENCE_SURVEY)
    with session_scope() as s:
        survey = SurveyRepository(s).for_plan(plan_id, SurveyKind.BASELINE)
        assert survey is not None
        return plan_id, survey.id, people


def _answer(plan_id: int, people: People, n: int, kind: SurveyKind = SurveyKind.BASELINE) -> None:
    rows = [{"team": "T1", "answers": {"K1": "Agree", "S1": "Disagree", "E1": "Yes"}}] * n
    with session_scope() as s:
        responses.record(s, plan_id=plan_id, kind=kind, rows=rows, actor=people.coordinator, now=utcnow())


def _survey(survey_id: int) -> Survey:
    with session_scope() as s:
        survey = SurveyRepository(s).get(survey_id)
        assert survey is not None
        s.expunge(survey)
        return survey


def _events(kind: str) -> list[AuditEvent]:
    with session_scope() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.kind == kind).order_by(AuditEvent.id)))


class TestOpening:
    def test_the_survey_row_carries_the_whole_definition(self, db: Database) -> None:
        plan_id, survey_id, _ = _opened(db)
        survey, definition = _survey(survey_id), _definition()
        assert survey.definition == definition.model_dump(mode="json")
        assert survey.questions == flatten(definition)
        assert (survey.anonymous, survey.close_when_target_met, survey.target_rate) == (True, True, 0.5)
        assert survey.closes_at - survey.opens_at == timedelta(days=28)
        assert survey.title == "Small survey (baseline)"
        with session_scope() as s:
            plan = s.get(Plan, plan_id)
            assert plan is not None and plan.survey_template == definition.model_dump(mode="json")
            assert survey_admin.stored_definition(plan.survey_template) == definition

    def test_a_plan_stored_before_definitions_still_opens(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        legacy = {"title": "Old", "questions": flatten(_definition())}
        with session_scope() as s:
            plan = s.get(Plan, plan_id)
            assert plan is not None
            plan.survey_template = legacy
            fields = survey_admin.opening_fields(plan, None, utcnow())
        assert fields["definition"] is None and fields["questions"] == legacy["questions"]
        assert fields["target_rate"] == 0.5


class TestSetAnonymous:
    def test_off_before_any_response_then_on_again(self, db: Database) -> None:
        plan_id, survey_id, people = _opened(db)
        with session_scope() as s:
            survey_admin.set_anonymous(s, survey_id=survey_id, anonymous=False, actor=people.coordinator, now=utcnow())
        survey = _survey(survey_id)
        assert survey.anonymous is False and survey.definition is not None and survey.definition["anonymous"] is False
        with session_scope() as s:
            plan = s.get(Plan, plan_id)
            assert plan is not None and plan.survey_template["anonymous"] is False
        with session_scope() as s:
            survey_admin.set_anonymous(s, survey_id=survey_id, anonymous=True, actor=people.coordinator, now=utcnow())
        assert _survey(survey_id).anonymous is True
        changes = [(e.data, e.actor_id) for e in _events("survey_anonymity_changed")]
        coordinator_id = people.coordinator.person_id
        assert changes == [
            ({"survey": "baseline", "anonymous": False}, coordinator_id),
            ({"survey": "baseline", "anonymous": True}, coordinator_id),
        ]

    def test_off_is_refused_once_anyone_answered_and_nothing_changes(self, db: Database) -> None:
        plan_id, survey_id, people = _opened(db)
        _answer(plan_id, people, 1)
        with session_scope() as s, pytest.raises(InvalidInput) as refused:
            survey_admin.set_anonymous(s, survey_id=survey_id, anonymous=False, actor=people.coordinator, now=utcnow())
        assert "cannot stop being anonymous: it already has responses" in refused.value.message
        survey = _survey(survey_id)
        assert survey.anonymous is True and survey.definition is not None and survey.definition["anonymous"] is True
        assert _events("survey_anonymity_changed") == []

    def test_on_is_allowed_after_responses_and_is_then_kept(self, db: Database) -> None:
        plan_id, survey_id, people = _opened(db)
        with session_scope() as s:
            survey_admin.set_anonymous(s, survey_id=survey_id, anonymous=False, actor=people.coordinator, now=utcnow())
        _answer(plan_id, people, 2)
        with session_scope() as s:
            survey_admin.set_anonymous(s, survey_id=survey_id, anonymous=True, actor=people.coordinator, now=utcnow())
        with session_scope() as s, pytest.raises(InvalidInput):
            survey_admin.set_anonymous(s, survey_id=survey_id, anonymous=False, actor=people.coordinator, now=utcnow())
        assert _survey(survey_id).anonymous is True

    def test_the_same_setting_again_records_nothing(self, db: Database) -> None:
        _, survey_id, people = _opened(db)
        with session_scope() as s:
            survey_admin.set_anonymous(s, survey_id=survey_id, anonymous=True, actor=people.coordinator, now=utcnow())
        assert _events("survey_anonymity_changed") == []

    def test_only_a_coordinator_and_only_a_survey_that_exists(self, db: Database) -> None:
        _, survey_id, people = _opened(db)
        with session_scope() as s, pytest.raises(NotPermitted):
            survey_admin.set_anonymous(s, survey_id=survey_id, anonymous=False, actor=people.party[0], now=utcnow())
        with session_scope() as s, pytest.raises(NotFound):
            survey_admin.set_anonymous(s, survey_id=9999, anonymous=False, actor=people.coordinator, now=utcnow())
        assert _survey(survey_id).anonymous is True


def _changed(**changes: object) -> SurveyDefinition:
    data = _definition().model_dump(mode="json")
    data.update(changes)
    return SurveyDefinition.model_validate(data)


class TestReplaceDefinition:
    def test_before_opening_the_plan_opens_with_the_new_one(self, db: Database) -> None:
        plan_id, people = create(SMALL_PLAN)
        new = _changed(title="Revised survey", days=14, target_rate=0.7, anonymous=False)
        with session_scope() as s:
            assert (
                survey_admin.replace_definition(
                    s, plan_id=plan_id, definition=new, actor=people.coordinator, now=utcnow()
                )
                == []
            )
        walk_to(plan_id, people, Stage.EVIDENCE_SURVEY)
        with session_scope() as s:
            survey = SurveyRepository(s).for_plan(plan_id, SurveyKind.BASELINE)
            assert survey is not None
            assert (survey.title, survey.target_rate, survey.anonymous) == ("Revised survey (baseline)", 0.7, False)
            assert survey.closes_at - survey.opens_at == timedelta(days=14)
            assert survey.definition == new.model_dump(mode="json")
        (event,) = _events("survey_definition_replaced")
        assert event.data["questions"] == ["K1", "S1", "E1"] and event.data["surveys"] == []

    def test_while_open_and_unanswered_the_open_survey_changes_too(self, db: Database) -> None:
        plan_id, survey_id, people = _opened(db)
        data = _definition().model_dump(mode="json")
        data["questions"].append({"id": "S2", "section": "skills", "text": "I can report back to citizens."})
        new = SurveyDefinition.model_validate({**data, "days": 21, "close_when_target_met": False})
        with session_scope() as s:
            changed = survey_admin.replace_definition(
                s, plan_id=plan_id, definition=new, actor=people.coordinator, now=utcnow()
            )
            assert [c.id for c in changed] == [survey_id]
        survey = _survey(survey_id)
        assert [q["id"] for q in survey.questions] == ["K1", "S1", "E1", "S2"]
        assert survey.close_when_target_met is False and survey.closes_at - survey.opens_at == timedelta(days=21)

    def test_refused_once_anyone_answered(self, db: Database) -> None:
        plan_id, survey_id, people = _opened(db)
        _answer(plan_id, people, 1)
        with session_scope() as s, pytest.raises(InvalidInput) as refused:
            survey_admin.replace_definition(
                s, plan_id=plan_id, definition=_changed(title="Late"), actor=people.coordinator, now=utcnow()
            )
        assert "the baseline survey already has responses" in refused.value.message
        assert _survey(survey_id).title == "Small survey (baseline)"
        with session_scope() as s:
            plan = s.get(Plan, plan_id)
            assert plan is not None and plan.survey_template["title"] == "Small survey"

    def test_only_a_coordinator(self, db: Database) -> None:
        plan_id, people = create(SMALL_PLAN)
        with session_scope() as s, pytest.raises(NotPermitted):
            survey_admin.replace_definition(
                s, plan_id=plan_id, definition=_changed(), actor=people.approvers[0], now=utcnow()
            )


class TestClosing:
    @pytest.mark.parametrize("close_when_target_met", [True, False])
    def test_target_met_closes_only_when_configured(self, db: Database, close_when_target_met: bool) -> None:
        plan_id, survey_id, people = _opened(db)
        with session_scope() as s:
            survey_admin.replace_definition(
                s,
                plan_id=plan_id,
                definition=_changed(close_when_target_met=close_when_target_met),
                actor=people.coordinator,
                now=utcnow(),
            )
        _answer(plan_id, people, 11)  # 11 of 22 eligible meets the 50% target
        with session_scope() as s:
            done = stage_work.run(s, plan_id=plan_id, now=utcnow())
        assert (_survey(survey_id).closed_at is not None) is close_when_target_met
        assert any("target rate met" in d for d in done) is close_when_target_met
        with session_scope() as s:  # the end date still closes it
            stage_work.run(s, plan_id=plan_id, now=utcnow() + timedelta(days=29))
        assert _survey(survey_id).closed_at is not None


class TestRepeat:
    def test_the_repeat_survey_reuses_the_baselines_definition(self, db: Database) -> None:
        plan_id, survey_id, people = _opened(db)
        with session_scope() as s:
            survey_admin.set_anonymous(s, survey_id=survey_id, anonymous=False, actor=people.coordinator, now=utcnow())
            plan = s.get(Plan, plan_id)
            assert plan is not None
            # what the plan holds now no longer matters to the repeat survey: the baseline's does
            plan.survey_template = {**plan.survey_template, "title": "Changed after the baseline"}
        walk_to(plan_id, people, Stage.REPEAT_SURVEY)
        assert stage_of(plan_id) is Stage.REPEAT_SURVEY
        with session_scope() as s:
            repo = SurveyRepository(s)
            baseline = repo.for_plan(plan_id, SurveyKind.BASELINE)
            repeat = repo.for_plan(plan_id, SurveyKind.REPEAT)
            assert baseline is not None and repeat is not None
            assert repeat.definition == baseline.definition and repeat.questions == baseline.questions
            assert repeat.anonymous is False and repeat.baseline_id == baseline.id
            assert (repeat.close_when_target_met, repeat.target_rate) == (True, 0.5)
