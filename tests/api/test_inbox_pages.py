"""The inbox of approvers and managers over HTTP: sign-off requests and decisions (pages and JSON API),
refusals shown on the page with the NHS error pattern, teams' live response rates limited to the
manager's own teams, and an inbox whose query count does not grow with plans or teams."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import event, select, update

from flows.demo_people import People
from plans.db import get_engine, session_scope
from plans.domain.stages import Stage
from plans.models import Person, Role, SignOffDecision, SignOffRound, Survey, SurveyKind, SurveyTeam, Team, utcnow
from plans.repositories.people import PeopleRepository
from plans.services import inbox as inbox_service
from plans.services import responses
from plans.services.api_tokens import create_token
from plans.services.auth import Principal
from plans.services.signoff import send_for_sign_off
from tests.conftest import SMALL_PLAN, Database
from tests.support import create, push, walk_to
from tests.web import client, signed_in

ANN, ABE = "ann@small.example", "abe@small.example"


def _person(email: str) -> int:
    with session_scope() as s:
        return PeopleRepository(s).people_by_email([email])[email].id


def _as(email: str, *roles: Role) -> tuple[TestClient, str]:
    """A signed-in client for the person with this email (granted ``roles``) and its form token."""
    person_id = _person(email)
    if roles:
        with session_scope() as s:
            PeopleRepository(s).grant(person_id, roles)
    return signed_in(person_id)


def _api(email: str) -> TestClient:
    """A client carrying an API token of the person with this email."""
    with session_scope() as s:
        person = PeopleRepository(s).people_by_email([email])[email]
        principal = Principal(person.id, person.name, person.email, frozenset(), "session")
        token, _ = create_token(s, principal=principal, name="tests", now=utcnow())
    c = client()
    c.headers["Authorization"] = f"Bearer {token}"
    return c


def _at_sign_off(slug: str | None = None) -> int:
    plan_id, people = create(SMALL_PLAN, slug=slug)
    walk_to(plan_id, people, Stage.SIGN_OFF)
    return plan_id


def _hash(plan_id: int) -> str:
    """The content hash of the plan's latest sign-off round (what the page offers to decide on)."""
    with session_scope() as s:
        found = s.scalars(
            select(SignOffRound.content_hash)
            .where(SignOffRound.plan_id == plan_id)
            .order_by(SignOffRound.version.desc())
        ).first()
    assert found is not None
    return found


def _decide(c: TestClient, csrf: str, plan_id: int, **fields: str):  # type: ignore[no-untyped-def]
    data = {"csrf_token": csrf, "version": "1", "content_hash": _hash(plan_id), **fields}
    return c.post(f"/inbox/sign-off/{plan_id}", data=data)


def _decisions(plan_id: int) -> list[tuple[str, int, str]]:
    with session_scope() as s:
        rows = s.execute(
            select(Person.email, SignOffDecision.version, SignOffDecision.decision)
            .join(Person, Person.id == SignOffDecision.approver_id)
            .where(SignOffDecision.plan_id == plan_id)
        )
        return [(email, version, decision.value) for email, version, decision in rows]


def _text(html: str) -> str:
    """The page's words with tags and runs of whitespace removed, for asserting on sentences."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


class TestInbox:
    def test_approver_sees_the_request_with_its_deadline(self, db: Database) -> None:
        plan_id = _at_sign_off()
        c, _ = _as(ANN)
        page = c.get("/inbox")
        assert page.status_code == 200
        assert f'href="/inbox/sign-off/{plan_id}"' in page.text and "Small test plan" in page.text
        assert "Overdue" not in page.text
        assert "You have not made any sign-off decisions yet." in page.text

    def test_overdue_request_is_marked(self, db: Database) -> None:
        plan_id = _at_sign_off()
        with session_scope() as s:
            s.execute(
                update(SignOffRound)
                .where(SignOffRound.plan_id == plan_id)
                .values(deadline=utcnow() - timedelta(days=1))
            )
        c, _ = _as(ANN)
        assert "Overdue" in c.get("/inbox").text

    def test_someone_with_nothing_waiting_reads_so(self, db: Database) -> None:
        _at_sign_off()
        c, _ = _as("sue@small.example")
        page = c.get("/inbox")
        assert page.status_code == 200 and "Nothing is waiting for you." in page.text
        assert "/inbox/sign-off/" not in page.text

    def test_signed_out_is_sent_to_sign_in(self, db: Database) -> None:
        response = client().get("/inbox")
        assert response.status_code == 303 and response.headers["location"].startswith("/sign-in")


class TestSignOffPage:
    def test_shows_the_version_its_hash_evidence_and_who_is_left(self, db: Database) -> None:
        plan_id = _at_sign_off()
        with session_scope() as s:
            content_hash = s.scalar(select(SignOffRound.content_hash).where(SignOffRound.plan_id == plan_id))
        assert content_hash
        c, csrf = _as(ANN)
        page = c.get(f"/inbox/sign-off/{plan_id}")
        assert page.status_code == 200
        text = _text(page.text)
        assert "Version 1" in text and content_hash[:12] in text
        assert "Introduce coproduction to every member of staff" in text
        assert "Survey finding for question K1" in text
        assert "Abe Approver" in text and "Ann Approver" in text  # both yet to decide
        assert 'name="version" value="1"' in page.text and f'value="{csrf}"' in page.text
        assert f'name="content_hash" value="{content_hash}"' in page.text
        assert "What is your decision on version 1?" in text and "<legend" in page.text
        assert 'type="radio"' in page.text and 'for="comment"' in page.text

    def test_a_person_who_is_not_an_approver_gets_404(self, db: Database) -> None:
        plan_id = _at_sign_off()
        for email in ("tess@small.example", "cora@small.example"):
            c, csrf = _as(email)
            assert c.get(f"/inbox/sign-off/{plan_id}").status_code == 404
            assert _decide(c, csrf, plan_id, decision="approve").status_code == 404
        c, _ = _as(ANN)
        assert c.get("/inbox/sign-off/9999").status_code == 404
        assert _decisions(plan_id) == []

    def test_a_plan_no_longer_in_sign_off_says_so(self, db: Database) -> None:
        plan_id, people = create(SMALL_PLAN)
        walk_to(plan_id, people, Stage.DELIVERY)
        c, _ = _as(ANN)
        page = c.get(f"/inbox/sign-off/{plan_id}")
        assert page.status_code == 200
        assert "no longer waiting for sign-off" in page.text and 'name="decision"' not in page.text
        assert "Your decision" in page.text and "Approve" in page.text  # walk_to approved as Ann

    def test_a_plan_not_yet_sent_says_so(self, db: Database) -> None:
        plan_id, _ = _survey_open()
        c, _ = _as(ANN)
        page = c.get(f"/inbox/sign-off/{plan_id}")
        assert page.status_code == 200 and "has not been sent for sign-off yet" in page.text
        assert 'name="decision"' not in page.text


class TestDecisionForm:
    def test_no_choice_is_refused_with_an_error_summary(self, db: Database) -> None:
        plan_id = _at_sign_off()
        c, csrf = _as(ANN)
        page = _decide(c, csrf, plan_id, comment="hello")
        assert page.status_code == 422
        assert "nhsuk-error-summary" in page.text and "There is a problem" in page.text
        assert 'href="#decision"' in page.text and "nhsuk-form-group--error" in page.text
        assert "Select whether you approve, request changes or reject" in page.text
        assert ">hello</textarea>" in page.text  # what was typed is kept
        assert _decisions(plan_id) == []

    def test_request_changes_needs_a_comment_then_is_recorded(self, db: Database) -> None:
        plan_id = _at_sign_off()
        c, csrf = _as(ANN)
        refused = _decide(c, csrf, plan_id, decision="request_changes", comment="  ")
        assert refused.status_code == 422
        assert "Enter a comment saying what needs to change" in refused.text and 'href="#comment"' in refused.text
        assert 'value="request_changes" checked' in refused.text
        assert _decisions(plan_id) == []

        done = _decide(c, csrf, plan_id, decision="request_changes", comment="Add protected time.")
        assert done.status_code == 303 and done.headers["location"] == "/inbox"
        assert _decisions(plan_id) == [(ANN, 1, "request_changes")]
        inbox = c.get("/inbox")
        assert "Your decision is recorded: request changes on version 1 of Small test plan." in inbox.text
        assert f'href="/inbox/sign-off/{plan_id}"' in inbox.text  # now among past decisions
        assert "No plan is waiting for your sign-off." in inbox.text
        assert "Your decision is recorded" not in c.get("/inbox").text  # the banner shows once

    def test_cannot_decide_twice(self, db: Database) -> None:
        plan_id = _at_sign_off()
        c, csrf = _as(ANN)
        assert _decide(c, csrf, plan_id, decision="approve").status_code == 303
        page = c.get(f"/inbox/sign-off/{plan_id}")
        assert 'name="decision"' not in page.text and "A decision cannot be changed" in page.text
        again = _decide(c, csrf, plan_id, decision="reject", comment="Changed my mind.")
        assert again.status_code == 409 and "nhsuk-error-summary" in again.text
        assert "You have already recorded your decision on this version." in again.text
        assert _decisions(plan_id) == [(ANN, 1, "approve")]

    def test_a_stale_version_is_refused_naming_both_versions(self, db: Database) -> None:
        plan_id, people = create(SMALL_PLAN)
        walk_to(plan_id, people, Stage.SIGN_OFF)
        people.sign_off(1, first_requests_changes=True)
        push(plan_id)
        old_hash = _hash(plan_id)
        assert people.draft_recommendations(revised=True, send=False) == 2
        with session_scope() as s:
            send_for_sign_off(
                s, plan_id=plan_id, actor=people.coordinator, deadline=date.today() + timedelta(days=7), now=utcnow()
            )
        push(plan_id)
        c, csrf = _as(ABE)
        page = _decide(c, csrf, plan_id, decision="approve", version="1", content_hash=old_hash)
        assert page.status_code == 409 and "nhsuk-error-summary" in page.text
        assert f"You decided on version 1 (hash {old_hash[:12]}…), but version 2 is now under sign-off" in page.text
        assert 'name="version" value="2"' in page.text  # the form now offers the current version
        assert f'name="content_hash" value="{_hash(plan_id)}"' in page.text
        assert (ABE, 1, "approve") not in _decisions(plan_id)

    def test_a_form_without_its_token_is_refused(self, db: Database) -> None:
        plan_id = _at_sign_off()
        c, _ = _as(ANN)
        response = c.post(f"/inbox/sign-off/{plan_id}", data={"decision": "approve", "version": "1"})
        assert response.status_code == 403 and _decisions(plan_id) == []


def _survey_open(slug: str | None = None) -> tuple[int, People]:
    plan_id, people = create(SMALL_PLAN, slug=slug)
    walk_to(plan_id, people, Stage.EVIDENCE_SURVEY)
    return plan_id, people


def _survey_open_with_responses() -> int:
    """A plan whose baseline survey is open: Team One has 6 of 10 responses, Team Two 2 of 12."""
    plan_id, people = _survey_open()
    rows = [{"team": "T1", "answers": {"K1": "Agree"}}] * 6 + [{"team": "T2", "answers": {"K1": "Disagree"}}] * 2
    with session_scope() as s:
        responses.record(
            s, plan_id=plan_id, kind=SurveyKind.BASELINE, rows=rows, actor=people.coordinator, now=utcnow()
        )
    return plan_id


def _team_id(code: str) -> int:
    with session_scope() as s:
        team_id = s.scalar(select(Team.id).where(Team.code == code))
        assert team_id is not None
        return team_id


class TestTeams:
    def test_a_manager_sees_only_their_own_teams(self, db: Database) -> None:
        _survey_open_with_responses()
        c, _ = _as("tess@small.example", Role.MANAGER)
        text = _text(c.get("/inbox").text)
        assert "Team One" in text and "Team Two" not in text
        assert "6 of 10 staff have responded (60%)" in text and "Target met" in text
        assert c.get(f"/teams/{_team_id('T2')}").status_code == 404
        assert c.get(f"/teams/{_team_id('D1')}").status_code == 404
        assert c.get(f"/teams/{_team_id('T1')}").status_code == 200

    def test_a_director_sees_the_teams_below_with_totals(self, db: Database) -> None:
        _survey_open_with_responses()
        c, _ = _as("dan@small.example", Role.MANAGER)
        page = c.get(f"/teams/{_team_id('D1')}")
        assert page.status_code == 200
        text = _text(page.text)
        assert "8 of 22 staff have responded (36%)" in text and "target of 50%" in text
        assert "Team One" in text and "Team Two" in text and "Below target" in text
        # counts only: what people answered never reaches a manager
        assert "Agree" not in text and "Disagree" not in text
        assert "Team One" in _text(c.get("/inbox").text) and "Team Two" in _text(c.get("/inbox").text)

    def test_no_open_survey_reads_so(self, db: Database) -> None:
        _at_sign_off()
        c, _ = _as("tess@small.example", Role.MANAGER)
        assert "No survey is open for your teams at the moment." in c.get("/inbox").text
        assert "No survey is open for Team One at the moment." in c.get(f"/teams/{_team_id('T1')}").text

    def test_coordinators_see_any_team(self, db: Database) -> None:
        _survey_open_with_responses()
        c, _ = _as("cora@small.example")
        assert c.get(f"/teams/{_team_id('T2')}").status_code == 200


class TestJsonApi:
    def test_inbox_sign_off_and_decisions(self, db: Database) -> None:
        plan_id = _at_sign_off()
        ann = _api(ANN)
        inbox = ann.get("/api/v1/inbox").json()
        assert [(r["plan_id"], r["version"], r["overdue"]) for r in inbox["sign_off_requests"]] == [(plan_id, 1, False)]
        view = ann.get(f"/api/v1/plans/{plan_id}/sign-off").json()
        assert view["version"] == view["round_version"] == 1 and view["open"] is True
        assert view["awaiting"] == ["Abe Approver", "Ann Approver"] and view["recommendations"]

        assert view["document"]["content_hash"] == view["content_hash"] == _hash(plan_id)
        url = f"/api/v1/plans/{plan_id}/sign-off/decisions"
        one = {"version": 1, "content_hash": view["document"]["content_hash"]}
        no_comment = ann.post(url, json={**one, "decision": "reject"})
        assert no_comment.status_code == 422 and "comment" in no_comment.json()["detail"]
        assert ann.post(url, json={**one, "decision": "maybe"}).status_code == 422
        assert ann.post(url, json={**one, "decision": "reject", "comment": "x" * 4001}).status_code == 422
        assert ann.post(url, json={"version": 1, "decision": "approve"}).status_code == 422  # no hash
        made = ann.post(url, json={**one, "decision": "approve"})
        assert made.status_code == 201
        assert made.json()["decision"] == "approve" and made.json()["version"] == 1
        assert made.json()["content_hash"] == one["content_hash"]
        twice = ann.post(url, json={**one, "decision": "approve"})
        assert twice.status_code == 409 and twice.json()["error"] == "conflict"
        inbox = ann.get("/api/v1/inbox").json()
        assert inbox["sign_off_requests"] == [] and inbox["decisions"][0]["decision"] == "approve"

    def test_non_approvers_get_404_and_stale_versions_409(self, db: Database) -> None:
        plan_id = _at_sign_off()
        tess = _api("tess@small.example")
        assert tess.get(f"/api/v1/plans/{plan_id}/sign-off").status_code == 404
        url = f"/api/v1/plans/{plan_id}/sign-off/decisions"
        one = {"version": 1, "content_hash": _hash(plan_id)}
        assert tess.post(url, json={**one, "decision": "approve"}).status_code == 404
        stale = _api(ABE).post(url, json={**one, "version": 3, "decision": "approve"})
        assert stale.status_code == 409 and "version 3" in stale.json()["detail"]
        assert "version 1" in stale.json()["detail"]
        other = _api(ABE).post(url, json={**one, "content_hash": "0" * 64, "decision": "approve"})
        assert other.status_code == 409 and "hash 000000000000…" in other.json()["detail"]
        assert f"has hash {one['content_hash'][:12]}…" in other.json()["detail"]

    def test_a_session_needs_its_form_token_to_decide(self, db: Database) -> None:
        plan_id = _at_sign_off()
        c, csrf = _as(ANN)
        url = f"/api/v1/plans/{plan_id}/sign-off/decisions"
        body = {"version": 1, "content_hash": _hash(plan_id), "decision": "approve"}
        assert c.post(url, json=body).status_code == 403
        ok = c.post(url, json=body, headers={"X-CSRF-Token": csrf})
        assert ok.status_code == 201

    def test_team_rates(self, db: Database) -> None:
        _survey_open_with_responses()
        dan = _api("dan@small.example")
        view = dan.get(f"/api/v1/teams/{_team_id('D1')}").json()
        assert [t["team"] for t in view["sub_teams"]] == ["Team One", "Team Two"]
        (survey,) = view["surveys"]
        assert (survey["responses"], survey["eligible"], survey["below_target"]) == (8, 22, True)
        assert [(t["team"], t["responses"], t["below_target"]) for t in survey["teams"]] == [
            ("Team Two", 2, True),
            ("Team One", 6, False),
        ]
        assert set(survey["teams"][0]) == {
            "team_id", "team", "manager", "eligible", "responses", "rate", "below_target"
        }  # fmt: skip
        assert _api("tess@small.example").get(f"/api/v1/teams/{_team_id('T2')}").status_code == 404
        (mine,) = _api("tess@small.example").get("/api/v1/inbox").json()["surveys"]
        assert [t["team"] for t in mine["teams"]] == ["Team One"]


@contextmanager
def _counting() -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _queries(person_ids: list[int], team_id: int) -> int:
    with _counting() as statements, session_scope() as s:
        for person_id in person_ids:
            inbox_service.inbox(s, person_id=person_id, now=utcnow())
        inbox_service.team(s, team_id=team_id, now=utcnow())
    return len(statements)


class TestQueryCounts:
    def test_the_inbox_costs_the_same_for_many_plans_and_teams(self, db: Database) -> None:
        _at_sign_off("plan-0")
        _survey_open("survey-0")
        people, director = [_person(ANN), _person("dan@small.example")], _team_id("D1")
        one = _queries(people, director)

        for i in range(1, 5):
            _at_sign_off(f"plan-{i}")
            _survey_open(f"survey-{i}")
        with session_scope() as s:
            org = s.scalar(select(Team.organisation_id).where(Team.id == director))
            assert org is not None
            extra = [
                Team(organisation_id=org, code=f"X{i}", name=f"Extra {i}", parent_id=director, eligible_headcount=5)
                for i in range(20)
            ]
            s.add_all(extra)
            s.flush()
            # headcounts are fixed when a survey opens: count the new teams in the open surveys as if they were
            for survey_id in s.scalars(select(Survey.id).where(Survey.closed_at.is_(None))):
                s.add_all(SurveyTeam(survey_id=survey_id, team_id=t.id, eligible=5) for t in extra)
        many = _queries(people, director)

        assert len(_api(ANN).get("/api/v1/inbox").json()["sign_off_requests"]) == 5
        rates = _api("dan@small.example").get("/api/v1/inbox").json()["surveys"]
        assert len(rates) == 5 and all(len(r["teams"]) == 22 for r in rates)
        assert many == one, f"{one} queries for 1 plan and 2 teams, {many} for 10 plans and 22 teams"
