"""The working party's vision pages and JSON API: citizens and staff write, comment and agree on equal
terms; mistakes come back with the NHS error summary and what was typed; agreement is recorded once;
people outside the working party see nothing (404); coordinators read without forms; a plan that has
moved on shows its vision read-only."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from plans.db import session_scope
from plans.domain.errors import InvalidInput, NotPermitted, StageLocked
from plans.domain.stages import Stage
from plans.models import AuditEvent, VisionComment, utcnow
from plans.repositories.people import PeopleRepository
from plans.services import vision
from plans.services.actors import actor_by_email
from plans.services.auth import start_session
from tests.conftest import SMALL_PLAN, Database
from tests.support import create, walk_to
from tests.web import shared_loop_client

CAT, CY, SUE, SID = "cat@citizens.example", "cy@citizens.example", "sue@small.example", "sid@small.example"
CORA, PAT = "cora@small.example", "pat@citizens.example"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in(email: str) -> TestClient:
    """A browser signed in as the person with this email address."""
    with session_scope() as s:
        person = PeopleRepository(s).people_by_email([email])[email]
        cookie = start_session(s, person_id=person.id, method="password", now=utcnow())
    client = shared_loop_client(create_app(), base_url="https://testserver")
    client.cookies.set("coproduce_session", cookie)
    return client


def token(client: TestClient) -> str:
    """The form token of the signed-in browser, as a page hands it out."""
    match = CSRF.search(client.get("/vision").text)
    assert match is not None
    return match.group(1)


def post(client: TestClient, url: str, **fields: str) -> object:
    return client.post(url, data={"csrf_token": token(client), **fields}, follow_redirects=False)


def statement_id(plan_id: int, text: str) -> int:
    with session_scope() as s:
        view = vision.vision_view(s, plan_id=plan_id, viewer_id=0, now=utcnow())
    return next(st.id for st in view.aspirations + view.current_state if st.text == text)


def card(page: str, sid: int) -> str:
    """The markup of one statement's card."""
    match = re.search(
        rf'<li class="app-statement" id="statement-{sid}">.*?</form>\s*</div>\s*</div>\s*</li>', page, re.S
    )
    assert match is not None, f"no card for statement {sid}"
    return match.group(0)


class TestMyVisionPlans:
    def test_lists_the_plans_of_my_working_party_with_my_agreement(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        cat = sign_in(CAT)
        page = cat.get("/vision")
        assert page.status_code == 200
        assert f'href="/plans/{plan_id}/vision"' in page.text and "Not yet" in page.text
        post(cat, f"/plans/{plan_id}/vision/agree")
        assert "You agreed on" in cat.get("/vision").text

    def test_someone_on_no_working_party_sees_an_empty_list(self, db: Database) -> None:
        create(SMALL_PLAN)
        page = sign_in(PAT).get("/vision")
        assert page.status_code == 200 and "not on the working party of any plan" in page.text


class TestVisionPage:
    def test_citizens_and_staff_words_look_the_same_in_the_order_written(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        cat, sue = sign_in(CAT), sign_in(SUE)
        url = f"/plans/{plan_id}/vision"
        assert post(sue, f"{url}/statements", kind="aspiration", text="Staff have time to listen.").status_code == 303
        assert (
            post(cat, f"{url}/statements", kind="aspiration", text="Citizens are there from the start.").status_code
            == 303
        )
        citizen_id, staff_id = (
            statement_id(plan_id, "Not us and them."),
            statement_id(plan_id, "Staff have time to listen."),
        )
        assert post(cat, f"{url}/statements/{staff_id}/comments", text="Yes, and paid time.").status_code == 303
        done = post(sue, f"{url}/statements/{citizen_id}/comments", text="Agreed: one team.")
        assert done.status_code == 303 and done.headers["location"] == f"{url}#statement-{citizen_id}"

        page = cat.get(url).text
        # in the order written: the file's citizen statement, then the staff one, then the citizen's new one
        order = [page.index(t) for t in ("Not us and them.", "Staff have time to listen.", "Citizens are there from")]
        assert order == sorted(order)
        citizen, staff = card(page, citizen_id), card(page, staff_id)
        assert "Cat Citizen" in citizen and "(citizen)" in citizen and "Agreed: one team." in citizen
        assert "Sue Staff" in staff and "(staff)" in staff and "Yes, and paid time." in staff

        def shape(html: str, words: list[str]) -> str:
            """The card with its words, names and numbers (ids, dates) blanked out."""
            for w in words:
                html = html.replace(w, "X")
            return re.sub(r"\d+", "N", html)

        citizen_words = ["Not us and them.", "Cat Citizen", "citizen", "Agreed: one team.", "Sue Staff", "staff"]
        staff_words = [
            "Staff have time to listen.",
            "Sue Staff",
            "staff",
            "Yes, and paid time.",
            "Cat Citizen",
            "citizen",
        ]
        assert shape(citizen, citizen_words) == shape(staff, staff_words)

    def test_a_comment_is_recorded_in_the_audit_log(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        sid = statement_id(plan_id, "Not us and them.")
        post(sign_in(SUE), f"/plans/{plan_id}/vision/statements/{sid}/comments", text="  Agreed.  ")
        with session_scope() as s:
            comment = s.query(VisionComment).one()
            event = s.query(AuditEvent).filter_by(kind="vision_comment_added").one()
            assert (comment.text, comment.statement_id) == ("Agreed.", sid)
            assert event.data["comment_id"] == comment.id and event.actor.startswith("Sue Staff")

    def test_mistakes_come_back_with_the_error_summary_and_what_was_typed(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        cat = sign_in(CAT)
        url = f"/plans/{plan_id}/vision"
        missing = post(cat, f"{url}/statements", kind="", text="My <own> words")
        assert missing.status_code == 422
        assert "nhsuk-error-summary" in missing.text and "<title>Error: Vision" in missing.text
        assert 'href="#kind"' in missing.text and "Select whether your statement is an aspiration" in missing.text
        assert "My &lt;own&gt; words</textarea>" in missing.text

        long = post(cat, f"{url}/statements", kind="current_state", text="x" * 2001)
        assert long.status_code == 422 and "2,000 characters or fewer" in long.text
        assert 'value="current_state" checked' in long.text and "x" * 2001 + "</textarea>" in long.text

        sid = statement_id(plan_id, "Not us and them.")
        empty = post(cat, f"{url}/statements/{sid}/comments", text="   ")
        assert (
            empty.status_code == 422 and f'href="#comment-{sid}"' in empty.text and "Enter your comment" in empty.text
        )
        assert "nhsuk-form-group--error" in empty.text

    def test_a_statement_of_another_plan_is_not_found(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        other_id, _ = create(SMALL_PLAN, slug="other-plan")
        with session_scope() as s:
            other = vision.vision_view(s, plan_id=other_id, viewer_id=0, now=utcnow()).aspirations[0].id
        answer = post(sign_in(CAT), f"/plans/{plan_id}/vision/statements/{other}/comments", text="Hello")
        assert answer.status_code == 404

    def test_agreement_is_recorded_once_and_the_panel_lists_who_has_not_agreed(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        cat = sign_in(CAT)
        url = f"/plans/{plan_id}/vision"
        before = cat.get(url).text
        assert "I agree with this vision" in before and "No one yet" in before
        done = post(cat, f"{url}/agree")
        assert done.status_code == 303 and done.headers["location"] == url
        after = cat.get(url)
        assert "Your agreement with this vision is recorded" in after.text  # the one-time banner
        assert "You agreed on" in after.text and "I agree with this vision" not in after.text
        not_agreed = after.text.split("Not agreed yet", 1)[1].split("</dd>", 1)[0]
        assert (
            all(n in not_agreed for n in ("Cy Citizen", "Sid Staff", "Sue Staff")) and "Cat Citizen" not in not_agreed
        )
        assert "waiting for 3 working party member(s) to agree the vision" in after.text

        again = post(cat, f"{url}/agree")
        assert again.status_code == 409 and "You have already agreed this vision on" in again.text
        with session_scope() as s:
            assert s.query(AuditEvent).filter_by(kind="vision_agreed").count() == 1

    def test_people_outside_the_working_party_get_404(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        pat = sign_in(PAT)
        assert pat.get(f"/plans/{plan_id}/vision").status_code == 404
        assert post(pat, f"/plans/{plan_id}/vision/agree").status_code == 404
        assert pat.get(f"/api/v1/plans/{plan_id}/vision").status_code == 404
        assert pat.get("/plans/999/vision").status_code == 404

    def test_a_coordinator_reads_without_forms_and_cannot_write(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        cora = sign_in(CORA)
        page = cora.get(f"/plans/{plan_id}/vision")
        assert page.status_code == 200 and "Not us and them." in page.text
        assert "You can read this vision because you coordinate plans" in page.text
        assert f'action="/plans/{plan_id}/vision' not in page.text and "I agree with this vision" not in page.text
        assert post(cora, f"/plans/{plan_id}/vision/agree").status_code == 403

    def test_after_the_vision_stage_the_page_is_read_only(self, db: Database) -> None:
        plan_id, people = create(SMALL_PLAN)
        walk_to(plan_id, people, Stage.EVIDENCE_SURVEY)
        cat = sign_in(CAT)
        page = cat.get(f"/plans/{plan_id}/vision")
        assert page.status_code == 200 and "so the vision can no longer be changed" in page.text
        assert f'action="/plans/{plan_id}/vision' not in page.text and "You agreed on" in page.text
        late = post(cat, f"/plans/{plan_id}/vision/statements", kind="aspiration", text="Too late")
        assert late.status_code == 409 and "moved on from the vision stage" in late.text

    def test_what_people_typed_is_escaped(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        cat = sign_in(CAT)
        post(cat, f"/plans/{plan_id}/vision/statements", kind="aspiration", text="<script>alert(1)</script>")
        page = cat.get(f"/plans/{plan_id}/vision").text
        assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


class TestVisionApi:
    def test_read_add_comment_agree(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        sue = sign_in(SUE)
        headers = {"X-CSRF-Token": token(sue)}
        base = f"/api/v1/plans/{plan_id}/vision"

        view = sue.get(base).json()
        assert view["can_contribute"] is True and view["my_agreement"] is None
        assert [s["author_kind"] for s in view["aspirations"] + view["current_state"]] == ["citizen", "staff"]
        assert "Sue Staff" in view["not_agreed"]

        added = sue.post(f"{base}/statements", json={"kind": "aspiration", "text": "One team."}, headers=headers)
        assert added.status_code == 201
        assert added.json() | {"id": 0, "created_at": ""} == {
            "id": 0,
            "kind": "aspiration",
            "text": "One team.",
            "author": "Sue Staff",
            "author_kind": "staff",
            "created_at": "",
            "comments": [],
        }
        comment = sue.post(f"{base}/statements/{added.json()['id']}/comments", json={"text": "Me too"}, headers=headers)
        assert comment.status_code == 201 and comment.json()["author_kind"] == "staff"

        agreed = sue.post(f"{base}/agreements", headers=headers)
        assert agreed.status_code == 201 and agreed.json()["plan_id"] == plan_id
        twice = sue.post(f"{base}/agreements", headers=headers)
        assert twice.status_code == 409 and twice.json()["error"] == "conflict"
        view = sue.get(base).json()
        assert view["my_agreement"] is not None and view["aspirations"][-1]["comments"][0]["text"] == "Me too"

    def test_bounds_token_and_permissions(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        base = f"/api/v1/plans/{plan_id}/vision"
        sue = sign_in(SUE)
        headers = {"X-CSRF-Token": token(sue)}
        assert sue.post(f"{base}/statements", json={"kind": "aspiration", "text": "x"}).status_code == 403
        too_long = {"kind": "aspiration", "text": "x" * 2001}
        assert sue.post(f"{base}/statements", json=too_long, headers=headers).status_code == 422
        assert sue.post(f"{base}/statements", json={"kind": "wish", "text": "x"}, headers=headers).status_code == 422
        assert sue.post(f"{base}/statements/999/comments", json={"text": "x"}, headers=headers).status_code == 404

        cora = sign_in(CORA)
        assert cora.get(base).json()["can_contribute"] is False
        refused = cora.post(f"{base}/agreements", headers={"X-CSRF-Token": token(cora)})
        assert refused.status_code == 403 and refused.json()["error"] == "forbidden"


class TestAddCommentService:
    def test_only_the_working_party_and_only_while_the_vision_is_open(self, db: Database) -> None:
        plan_id, people = create(SMALL_PLAN)
        sid = statement_id(plan_id, "Not us and them.")
        with session_scope() as s, pytest.raises(NotPermitted):
            vision.add_comment(
                s, plan_id=plan_id, statement_id=sid, actor=actor_by_email(s, PAT), text="Hi", now=utcnow()
            )
        with session_scope() as s, pytest.raises(InvalidInput, match="2,000 characters or fewer"):
            vision.add_comment(
                s, plan_id=plan_id, statement_id=sid, actor=actor_by_email(s, CY), text="x" * 2001, now=utcnow()
            )
        with session_scope() as s:
            comment = vision.add_comment(
                s, plan_id=plan_id, statement_id=sid, actor=actor_by_email(s, CY), text="x" * 2000, now=utcnow()
            )
            assert vision.comment_out(s, comment=comment).author_kind == "citizen"
        walk_to(plan_id, people, Stage.EVIDENCE_SURVEY)
        with session_scope() as s, pytest.raises(StageLocked):
            vision.add_comment(
                s, plan_id=plan_id, statement_id=sid, actor=actor_by_email(s, CY), text="Hi", now=utcnow()
            )
