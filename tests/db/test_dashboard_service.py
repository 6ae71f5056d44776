"""The coordinator's dashboard service: pages and stage filters, live response rates of open surveys
with the managers of teams below target (lowest first), approvers past the sign-off deadline, and
evidence owners with checkpoints past due."""

from __future__ import annotations

from datetime import timedelta

import pytest

from plans.db import session_scope
from plans.domain.errors import InvalidInput
from plans.domain.stages import Stage
from plans.models import SurveyKind, utcnow
from plans.repositories.people import PeopleRepository
from plans.repositories.signoff import SignOffRepository
from plans.repositories.surveys import SurveyRepository
from plans.services.dashboard import PER_PAGE, dashboard
from tests.conftest import SMALL_PLAN, Database
from tests.support import create, walk_to


def _answer(plan_id: int, team_code: str, count: int) -> None:
    with session_scope() as s:
        survey = SurveyRepository(s).for_plan(plan_id, SurveyKind.BASELINE)
        assert survey is not None
        org = PeopleRepository(s).organisation_by_code("SMALL")
        assert org is not None
        team = PeopleRepository(s).teams_by_code(org.id)[team_code]
        rows = [{"survey_id": survey.id, "team_id": team.id, "answered_on": utcnow().date(), "answers": {}}] * count
        SurveyRepository(s).add_responses(rows)


class TestLiveRates:
    def test_totals_and_the_managers_of_teams_below_target(self, db: Database) -> None:
        plan_id, people = create(SMALL_PLAN)
        walk_to(plan_id, people, Stage.EVIDENCE_SURVEY)
        _answer(plan_id, "T1", 8)  # 8 of 10: above the 60% target
        _answer(plan_id, "T2", 2)  # 2 of 12: below it
        with session_scope() as s:
            (row,) = dashboard(s, now=utcnow()).rows
        assert row.survey is not None
        assert (row.survey.eligible, row.survey.responses, row.survey.teams_below_target) == (22, 10, 1)
        assert row.survey.rate == pytest.approx(10 / 22)
        assert row.survey.managers_below_target == ["Tom Manager"]
        assert [(o.who, o.what) for o in row.overdue] == [("Tom Manager", "team response rate below target")]

    def test_lowest_team_first_and_none_named_once_all_meet_the_target(self, db: Database) -> None:
        plan_id, people = create(SMALL_PLAN)
        walk_to(plan_id, people, Stage.EVIDENCE_SURVEY)
        _answer(plan_id, "T1", 1)  # 10%
        _answer(plan_id, "T2", 3)  # 25%
        with session_scope() as s:
            assert dashboard(s, now=utcnow()).rows[0].survey.managers_below_target == ["Tess Manager", "Tom Manager"]  # type: ignore[union-attr]
        _answer(plan_id, "T1", 9)
        _answer(plan_id, "T2", 9)
        with session_scope() as s:
            (row,) = dashboard(s, now=utcnow()).rows
        assert row.survey is not None and row.survey.teams_below_target == 0 and row.overdue == []


class TestOverdue:
    def test_approvers_past_the_deadline(self, db: Database) -> None:
        plan_id, people = create(SMALL_PLAN)
        walk_to(plan_id, people, Stage.SIGN_OFF)
        with session_scope() as s:
            rnd = SignOffRepository(s).latest_round(plan_id)
            assert rnd is not None
            deadline = rnd.deadline
        with session_scope() as s:
            assert dashboard(s, now=deadline - timedelta(hours=1)).rows[0].overdue == []
        with session_scope() as s:
            late = dashboard(s, now=deadline + timedelta(days=1)).rows[0].overdue
        assert sorted(o.who for o in late) == ["Abe Approver", "Ann Approver"]
        assert {o.what for o in late} == {"sign-off of version 1"} and {o.since for o in late} == {deadline.date()}


class TestPages:
    def test_stage_filter_counts_and_pages(self, db: Database) -> None:
        ids = [create(SMALL_PLAN, slug=f"plan-{i:02d}")[0] for i in range(PER_PAGE + 3)]
        with session_scope() as s:
            first = dashboard(s, now=utcnow())
            second = dashboard(s, now=utcnow(), page=2)
            in_vision = dashboard(s, now=utcnow(), stage="vision")
            in_delivery = dashboard(s, now=utcnow(), stage="delivery")
        assert (first.total, first.pages, len(first.rows), len(second.rows)) == (len(ids), 2, PER_PAGE, 3)
        assert {r.id for r in first.rows + second.rows} == set(ids)
        assert in_vision.counts["vision"] == len(ids) and in_delivery.rows == [] and in_delivery.total == 0

    @pytest.mark.parametrize(("stage", "page", "field"), [("nonsense", 1, "stage"), (None, 0, "page")])
    def test_bad_filters_name_the_field(self, db: Database, stage: str | None, page: int, field: str) -> None:
        with session_scope() as s, pytest.raises(InvalidInput, match=f"^{field}:"):
            dashboard(s, now=utcnow(), stage=stage, page=page)
