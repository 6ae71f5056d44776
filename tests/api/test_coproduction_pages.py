"""The co-production ladder page, the plan page's ladder section and the JSON API: the working party
and coordinators record a stage with a note; the ladder shows each stage's rung in words as well as a
picture, who recorded it and when, and earlier records on request; mistakes come back with the NHS
error summary and what was typed; people outside the working party see nothing (404); a closed plan
is read-only."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from httpx import Response

from plans.db import session_scope
from plans.domain.stages import Stage
from plans.models import utcnow
from plans.repositories.people import PeopleRepository
from plans.repositories.plans import PlanRepository
from plans.services.auth import start_session
from tests import web
from tests.conftest import SMALL_PLAN, Database
from tests.support import create

CAT, SUE, CORA, ANN, PAT = (
    "cat@citizens.example",
    "sue@small.example",
    "cora@small.example",
    "ann@small.example",
    "pat@citizens.example",
)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
NOTE = "Citizens wrote half the statements and chaired the meeting."


def sign_in(email: str) -> TestClient:
    """A browser signed in as the person with this email address, with its form token at hand."""
    with session_scope() as s:
        person = PeopleRepository(s).people_by_email([email])[email]
        cookie = start_session(s, person_id=person.id, method="password", now=utcnow())
    client = web.client()
    client.cookies.set("coproduce_session", cookie)
    match = CSRF.search(client.get("/account").text)
    assert match is not None
    client.headers["X-CSRF-Token"] = match.group(1)
    return client


def post(client: TestClient, plan_id: int, **fields: str) -> Response:
    data = {"csrf_token": client.headers["X-CSRF-Token"], **fields}
    return client.post(f"/plans/{plan_id}/coproduction", data=data)


def stage_section(page: str, stage: str) -> str:
    """The markup of one stage on the ladder."""
    match = re.search(
        rf'<li class="app-ladder__stage" id="stage-{stage}">.*?</li>\s*(?=<li class="app-ladder|</ol>)', page, re.S
    )
    assert match is not None, f"no ladder entry for {stage}"
    return match.group(0)


def close(plan_id: int) -> None:
    with session_scope() as s:
        plan = PlanRepository(s).get(plan_id)
        assert plan is not None
        plan.stage = Stage.CLOSED


class TestLadderPage:
    def test_a_working_party_member_records_a_stage_and_sees_it_on_the_ladder(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        cat = sign_in(CAT)
        page = cat.get(f"/plans/{plan_id}/coproduction")
        assert page.status_code == 200 and "Record where a stage sat" in page.text
        assert 'value="vision" checked' in page.text  # the stage the plan is in, chosen already
        assert "Not recorded yet." in stage_section(page.text, "vision")
        assert "The plan has not reached this stage yet." in stage_section(page.text, "delivery")

        done = post(cat, plan_id, stage="vision", rung="co_design", note=NOTE)
        assert done.status_code == 303
        assert done.headers["location"] == f"/plans/{plan_id}/coproduction#stage-vision"
        after = cat.get(f"/plans/{plan_id}/coproduction").text
        assert "Recorded: Vision sat at Co-design on the ladder." in after  # the one-time banner
        vision = stage_section(after, "vision")
        assert "<strong>Co-design</strong>" in vision and "rung 4 of 5, done with people" in vision
        assert NOTE in vision and "Recorded by Cat Citizen (citizen)" in vision and "(plan version 1)" in vision
        # the picture: four of five steps filled, hidden from screen readers (the words say the same)
        picture = re.search(r'<span class="app-rungs" aria-hidden="true">.*?</span>\s*</span>', vision, re.S)
        assert picture is not None and picture.group(0).count("app-rungs__step--on") == 4

    def test_the_working_partys_plan_list_links_to_the_ladder(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        page = sign_in(CAT).get("/vision").text
        assert f'href="/plans/{plan_id}/coproduction">Ladder' in page

    def test_a_later_record_stands_and_the_earlier_opens_on_request(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        cat, sue = sign_in(CAT), sign_in(SUE)
        post(cat, plan_id, stage="vision", rung="co_production", note=NOTE)
        post(sue, plan_id, stage="vision", rung="consultation", note="Staff rewrote the vision after the meeting.")
        vision = stage_section(sue.get(f"/plans/{plan_id}/coproduction").text, "vision")
        standing, earlier = vision.split('<details class="nhsuk-details', 1)
        assert "<strong>Consultation</strong>" in standing and "done to people" in standing
        assert "Sue Staff (staff)" in standing
        assert "Earlier records" in earlier and "(1)" in earlier and "<strong>Co-production</strong>" in earlier

    def test_mistakes_come_back_with_the_error_summary_and_what_was_typed(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        cat = sign_in(CAT)
        empty = post(cat, plan_id, stage="", rung="", note="Too <short>")
        assert empty.status_code == 422 and "<title>Error: Co-production ladder" in empty.text
        assert "nhsuk-error-summary" in empty.text
        for href, words in (
            ("#stage", "Select which stage you are recording"),
            ("#rung", "Select where the stage sat on the ladder"),
            ("#note", "Say why in words (at least 15 characters; this has 11)"),
        ):
            assert f'href="{href}"' in empty.text and words in empty.text
        assert "Too &lt;short&gt;</textarea>" in empty.text

        future = post(cat, plan_id, stage="delivery", rung="tokenism", note=NOTE)
        assert future.status_code == 422
        assert "The plan has not reached delivery and formative evaluation yet (it is in vision)" in future.text
        assert "&#39;tokenism&#39; is not a rung of the ladder: choose one of informing" in future.text
        assert NOTE + "</textarea>" in future.text
        assert "Not recorded yet." in stage_section(cat.get(f"/plans/{plan_id}/coproduction").text, "vision")

    def test_a_coordinator_records_too_and_the_plan_page_shows_the_ladder(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        cora = sign_in(CORA)
        page = cora.get(f"/plans/{plan_id}/coproduction").text
        assert "You can record the ladder because you coordinate plans" in page
        assert post(cora, plan_id, stage="vision", rung="engagement", note=NOTE).status_code == 303
        plan_page = cora.get(f"/plans/{plan_id}").text
        assert '<h2 id="coproduction">Co-production ladder</h2>' in plan_page
        assert f'href="/plans/{plan_id}/coproduction"' in plan_page
        vision = stage_section(plan_page, "vision")
        assert "<strong>Engagement</strong>" in vision and "done for people" in vision
        assert "Recorded by Cora Coordinator," in vision and NOTE in vision

    def test_people_outside_the_working_party_get_404(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        for email in (ANN, PAT):
            someone = sign_in(email)
            assert someone.get(f"/plans/{plan_id}/coproduction").status_code == 404
            assert post(someone, plan_id, stage="vision", rung="co_design", note=NOTE).status_code == 404
            assert someone.get(f"/api/v1/plans/{plan_id}/coproduction").status_code == 404
        assert sign_in(CAT).get("/plans/987654/coproduction").status_code == 404

    def test_a_closed_plan_shows_its_ladder_without_the_form(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        cat = sign_in(CAT)
        post(cat, plan_id, stage="vision", rung="co_design", note=NOTE)
        close(plan_id)
        page = cat.get(f"/plans/{plan_id}/coproduction").text
        assert "This plan is closed, so its ladder can no longer be changed" in page
        assert "Record where a stage sat" not in page and NOTE in page
        refused = post(cat, plan_id, stage="vision", rung="informing", note=NOTE)
        assert refused.status_code == 409 and "The plan is closed" in refused.text


class TestLadderApi:
    def test_record_and_read(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        cat = sign_in(CAT)
        made = cat.post(
            f"/api/v1/plans/{plan_id}/coproduction", json={"stage": "vision", "rung": "co_design", "note": NOTE}
        )
        assert made.status_code == 201
        body = made.json()
        assert {k: body[k] for k in ("stage", "rung", "height", "doing", "recorded_by", "recorded_by_kind")} == {
            "stage": "vision",
            "rung": "co_design",
            "height": 4,
            "doing": "with",
            "recorded_by": "Cat Citizen",
            "recorded_by_kind": "citizen",
        }
        view = cat.get(f"/api/v1/plans/{plan_id}/coproduction").json()
        assert view["can_record"] and view["recordable"] == ["vision"]
        assert view["ladder"]["stages"][0]["current"]["id"] == body["id"]
        assert view["ladder"]["done_with"] == ["vision"] and view["ladder"]["highest"]["label"] == "Co-design"
        status = sign_in(CORA).get(f"/api/v1/plans/{plan_id}").json()
        assert status["coproduction"]["stages"][0]["current"]["note"] == NOTE

    def test_bad_input_is_refused_naming_the_field(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        cat = sign_in(CAT)
        url = f"/api/v1/plans/{plan_id}/coproduction"
        rung = cat.post(url, json={"stage": "vision", "rung": "tokenism", "note": NOTE})
        assert rung.status_code == 422
        [problem] = rung.json()["detail"]
        assert problem["loc"] == ["body", "rung"]
        assert all(r in problem["msg"] for r in ("informing", "consultation", "engagement", "co_design"))
        short = cat.post(url, json={"stage": "delivery", "rung": "co_design", "note": "fine"})
        assert short.status_code == 422 and short.json()["error"] == "invalid"
        assert short.json()["detail"].startswith("stage: the plan has not reached delivery")
        assert "; note: say why in words" in short.json()["detail"]
        close(plan_id)
        closed = cat.post(url, json={"stage": "vision", "rung": "co_design", "note": NOTE})
        assert closed.status_code == 409 and "closed" in closed.json()["detail"]
        assert cat.get(url).json()["ladder"]["stages"][0]["current"] is None
