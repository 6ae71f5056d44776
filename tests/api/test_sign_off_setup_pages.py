"""What the coordinator prepares for sign-off, over HTTP (pages and JSON API): the expectations register
and the investment ledger saved whole, refused naming every bad box with nothing written; sending the
version for sign-off with a deadline (refused for a deadline out of range, a gate reason, or a version
already sent), and an edit after sending making a new version."""

from __future__ import annotations

import html as html_text
import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from plans.db import session_scope
from plans.domain.stages import Stage
from plans.models import AuditEvent, Expectation, InvestmentItem, Plan, utcnow
from plans.repositories.people import PeopleRepository
from plans.services.api_tokens import create_token
from plans.services.auth import Principal
from tests.conftest import SMALL_PLAN, Database
from tests.support import create, walk_to
from tests.web import client, signed_in

CORA, ANN, ABE, SUE = "cora@small.example", "ann@small.example", "abe@small.example", "sue@small.example"


def _ids(*emails: str) -> list[int]:
    with session_scope() as s:
        found = PeopleRepository(s).people_by_email(list(emails))
        return [found[e].id for e in emails]


def _as(email: str) -> tuple[TestClient, str]:
    return signed_in(_ids(email)[0])


def _api(email: str) -> TestClient:
    with session_scope() as s:
        person = PeopleRepository(s).people_by_email([email])[email]
        principal = Principal(person.id, person.name, person.email, frozenset(), "session")
        token, _ = create_token(s, principal=principal, name="tests", now=utcnow())
    c = client()
    c.headers["Authorization"] = f"Bearer {token}"
    return c


def _at_recommendations(*, drafted: bool = True) -> int:
    plan_id, people = create(SMALL_PLAN)
    walk_to(plan_id, people, Stage.RECOMMENDATIONS)
    if drafted:
        people.draft_recommendations(send=False)
    return plan_id


def _count(model: type, plan_id: int) -> int:
    with session_scope() as s:
        return s.scalar(select(func.count()).select_from(model).where(model.plan_id == plan_id)) or 0  # type: ignore[attr-defined]


def _version(plan_id: int) -> int:
    with session_scope() as s:
        plan = s.get(Plan, plan_id)
        assert plan is not None
        return plan.version


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _errors(html: str) -> dict[str, str]:
    """The error summary's links: the box each points at -> its message."""
    summary = html.split("nhsuk-error-summary__list", 1)[-1].split("</ul>", 1)[0]
    links = re.findall(r'<a href="#([\w-]+)"\s*>([^<]+)</a>', summary)
    return {box: " ".join(html_text.unescape(text).split()) for box, text in links}


class TestRegister:
    def test_saved_whole_from_the_page_approvers_first(self, db: Database) -> None:
        plan_id = _at_recommendations(drafted=False)
        ann, sue = _ids(ANN, SUE)
        c, csrf = _as(CORA)
        page = c.get(f"/plans/{plan_id}/expectations")
        assert page.status_code == 200 and "No expectations have been recorded yet." in page.text
        assert page.text.index("Abe Approver (approver)") < page.text.index("Sue Staff (working party)")
        form = {
            "csrf_token": csrf,
            "id": ["", ""],
            "stakeholder_id": [str(sue), str(ann)],
            "text": ["Staff feel confident to involve citizens", "Citizens see what changed"],
            "measure": ["Repeat survey S1", "You said, we did reports"],
            "level": ["3", "4"],
            "target": ["60% agree", "Every team reports"],
        }
        done = c.post(f"/plans/{plan_id}/expectations", data=form)
        assert done.status_code == 303 and done.headers["location"] == f"/plans/{plan_id}/expectations"
        register = _api(CORA).get(f"/api/v1/plans/{plan_id}/expectations").json()
        rows = [(e["stakeholder"], e["level_label"], e["approver"]) for e in register["expectations"]]
        assert rows == [("Ann Approver", "4 results", True), ("Sue Staff", "3 behaviour", False)]
        shown = _text(c.get(f"/plans/{plan_id}/expectations").text)
        assert "Citizens see what changed" in shown and "Level 4 results" in shown

        keep = register["expectations"][0]  # edit one row, leave the other out: it is removed
        body = {
            "items": [{**{k: keep[k] for k in ("id", "stakeholder_id", "text", "measure", "level")}, "target": "All"}]
        }
        saved = _api(CORA).put(f"/api/v1/plans/{plan_id}/expectations", json=body)
        assert saved.status_code == 200 and [e["target"] for e in saved.json()["expectations"]] == ["All"]
        assert _count(AuditEvent, plan_id) and _count(Expectation, plan_id) == 1

    def test_bad_rows_are_refused_naming_every_box_and_nothing_is_written(self, db: Database) -> None:
        plan_id = _at_recommendations(drafted=False)
        (ann,) = _ids(ANN)
        c, csrf = _as(CORA)
        form = {
            "csrf_token": csrf,
            "id": ["", "", ""],
            "stakeholder_id": [str(ann), "", ""],
            "text": ["Staff rate the learning", "", "Citizens lead sessions"],
            "measure": ["", "", "Session records"],
            "level": ["", "", "2"],
            "target": ["80%", "", "Half of sessions"],
        }
        refused = c.post(f"/plans/{plan_id}/expectations", data=form)
        assert refused.status_code == 422
        errors = _errors(refused.text)
        assert errors["exp-0-measure"] == "Say how it will be measured"
        assert errors["exp-0-level"].startswith("The Kirkpatrick level is one of 1 (reaction), 2 (learning)")
        assert errors["exp-2-stakeholder-id"] == "Choose whose expectation this is"  # row 3 on the page
        assert "Staff rate the learning" in refused.text and "Half of sessions" in refused.text  # kept
        assert _count(Expectation, plan_id) == 0

        body = {"items": [{"stakeholder_id": 999999, "text": "x", "measure": "", "level": 7, "target": "y"}]}
        api = _api(CORA).put(f"/api/v1/plans/{plan_id}/expectations", json=body)
        assert api.status_code == 422
        detail = api.json()["detail"]
        for named in ("items[0].measure", "items[0].level", "items[0].stakeholder_id: person 999999"):
            assert named in detail
        assert _count(Expectation, plan_id) == 0


class TestLedger:
    def test_lines_and_totals_from_the_page(self, db: Database) -> None:
        plan_id = _at_recommendations(drafted=False)
        c, csrf = _as(CORA)
        form = {
            "csrf_token": csrf,
            "kind": ["staff_time", "direct_cost", "in_kind", "staff_time"],
            "description": ["Facilitators", "Venue hire", "Citizens' time", ""],
            "contributor": ["Workforce team", "", "Citizens' panel", ""],
            "hours": ["7.5", "", "", ""],
            "rate": ["30.00", "", "", ""],
            "amount": ["", "1,250", "£400.50", ""],
            "activity_id": ["", "", "", ""],
        }
        done = c.post(f"/plans/{plan_id}/investment", data=form)
        assert done.status_code == 303, _errors(done.text)
        ledger = _api(CORA).get(f"/api/v1/plans/{plan_id}/investment").json()
        assert [line["cost"] for line in ledger["lines"]] == ["£225.00", "£1,250.00", "£400.50"]
        totals = ledger["totals"]
        assert (totals["cash"], totals["in_kind"], totals["overall"]) == ("£1,475.00", "£400.50", "£1,875.50")
        shown = _text(c.get(f"/plans/{plan_id}/investment").text)
        assert "7.5 hours at £30.00 an hour" in shown
        assert "Total investment How it is costed Pays for Cost £1,875.50" in shown

    def test_bad_lines_are_refused_naming_every_box_and_nothing_is_written(self, db: Database) -> None:
        plan_id = _at_recommendations(drafted=False)
        c, csrf = _as(CORA)
        form = {
            "csrf_token": csrf,
            "kind": ["staff_time", "direct_cost"],
            "description": ["Facilitators", ""],
            "contributor": ["", "Council"],
            "hours": ["seven", ""],
            "rate": ["", ""],
            "amount": ["", "12.345"],
            "activity_id": ["", ""],
        }
        refused = c.post(f"/plans/{plan_id}/investment", data=form)
        assert refused.status_code == 422
        errors = _errors(refused.text)
        assert errors["line-0-hours"] == "'seven' is not a number of hours, such as 7.5"
        assert errors["line-0-rate"] == "Staff time needs a rate per hour"
        assert errors["line-1-description"] == "Say what this line is for"
        assert errors["line-1-amount"].startswith("'12.345' is not an amount in pounds and pence")
        assert 'value="seven"' in refused.text and _count(InvestmentItem, plan_id) == 0

        body = {"items": [{"kind": "in_kind", "description": "Room", "amount_pence": -5, "hours": 2}]}
        api = _api(CORA).put(f"/api/v1/plans/{plan_id}/investment", json=body)
        assert api.status_code == 422
        assert "items[0].amount_pence: cannot be negative" in api.json()["detail"]
        assert "items[0].hours: only staff time has hours" in api.json()["detail"]
        assert _count(InvestmentItem, plan_id) == 0


class TestSending:
    def test_send_page_sends_with_a_deadline_and_then_says_so(self, db: Database) -> None:
        plan_id = _at_recommendations()
        c, csrf = _as(CORA)
        page = c.get(f"/plans/{plan_id}/send-for-sign-off")
        assert page.status_code == 200 and "Send version 1 for sign-off" in page.text
        assert "What the approvers will read" in page.text and "Introduce coproduction" in page.text
        assert _errors(c.post(f"/plans/{plan_id}/send-for-sign-off", data={"csrf_token": csrf}).text) == {
            "deadline": "Enter a deadline"
        }
        today = utcnow().date()
        late = c.post(
            f"/plans/{plan_id}/send-for-sign-off", data={"csrf_token": csrf, "deadline": str(today + timedelta(91))}
        )
        assert late.status_code == 422 and "Must be within 90 days" in _errors(late.text)["deadline"]
        assert _count(AuditEvent, plan_id) and _version(plan_id) == 1
        deadline = today + timedelta(days=10)
        sent = c.post(f"/plans/{plan_id}/send-for-sign-off", data={"csrf_token": csrf, "deadline": str(deadline)})
        assert sent.status_code == 303 and sent.headers["location"] == f"/plans/{plan_id}"
        again = _text(c.get(f"/plans/{plan_id}/send-for-sign-off").text)
        assert "Version 1 has been sent for sign-off. Edit the plan to make a new version." in again
        twice = c.post(f"/plans/{plan_id}/send-for-sign-off", data={"csrf_token": csrf, "deadline": str(deadline)})
        assert twice.status_code == 409 and "was already sent for sign-off" in twice.text
        with session_scope() as s:
            kinds = s.scalars(
                select(AuditEvent.data).where(AuditEvent.plan_id == plan_id, AuditEvent.kind == "sent_for_sign_off")
            )
            assert [d["deadline"] for d in kinds] == [deadline.isoformat()]

    def test_api_names_the_gate_reasons_and_an_edit_after_sending_makes_a_new_version(self, db: Database) -> None:
        plan_id = _at_recommendations(drafted=False)
        api = _api(CORA)
        view = api.get(f"/api/v1/plans/{plan_id}/sign-off-request").json()
        assert view["can_send"] is False and view["reasons"] == ["there are no recommendations yet"]
        deadline = str(utcnow().date() + timedelta(days=5))
        refused = api.post(f"/api/v1/plans/{plan_id}/sign-off-request", json={"deadline": deadline})
        assert refused.status_code == 422 and refused.json()["detail"] == "plan: there are no recommendations yet"
        body = {"items": [{"title": "Train every team", "detail": "", "evidence": ["finding:K1"]}]}
        assert api.put(f"/api/v1/plans/{plan_id}/recommendations", json=body).status_code == 200
        sent = api.post(f"/api/v1/plans/{plan_id}/sign-off-request", json={"deadline": deadline})
        assert sent.status_code == 201 and (sent.json()["version"], sent.json()["deadline"]) == (1, deadline)
        assert re.fullmatch(r"[0-9a-f]{64}", sent.json()["content_hash"])
        again = api.post(f"/api/v1/plans/{plan_id}/sign-off-request", json={"deadline": deadline})
        assert again.status_code == 409
        line = {"kind": "direct_cost", "description": "Venue", "amount_pence": 10000}
        assert api.put(f"/api/v1/plans/{plan_id}/investment", json={"items": [line]}).json()["version"] == 2
        view = api.get(f"/api/v1/plans/{plan_id}/sign-off-request").json()
        assert (view["version"], view["sent_version"], view["can_send"]) == (2, 1, True)
        assert view["content_hash"] != sent.json()["content_hash"]
        approver, _ = _as(ANN)  # these pages are the coordinator's
        for path in ("expectations", "investment", "send-for-sign-off"):
            assert approver.get(f"/plans/{plan_id}/{path}").status_code == 403
