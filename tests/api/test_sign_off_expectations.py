"""Approvers add their own expectations with their decision (page and JSON API): a filled row is added
to the register as theirs, marked with the version they decided on, without changing the version the
other approvers are deciding on; a bad row is refused beside its boxes with no decision and nothing
written; the approver's page shows the whole version they decide on, its reference and the register."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from plans.db import session_scope
from plans.domain.stages import Stage
from plans.models import AuditEvent, Expectation, Plan, SignOffDecision, SignOffRound, utcnow
from plans.repositories.people import PeopleRepository
from plans.services.api_tokens import create_token
from plans.services.auth import Principal
from tests.conftest import SMALL_PLAN, Database
from tests.support import create, walk_to
from tests.web import client, signed_in

CORA, ANN, ABE = "cora@small.example", "ann@small.example", "abe@small.example"


def _person(email: str) -> int:
    with session_scope() as s:
        return PeopleRepository(s).people_by_email([email])[email].id


def _api(email: str) -> TestClient:
    with session_scope() as s:
        person = PeopleRepository(s).people_by_email([email])[email]
        principal = Principal(person.id, person.name, person.email, frozenset(), "session")
        token, _ = create_token(s, principal=principal, name="tests", now=utcnow())
    c = client()
    c.headers["Authorization"] = f"Bearer {token}"
    return c


def _at_sign_off() -> tuple[int, str]:
    plan_id, people = create(SMALL_PLAN)
    walk_to(plan_id, people, Stage.SIGN_OFF)
    with session_scope() as s:
        digest = s.scalar(select(SignOffRound.content_hash).where(SignOffRound.plan_id == plan_id))
    assert digest is not None
    return plan_id, digest


def _counts(plan_id: int) -> tuple[int, int, int]:
    with session_scope() as s:
        return tuple(  # type: ignore[return-value]
            s.scalar(select(func.count()).select_from(m).where(m.plan_id == plan_id)) or 0
            for m in (Expectation, SignOffDecision, AuditEvent)
        )


class TestOnThePage:
    def test_the_page_shows_the_whole_version_and_an_expectation_is_added_with_the_decision(self, db: Database) -> None:
        plan_id, digest = _at_sign_off()
        c, csrf = signed_in(_person(ANN))
        page = c.get(f"/inbox/sign-off/{plan_id}")
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text))
        assert f"Reference {digest[:12]}" in text and "Version Version 1" in text
        for section in ("Recommendations", "Learning and development plan", "Expectations", "Investment"):
            assert f">{section}" in page.text, section
        assert "Staff rate the learning as useful" in text  # the register, as drafted
        assert f'name="content_hash" value="{digest}"' in page.text and 'name="version" value="1"' in page.text
        expectations_before = _counts(plan_id)[0]
        form = {
            "csrf_token": csrf,
            "version": "1",
            "content_hash": digest,
            "decision": "approve",
            "comment": "",
            "exp_text": ["Managers protect time for involvement", ""],
            "exp_measure": ["Supervision records", ""],
            "exp_level": ["3", ""],
            "exp_target": ["Every team by month 6", ""],
        }
        done = c.post(f"/inbox/sign-off/{plan_id}", data=form)
        assert done.status_code == 303
        register = _api(CORA).get(f"/api/v1/plans/{plan_id}/expectations").json()
        mine = [e for e in register["expectations"] if e["text"] == "Managers protect time for involvement"]
        assert [(e["stakeholder"], e["added_with_decision_on_version"], e["level_label"]) for e in mine] == [
            ("Ann Approver", 1, "3 behaviour")
        ]
        assert register["version"] == 1 and _counts(plan_id)[0] == expectations_before + 1
        with session_scope() as s:
            event = s.scalars(
                select(AuditEvent).where(AuditEvent.plan_id == plan_id, AuditEvent.kind == "sign_off_decision")
            ).one()
            assert event.data["expectations_added"] == [mine[0]["id"]]
            plan = s.get(Plan, plan_id)
            assert plan is not None and plan.version == 1  # Abe still decides on version 1
        assert _api(ABE).get(f"/api/v1/plans/{plan_id}/sign-off").json()["content_hash"] == digest

    def test_a_bad_expectation_row_refuses_the_decision_beside_its_boxes(self, db: Database) -> None:
        plan_id, digest = _at_sign_off()
        c, csrf = signed_in(_person(ANN))
        before = _counts(plan_id)
        form = {
            "csrf_token": csrf,
            "version": "1",
            "content_hash": digest,
            "decision": "approve",
            "exp_text": ["", "Citizens co-deliver sessions"],
            "exp_measure": ["", "Session records"],
            "exp_level": ["", "9"],
            "exp_target": ["", ""],
        }
        refused = c.post(f"/inbox/sign-off/{plan_id}", data=form)
        assert refused.status_code == 422 and "nhsuk-error-summary" in refused.text
        assert 'href="#exp-0-level"' in refused.text and 'href="#exp-0-target"' in refused.text
        assert "Expectation 1: the Kirkpatrick level is one of" in refused.text
        assert "Citizens co-deliver sessions" in refused.text  # what was typed is kept
        assert _counts(plan_id) == before


class TestOverTheApi:
    def test_a_decision_with_expectations_and_one_refused_naming_the_field(self, db: Database) -> None:
        plan_id, digest = _at_sign_off()
        url = f"/api/v1/plans/{plan_id}/sign-off/decisions"
        before = _counts(plan_id)
        bad = {"text": "Teams report back", "measure": "", "level": 4, "target": "All teams"}
        refused = _api(ABE).post(
            url, json={"version": 1, "content_hash": digest, "decision": "approve", "expectations": [bad]}
        )
        assert refused.status_code == 422 and "expectations[0].measure" in refused.json()["detail"]
        assert _counts(plan_id) == before
        good = {**bad, "measure": "You said, we did reports"}
        body = {"version": 1, "content_hash": digest, "decision": "request_changes", "comment": "Add costs."}
        done = _api(ABE).post(url, json={**body, "expectations": [good]})
        assert done.status_code == 201 and done.json()["decision"] == "request_changes"
        register = _api(CORA).get(f"/api/v1/plans/{plan_id}/expectations").json()["expectations"]
        assert [e["stakeholder"] for e in register if e["text"] == "Teams report back"] == ["Abe Approver"]
