"""The coordinator's survey page and its JSON twins, and the survey progress on a manager's team page:
coordinators see every team, managers only their teams and those below, nobody sees an answer."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from plans.db import session_scope
from plans.models import Role, SurveyResponse, Team
from plans.repositories.people import PeopleRepository
from tests.conftest import Database
from tests.survey_world import SurveyWorld, open_survey
from tests.web import signed_in

CORA, DAN, TESS = "cora@small.example", "dan@small.example", "tess@small.example"


@pytest.fixture
def world(db: Database) -> SurveyWorld:
    return open_survey()


def _as(email: str, *roles: Role) -> TestClient:
    with session_scope() as s:
        person_id = PeopleRepository(s).people_by_email([email])[email].id
        if roles:
            PeopleRepository(s).grant(person_id, roles)
    return signed_in(person_id)[0]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _league(html: str) -> list[tuple[str, str]]:
    """(place, team) of each league table row on the page."""
    section = html.split('id="league"', 1)[1]
    rows = re.findall(r"Place </span>(\d+)</td>\s*<td[^>]*><span[^>]*>Team </span><span>([^<]+)", section)
    return [(place, team.strip()) for place, team in rows]


class TestCoordinatorPage:
    def test_organisation_directorates_history_league_and_design(self, world: SurveyWorld) -> None:
        page = _as(CORA).get(f"/plans/{world.plan_id}/survey")
        assert page.status_code == 200
        text = _text(page.text)
        assert "18 of 34 staff in Small Council have responded (53%), against a target of 50%. Target met" in text
        assert "28 days left" in text
        assert f'href="/plans/{world.plan_id}/team-links"' in page.text  # open: team links can be made
        # directorates: each sums every team below it, at any depth
        cells = "Teams {} Responses {} Staff who can respond {} Response rate {}"
        assert "Directorate One " + cells.format(3, 9, 22, "41%") + " Against target Below target" in text
        assert "Sub Directorate " + cells.format(1, 9, 12, "75%") + " Against target Target met" in text
        # history: a table, and a chart with a text alternative
        assert 'role="img" aria-labelledby="chart-title chart-desc"' in page.text
        assert "The response rate rose to 53% by" in text
        days = re.findall(r"Responses that day (\d+) Responses so far (\d+) Response rate so far (\d+%)", text)
        assert days == [("7", "7", "21%"), ("5", "12", "35%"), ("6", "18", "53%")]
        assert _league(page.text) == [
            ("1", "Team Three"),
            ("2", "Team One"),
            ("3", "Sub Directorate"),
            ("4", "Team Two"),
        ]
        assert "Recognised" in text  # Team Three: 8 of 8
        assert "Not ranked, because nobody in them is eligible to respond: Late Team, Team Four." in text
        assert "Survey design check" in text

    def test_repeat_not_open_yet_and_bad_kind(self, world: SurveyWorld) -> None:
        c = _as(CORA)
        plan_page = c.get(f"/plans/{world.plan_id}").text
        assert f'href="/plans/{world.plan_id}/survey"' in plan_page and "survey?kind=repeat" in plan_page
        repeat = c.get(f"/plans/{world.plan_id}/survey?kind=repeat")
        assert repeat.status_code == 200 and "The repeat survey of this plan has not opened yet." in repeat.text
        assert 'aria-current="page">Repeat survey' in repeat.text
        assert c.get(f"/plans/{world.plan_id}/survey?kind=other").status_code == 422
        assert c.get("/plans/424242/survey").status_code == 404

    def test_never_an_answer(self, world: SurveyWorld) -> None:
        with session_scope() as s:
            s.add(
                SurveyResponse(
                    survey_id=world.survey_id,
                    team_id=world.teams["T1"],
                    answered_on=world.first_day,
                    answers={"K1": "A secret only the respondent knows"},
                )
            )
        for path in (
            f"/plans/{world.plan_id}/survey",
            f"/api/v1/plans/{world.plan_id}/survey",
            f"/api/v1/plans/{world.plan_id}/survey/league",
        ):
            assert "secret" not in _as(CORA).get(path).text

    def test_managers_and_approvers_may_not(self, world: SurveyWorld) -> None:
        for email, role in ((DAN, Role.MANAGER), ("ann@small.example", Role.APPROVER)):
            c = _as(email, role)
            assert c.get(f"/plans/{world.plan_id}/survey").status_code == 403
            assert c.get(f"/api/v1/plans/{world.plan_id}/survey/league").status_code == 403


class TestJson:
    def test_progress_and_league(self, world: SurveyWorld) -> None:
        c = _as(CORA)
        progress = c.get(f"/api/v1/plans/{world.plan_id}/survey").json()
        assert (progress["responses"], progress["eligible"], progress["below_target"]) == (18, 34, False)
        assert [d["cumulative"] for d in progress["history"]] == [7, 12, 18]
        assert {g["team"] for g in progress["directorates"]} == {
            "Directorate One",
            "Directorate Two",
            "Sub Directorate",
        }
        league = c.get(f"/api/v1/plans/{world.plan_id}/survey/league").json()
        assert [(r["rank"], r["team"], r["at_target"]) for r in league["teams"]] == [
            (1, "Team Three", True),
            (2, "Team One", True),
            (3, "Sub Directorate", False),
            (4, "Team Two", False),
        ]
        repeat = c.get(f"/api/v1/plans/{world.plan_id}/survey?kind=repeat")
        assert (repeat.status_code, repeat.json()["error"]) == (409, "conflict")


class TestTeamPage:
    def test_a_manager_sees_their_teams_places_and_history_only(self, world: SurveyWorld) -> None:
        c = _as(TESS, Role.MANAGER)
        page = c.get(f"/teams/{world.teams['T1']}")
        assert page.status_code == 200
        text = _text(page.text)
        assert "Team One: place 2 of 4, 60%" in text
        assert "Team Three" not in text and "Team Two: place" not in text
        assert "Responses by day" in text and "Response rate so far" in text
        mine = c.get(f"/api/v1/teams/{world.teams['T1']}/surveys").json()
        assert [(r["team"], r["rank"]) for r in mine[0]["league"]] == [("Team One", 2)]
        assert [d["responses"] for d in mine[0]["history"]] == [3, 2, 1]
        # another manager's team, and the directorate above: not found
        assert c.get(f"/teams/{world.teams['T2']}").status_code == 404
        assert c.get(f"/api/v1/teams/{world.teams['D1']}/surveys").status_code == 404

    def test_a_director_sees_every_team_below(self, world: SurveyWorld) -> None:
        c = _as(DAN, Role.MANAGER)
        text = _text(c.get(f"/teams/{world.teams['D1']}").text)
        assert "Team One: place 2 of 4" in text and "Team Two: place 4 of 4" in text
        assert "Team Three" not in text
        (survey,) = c.get(f"/api/v1/teams/{world.teams['D1']}/surveys").json()
        assert (survey["responses"], survey["eligible"]) == (9, 22)
        assert c.get(f"/api/v1/teams/{world.teams['D2']}/surveys").status_code == 404

    def test_a_coordinator_sees_any_team(self, world: SurveyWorld) -> None:
        with session_scope() as s:
            s.execute(update(Team).where(Team.id == world.teams["D2"]).values(name="Directorate Two"))
        text = _text(_as(CORA).get(f"/teams/{world.teams['D2']}").text)
        assert "Team Three: place 1 of 4, 100% Recognised" in text and "Sub Directorate: place 3 of 4" in text
