"""The survey as staff answer it by link, and a coordinator's team links, through the web app: the
page's contents and privacy headers, answering, refusals with every problem linked to its field, the
pages for used, closed and unknown links, the JSON API, and the CSRF rules of each."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from plans.db import session_scope
from plans.models import Person, Role, Survey, SurveyResponse, SurveyTeamDay, SurveyTeamLink, Team, utcnow
from tests.conftest import Database
from tests.intake_world import invitation_tokens, open_with_staff
from tests.web import client, make_user, signed_in

ANSWERS = {"answers.K1": "Agree", "answers.E1": "No", "demographics.staff_group": "Housing"}


def _page(token: str) -> tuple[TestClient, str]:
    """A fresh browser that opened the survey page: (client, its form token)."""
    c = client()
    page = c.get(f"/s/{token}")
    assert page.status_code == 200, page.text
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match is not None
    return c, match.group(1)


def _responses(survey_id: int) -> tuple[int, int]:
    with session_scope() as s:
        stored = s.scalar(select(func.count()).where(SurveyResponse.survey_id == survey_id))
        counted = s.scalar(select(func.sum(SurveyTeamDay.responses)).where(SurveyTeamDay.survey_id == survey_id))
    return int(stored or 0), int(counted or 0)


class TestSurveyPage:
    def test_the_page_explains_asks_and_keeps_nothing(self, db: Database) -> None:
        _, survey_id = open_with_staff()
        token = invitation_tokens(survey_id)[0]
        page = client().get(f"/s/{token}")
        assert page.status_code == 200
        assert page.headers["cache-control"] == "no-store"
        assert page.headers["referrer-policy"] == "no-referrer"
        # the only cookie: the anonymous form token (double submit), nothing that could follow a person
        assert [c.split("=")[0] for c in page.headers.get_list("set-cookie")] == ["coproduce_form"]
        html = page.text
        for words in (
            "Small survey (baseline)",
            "To learn what staff know about involving citizens",  # the purpose
            "What we mean by citizen voice",
            "Your answers are anonymous",
            "groups of 11 people or more",
            "The survey closes on",
            "What you know",  # a section's legend
            "I know what coproduction means.",
            "About you",
            "Prefer not to say",
        ):
            assert words in html, words
        assert (
            html.count('<legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--l"') == 4
        )  # 3 sections + about you
        assert 'name="answers.K1" type="radio" value="Strongly agree"' in html
        assert "Sign in" not in html  # respondents are not users: nothing to sign in to

    def test_answering_then_coming_back(self, db: Database) -> None:
        _, survey_id = open_with_staff()
        token = invitation_tokens(survey_id)[0]
        c, csrf = _page(token)
        done = c.post(f"/s/{token}", data={**ANSWERS, "csrf_token": csrf})
        assert done.status_code == 200 and "Thank you for your answers" in done.text
        assert "next person" not in done.text  # an invitation answers once
        assert done.headers["cache-control"] == "no-store"
        again = client().get(f"/s/{token}")
        assert again.status_code == 200 and "You have already answered this survey" in again.text
        twice = c.post(f"/s/{token}", data={**ANSWERS, "csrf_token": csrf})
        assert twice.status_code == 409 and "already answered" in twice.text
        assert _responses(survey_id) == (1, 1)
        with session_scope() as s:
            answers, demographics = s.execute(select(SurveyResponse.answers, SurveyResponse.demographics)).one()
        assert answers == {"K1": "Agree", "E1": "No"} and demographics == {"staff_group": "Housing"}

    def test_problems_are_listed_and_linked_to_their_fields(self, db: Database) -> None:
        _, survey_id = open_with_staff()
        token = invitation_tokens(survey_id)[0]
        c, csrf = _page(token)
        nothing = c.post(f"/s/{token}", data={"csrf_token": csrf})
        assert nothing.status_code == 422
        assert "There is a problem" in nothing.text and 'href="#answers-K1"' in nothing.text
        assert "Answer at least one question" in nothing.text
        bad = c.post(f"/s/{token}", data={**ANSWERS, "answers.S1": "Sometimes", "csrf_token": csrf})
        assert bad.status_code == 422 and 'href="#answers-S1"' in bad.text
        assert "I feel confident involving citizens. \u2013 &#39;Sometimes&#39; is not one of" in bad.text
        assert 'id="answers-S1-error"' in bad.text
        # what was given is kept: the radio chosen for K1 is still checked
        assert re.search(r'id="answers-K1-2" name="answers.K1" type="radio" value="Agree"\s+checked', bad.text)
        assert _responses(survey_id) == (0, 0)

    def test_an_unknown_link_reveals_nothing(self, db: Database) -> None:
        _, survey_id = open_with_staff()
        for token in ("nonsense", "A" * 43, invitation_tokens(survey_id)[0][:-1] + "x"):
            page = client().get(f"/s/{token}")
            assert page.status_code == 404 and page.headers["cache-control"] == "no-store"
            assert "Page not found" in page.text and "survey" not in page.text.lower()

    def test_a_closed_survey_says_so(self, db: Database) -> None:
        _, survey_id = open_with_staff()
        token = invitation_tokens(survey_id)[0]
        c, csrf = _page(token)
        with session_scope() as s:
            s.execute(update(Survey).where(Survey.id == survey_id).values(closed_at=utcnow()))
        assert "This survey has closed" in client().get(f"/s/{token}").text
        refused = c.post(f"/s/{token}", data={**ANSWERS, "csrf_token": csrf})
        assert refused.status_code == 409 and "This survey has closed" in refused.text
        assert _responses(survey_id) == (0, 0)

    def test_the_form_needs_its_form_token(self, db: Database) -> None:
        _, survey_id = open_with_staff()
        token = invitation_tokens(survey_id)[0]
        c, _ = _page(token)
        assert c.post(f"/s/{token}", data=ANSWERS).status_code == 403
        assert c.post(f"/s/{token}", data={**ANSWERS, "csrf_token": "forged"}).status_code == 403
        assert _responses(survey_id) == (0, 0)


class TestSurveyApi:
    def test_questions_then_one_answer_by_link_alone(self, db: Database) -> None:
        _, survey_id = open_with_staff()
        token = invitation_tokens(survey_id)[0]
        api = client()  # no cookie, no form token, no API token: the link is the credential
        survey = api.get(f"/api/v1/s/{token}")
        assert survey.status_code == 200 and survey.headers["cache-control"] == "no-store"
        body = survey.json()
        assert body["state"] == "open" and body["channel"] == "invitation" and body["anonymous"] is True
        assert [q["id"] for s in body["sections"] for q in s["questions"]] == ["K1", "S1", "E1"]
        assert [d["id"] for d in body["demographics"]] == ["staff_group", "ethnicity"]
        wrong = api.post(f"/api/v1/s/{token}", json={"answers": {"K1": "Agree", "E1": "Maybe"}})
        assert wrong.status_code == 422 and "answers.E1" in wrong.json()["detail"]
        made = api.post(f"/api/v1/s/{token}", json={"answers": {"K1": "Agree"}, "demographics": {"ethnicity": "White"}})
        assert made.status_code == 201 and made.json()["channel"] == "invitation"
        again = api.post(f"/api/v1/s/{token}", json={"answers": {"K1": "Agree"}})
        assert again.status_code == 409 and again.headers["referrer-policy"] == "no-referrer"
        assert api.get(f"/api/v1/s/{token}").json()["state"] == "used"
        assert api.get(f"/api/v1/s/{'B' * 43}").status_code == 404
        assert _responses(survey_id) == (1, 1)


class TestTeamLinks:
    def test_a_coordinator_creates_lists_and_revokes_a_team_link(self, db: Database) -> None:
        plan_id, survey_id = open_with_staff()
        with session_scope() as s:
            cora = s.scalar(select(Person.id).where(Person.email == "cora@small.example"))
            team_id = s.scalar(select(Team.id).where(Team.code == "T1"))
        assert cora is not None and team_id is not None
        coordinator, csrf = signed_in(cora)
        made = coordinator.post(
            f"/plans/{plan_id}/team-links", data={"team_id": str(team_id), "label": "Kiosk", "csrf_token": csrf}
        )
        assert made.status_code == 303
        page = coordinator.get(f"/plans/{plan_id}/team-links")
        assert page.status_code == 200 and "Team One (T1): Kiosk" in page.text
        match = re.search(r"<code>[^<]*/s/([A-Za-z0-9_-]{43})</code>", page.text)
        assert match is not None
        token = match.group(1)
        for _ in range(3):
            c, form_token = _page(token)
            thanks = c.post(f"/s/{token}", data={**ANSWERS, "csrf_token": form_token})
            assert thanks.status_code == 200 and "Answer the survey as the next person" in thanks.text
        with session_scope() as s:
            link_id = s.scalar(select(SurveyTeamLink.id))
        revoked = coordinator.post(f"/plans/{plan_id}/team-links/revoke", data={"link_id": link_id, "csrf_token": csrf})
        assert revoked.status_code == 303
        assert "Revoked" in coordinator.get(f"/plans/{plan_id}/team-links").text
        assert client().get(f"/s/{token}").status_code == 404
        assert _responses(survey_id) == (3, 3)

    def test_only_coordinators_see_team_links(self, db: Database) -> None:
        plan_id, _ = open_with_staff()
        manager, _ = signed_in(make_user("mia@small.example", Role.MANAGER))
        assert manager.get(f"/plans/{plan_id}/team-links").status_code == 403
