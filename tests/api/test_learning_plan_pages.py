"""The learning and development plan's pages and JSON API, the recommendations page's evidence and the
traceability page: a coordinator writes aims, a SMART objective with its activities and the
recommendations it delivers; bad input (no measure, due past the plan's end, an activity ending before
it starts, a date that is not a date, another plan's findings) comes back with the NHS error summary
naming each box and nothing saved; the traceability page follows a citizen's idea to its objective and
an objective back to its evidence."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import delete

from plans.db import session_scope
from plans.models import PlanMember, utcnow
from plans.services import learning_plan
from plans.services.plan_document import content_hash
from tests.api.test_coproduction_pages import sign_in
from tests.conftest import SMALL_PLAN, Database
from tests.learning_world import (
    CITIZEN_IDEA,
    STRAY_IDEA,
    add_workshop,
    at_recommendations,
    document,
    other_plan_file,
    person_id,
    two_recommendations,
)
from tests.support import create


@pytest.fixture(params=["sqlite"])
def db(request: pytest.FixtureRequest, db: Database) -> Database:
    """SQLite only: the pages read and write through the services, whose tests run on both databases."""
    return db


CORA, CAT, ANN, SUE = "cora@small.example", "cat@citizens.example", "ann@small.example", "sue@small.example"
OBJECTIVE = "Every team reports back to citizens what changed"


def _post(client: TestClient, url: str, data: dict[str, object]) -> Response:
    return client.post(url, data={"csrf_token": client.headers["X-CSRF-Token"], **data})


def _fingerprint(plan_id: int) -> tuple[int, str]:
    with session_scope() as s:
        view = learning_plan.learning_plan(s, plan_id=plan_id)
        return view.version, content_hash(s, plan_id)


def _objective_form(rec_id: int, owner: int, **changes: object) -> dict[str, object]:
    """The objective form as a coordinator fills it in: one aim (0), one activity."""
    form: dict[str, object] = {
        "objective_id": "",
        "aim": "0",
        "text": OBJECTIVE,
        "measure": "Share of teams with a you-said-we-did report",
        "baseline": "10%",
        "target": "90%",
        "owner_id": str(owner),
        "due_on[day]": "31",
        "due_on[month]": "12",
        "due_on[year]": "2027",
        "recommendation_ids": [str(rec_id)],
        "activity-0-id": "",
        "activity-0-title": "Reporting back workshop",
        "activity-0-kind": "skills",
        "activity-0-format": "workshop",
        "activity-0-audience": "team managers",
        "activity-0-starts_on[day]": "1",
        "activity-0-starts_on[month]": "3",
        "activity-0-starts_on[year]": "2027",
        "activity-0-ends_on[day]": "1",
        "activity-0-ends_on[month]": "3",
        "activity-0-ends_on[year]": "2027",
        "activity-0-capacity": "20",
        "activity-1-title": "",  # the blank row the page offers
    }
    form.update(changes)
    return form


def _summary(page: str) -> list[tuple[str, str]]:
    """The error summary's (href, text) pairs."""
    box = page.split('class="nhsuk-error-summary', 1)[1].split("</ul>", 1)[0]
    links = re.findall(r'<a[^>]*href="([^"]+)"[^>]*>(.*?)</a>', box, re.S)
    return [(h, re.sub(r"\s+", " ", t).strip()) for h, t in links]


class TestLearningPlanPages:
    def test_a_coordinator_writes_aims_an_objective_and_its_activity(self, db: Database) -> None:
        plan_id, people = at_recommendations()
        close, build = two_recommendations(plan_id, people, add_workshop(plan_id).themes["Show what was done"])
        cora = sign_in(CORA)
        empty = cora.get(f"/plans/{plan_id}/learning-plan")
        assert empty.status_code == 200 and "from 4 January 2027 to 3 January 2028" in empty.text
        assert "Recommendations without an objective" in empty.text and "Add aims" in empty.text
        saved = _post(
            cora,
            f"/plans/{plan_id}/learning-plan/aims",
            {"aim-id": ["", ""], "aim-title": ["Everyone closes the loop", ""], "aim-description": ["", ""]},
        )
        assert saved.status_code == 303 and saved.headers["location"] == f"/plans/{plan_id}/learning-plan"
        form = cora.get(f"/plans/{plan_id}/learning-plan/objective").text
        assert "Between 4 January 2027 and 3 January 2028" in form and "Cora Coordinator" in form
        assert f'value="{close}"' in form and "1. Close the loop" in form
        done = _post(cora, f"/plans/{plan_id}/learning-plan/objective", _objective_form(close, person_id(CORA)))
        assert done.status_code == 303, done.text
        objective_id = int(done.headers["location"].rsplit("-", 1)[1])
        page = cora.get(f"/plans/{plan_id}/learning-plan").text
        assert "Objective saved. The plan is at version 1." in page
        assert f'id="objective-{objective_id}"' in page and f"Objective 1: {OBJECTIVE}" in page
        assert "Reporting back workshop" in page and "1 March 2027" in page and "31 December 2027" in page
        assert f'href="/plans/{plan_id}/traceability#objective-{objective_id}">Trace objective 1 back' in page
        assert "No objective delivers these recommendations yet" in page and "2. Build confidence" in page
        # changing it keeps its id and its activity's id; "save and add another" comes back to the form
        again = cora.get(f"/plans/{plan_id}/learning-plan/objective?objective_id={objective_id}").text
        activity_id = re.search(r'name="activity-0-id" value="(\d+)"', again)
        assert activity_id is not None and 'value="Reporting back workshop"' in again
        changed = _objective_form(
            close, person_id(CORA), objective_id=str(objective_id), target="95%", then="add_activity"
        )
        changed |= {"activity-0-id": activity_id.group(1), "recommendation_ids": [str(close), str(build)]}
        back = _post(cora, f"/plans/{plan_id}/learning-plan/objective", changed)
        assert back.headers["location"] == (
            f"/plans/{plan_id}/learning-plan/objective?objective_id={objective_id}#activities"
        )
        with session_scope() as s:
            [stored] = learning_plan.learning_plan(s, plan_id=plan_id).objectives
        assert (stored.id, stored.target, stored.recommendation_ids) == (objective_id, "95%", [close, build])
        assert stored.activities[0].id == int(activity_id.group(1))
        removed = _post(cora, f"/plans/{plan_id}/learning-plan/objective/remove", {"objective_id": objective_id})
        assert removed.status_code == 303
        assert "No objectives under this aim yet." in cora.get(f"/plans/{plan_id}/learning-plan").text

    def test_bad_input_names_each_box_and_saves_nothing(self, db: Database) -> None:
        plan_id, people = at_recommendations()
        close, _ = two_recommendations(plan_id, people, add_workshop(plan_id).themes["Show what was done"])
        cora = sign_in(CORA)
        _post(cora, f"/plans/{plan_id}/learning-plan/aims", {"aim-id": [""], "aim-title": ["Aim"]})
        before = _fingerprint(plan_id)
        bad = _objective_form(
            close,
            person_id(CORA),
            measure="  ",
            **{"due_on[year]": "2028", "due_on[month]": "6", "due_on[day]": "1"},
            **{"activity-0-ends_on[month]": "2", "activity-0-starts_on[day]": "31", "activity-0-capacity": "lots"},
        )
        bad["activity-0-starts_on[month]"] = "2"  # 31 February
        refused = _post(cora, f"/plans/{plan_id}/learning-plan/objective", bad)
        assert refused.status_code == 422 and "<title>Error: Add an objective" in refused.text
        assert _summary(refused.text) == [
            ("#activity-0-starts_on-day", "Activity 1, start date: Enter a real date, for example 31 3 2027"),
            ("#activity-0-capacity", "Activity 1: Enter the number of places as a whole number, for example 20"),
            ("#measure", "Enter how the change will be measured"),
            ("#due_on-day", "Due date: 2028-06-01 is after the plan&#39;s 12 months end on 2028-01-03"),
        ]
        assert 'value="lots"' in refused.text and OBJECTIVE + "</textarea>" in refused.text
        assert 'id="measure-error"' in refused.text  # the message beside its box
        assert _fingerprint(plan_id) == before
        # an activity ending before it starts, and no aim, owner or recommendation chosen
        later = _objective_form(close, person_id(CORA), aim="", owner_id="", recommendation_ids=[])
        later["activity-0-ends_on[month]"] = "2"
        again = _post(cora, f"/plans/{plan_id}/learning-plan/objective", later)
        assert [text for _, text in _summary(again.text)] == [
            "Select the aim this objective serves",
            "Select who owns the objective",
            "Select at least one recommendation this objective delivers",
            "Activity 1: End date: 2027-02-01 is before the activity starts on 2027-03-01",
        ]
        assert _fingerprint(plan_id) == before

    def test_an_aim_with_objectives_is_not_dropped(self, db: Database) -> None:
        plan_id, people = at_recommendations()
        rec_ids = two_recommendations(plan_id, people, add_workshop(plan_id).themes["Show what was done"])
        with session_scope() as s:
            learning_plan.save_learning_plan(
                s, plan_id=plan_id, actor=people.coordinator, document=document(rec_ids, person_id(CORA)), now=utcnow()
            )
        cora = sign_in(CORA)
        page = cora.get(f"/plans/{plan_id}/learning-plan/aims").text
        assert "1 objective(s) serve this aim" in page
        before = _fingerprint(plan_id)
        refused = _post(cora, f"/plans/{plan_id}/learning-plan/aims", {"aim-id": [""], "aim-title": [""]})
        assert refused.status_code == 422
        assert _summary(refused.text) == [
            (
                "#aim-0-title",
                "The aim &#39;Everyone closes the loop with citizens&#39; still has 1 objective(s): "
                "move them to another aim or remove them first",
            )
        ]
        assert _fingerprint(plan_id) == before
        # the objective's owner leaves the plan: adding another objective names the one to change first
        sue = person_id(SUE)
        with session_scope() as s:
            learning_plan.save_learning_plan(
                s,
                plan_id=plan_id,
                actor=people.coordinator,
                document=document(rec_ids, sue),
                now=utcnow(),
            )
            s.execute(delete(PlanMember).where(PlanMember.plan_id == plan_id, PlanMember.person_id == sue))
        added = _post(cora, f"/plans/{plan_id}/learning-plan/objective", _objective_form(rec_ids[1], person_id(CORA)))
        assert added.status_code == 422
        assert _summary(added.text) == [
            (
                "#text",
                "Another part of the plan needs changing first (objective 1, Owner): "
                f"person {sue} is not a person of this plan",
            )
        ]

    def test_only_coordinators_and_only_while_editable(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)  # in its vision stage
        cora = sign_in(CORA)
        for path in ("", "/aims", "/objective"):
            main = cora.get(f"/plans/{plan_id}/learning-plan{path}").text.split("<main", 1)[1]
            assert "can be changed only in the recommendations or sign-off stage" in main and "<form" not in main
        refused = _post(cora, f"/plans/{plan_id}/learning-plan/aims", {"aim-id": [""], "aim-title": ["Aim"]})
        assert (
            refused.status_code == 409 and "can be edited only in the recommendations or sign_off stage" in refused.text
        )
        for email in (CAT, ANN):
            assert sign_in(email).get(f"/plans/{plan_id}/learning-plan").status_code == 403


class TestLearningPlanApi:
    def test_read_and_replace_the_document(self, db: Database) -> None:
        plan_id, people = at_recommendations()
        rec_ids = two_recommendations(plan_id, people, add_workshop(plan_id).themes["Show what was done"])
        cora = sign_in(CORA)
        url = f"/api/v1/plans/{plan_id}/learning-plan"
        body = document(rec_ids, person_id(CORA)).model_dump(mode="json")
        assert cora.put(url, json=body).json() == {"plan_id": plan_id, "version": 1}
        read = cora.get(url).json()
        assert (read["starts_on"], read["ends_on"], read["editable"]) == ("2027-01-04", "2028-01-03", True)
        assert read["objectives"][0]["recommendation_ids"] == [rec_ids[0]]
        assert [r["title"] for r in read["undelivered"]] == ["Build confidence"]
        read["objectives"][0]["measure"] = ""
        read["objectives"][0]["due_on"] = str(date(2028, 1, 4))
        before = _fingerprint(plan_id)
        refused = cora.put(url, json={"aims": read["aims"], "objectives": read["objectives"]})
        assert refused.status_code == 422 and refused.json()["error"] == "invalid"
        assert refused.json()["detail"] == (
            "objectives[0].measure: required; "
            "objectives[0].due_on: 2028-01-04 is after the plan's 12 months end on 2028-01-03"
        )
        assert _fingerprint(plan_id) == before

    def test_evidence_of_another_plan_is_refused_and_the_choices_name_themes(
        self, db: Database, tmp_path: Path
    ) -> None:
        plan_id, _ = at_recommendations()
        workshop = add_workshop(plan_id)
        other_id, _ = at_recommendations(other_plan_file(tmp_path))
        theirs = add_workshop(other_id, "Their workshop").themes["Show what was done"]
        cora = sign_in(CORA)
        choices = cora.get(f"/api/v1/plans/{plan_id}/evidence").json()
        assert [t["title"] for t in choices["themes"]] == ["Show what was done", "Times that suit people"]
        assert choices["themes"][0]["ref"] == f"theme:{workshop.themes['Show what was done']}"
        assert "finding:K1" in [f["ref"] for f in choices["findings"]]
        before = _fingerprint(plan_id)
        items = [{"title": "Close the loop", "evidence": ["finding:X1", f"theme:{theirs}"]}]
        refused = cora.put(f"/api/v1/plans/{plan_id}/recommendations", json={"items": items})
        assert refused.status_code == 422
        assert refused.json()["detail"] == (
            "recommendations[0].evidence: 'finding:X1' names no question of this plan's baseline survey; "
            f"recommendations[0].evidence: 'theme:{theirs}' names no workshop theme of this plan "
            "(cite a theme by its number: theme:12)"
        )
        assert _fingerprint(plan_id) == before


class TestTraceability:
    def test_an_idea_is_followed_to_its_objective_and_back(self, db: Database) -> None:
        plan_id, people = at_recommendations()
        workshop = add_workshop(plan_id)
        theme = workshop.themes["Show what was done"]
        rec_ids = two_recommendations(plan_id, people, theme)
        with session_scope() as s:
            learning_plan.save_learning_plan(
                s, plan_id=plan_id, actor=people.coordinator, document=document(rec_ids, person_id(CORA)), now=utcnow()
            )
            objective_id = learning_plan.learning_plan(s, plan_id=plan_id).objectives[0].id
        for email in (CORA, CAT):  # the working party sees what became of its ideas
            page = sign_in(email).get(f"/plans/{plan_id}/traceability")
            assert page.status_code == 200
        summary = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text.split('id="forwards"', 1)[0]))
        assert "Ideas from the workshops 4 Led to an objective 2 Not yet led to an objective 2" in summary
        forwards = page.text.split(f'id="theme-{theme}"', 1)[1].split('class="nhsuk-card app-trail"', 1)[0]
        assert CITIZEN_IDEA in forwards and "(citizen, Table 1)" in forwards and "Became an objective" in forwards
        assert "1. Close the loop" in forwards and f'href="#objective-{objective_id}">{OBJECTIVE}' in forwards
        backwards = page.text.split(f'id="objective-{objective_id}"', 1)[1]
        assert "Recommendation 1: Close the loop" in backwards
        assert f'href="#theme-{theme}">Show what was done</a>' in backwards and CITIZEN_IDEA in backwards
        assert "Survey finding:</strong>" in backwards
        assert "Ideas not grouped into a theme" in page.text and STRAY_IDEA in page.text
        assert f'href="/plans/{plan_id}/traceability">Traceability' in sign_in(CAT).get("/vision").text
        assert sign_in(ANN).get(f"/plans/{plan_id}/traceability").status_code == 404
        api = sign_in(CAT).get(f"/api/v1/plans/{plan_id}/traceability").json()
        assert api["backwards"][0]["objective"]["id"] == objective_id


class TestRecommendationsPage:
    def test_evidence_is_ticked_by_name_and_an_edit_keeps_the_objective_linked(self, db: Database) -> None:
        plan_id, people = at_recommendations()
        workshop = add_workshop(plan_id)
        theme = workshop.themes["Show what was done"]
        rec_ids = two_recommendations(plan_id, people, theme)
        with session_scope() as s:
            learning_plan.save_learning_plan(
                s, plan_id=plan_id, actor=people.coordinator, document=document(rec_ids, person_id(CORA)), now=utcnow()
            )
        cora = sign_in(CORA)
        page = cora.get(f"/plans/{plan_id}/recommendations").text
        # the theme by its name, where it came from and its dots; ticked for the recommendation citing it
        assert re.search(rf'id="rec-0-evidence" name="evidence-0" type="checkbox" value="theme:{theme}" checked', page)
        assert "Show what was done" in page and "Listening event, Table 1: 2 dots, 2 ideas" in page
        assert f"Delivered by: {OBJECTIVE}. Removing it removes that link." in page
        assert 'value="finding:K1" checked' in page
        rows = {
            "rec-id": [str(rec_ids[0]), str(rec_ids[1]), ""],
            "title": ["Close the loop with citizens", "Build confidence", ""],
            "detail": ["", "", ""],
            "evidence-0": [f"theme:{theme}", f"theme:{workshop.themes['Times that suit people']}"],
            "evidence-1": ["finding:S1"],
        }
        saved = _post(cora, f"/plans/{plan_id}/recommendations", rows)
        assert saved.status_code == 303
        with session_scope() as s:
            view = learning_plan.learning_plan(s, plan_id=plan_id)
        assert [r.id for r in view.recommendations] == rec_ids and view.objectives[0].recommendation_ids == [rec_ids[0]]
        trace = cora.get(f"/plans/{plan_id}/traceability").text
        times = trace.split(f'id="theme-{workshop.themes["Times that suit people"]}"', 1)[1].split("</div>", 2)[0]
        assert "1. Close the loop with citizens" in times

    def test_a_row_without_a_title_and_another_plans_theme_are_named(self, db: Database, tmp_path: Path) -> None:
        plan_id, people = at_recommendations()
        rec_ids = two_recommendations(plan_id, people, add_workshop(plan_id).themes["Show what was done"])
        other_id, _ = at_recommendations(other_plan_file(tmp_path))
        theirs = add_workshop(other_id, "Theirs").themes["Show what was done"]
        before = _fingerprint(plan_id)
        rows = {
            "rec-id": [str(rec_ids[0]), ""],
            "title": ["Close the loop", ""],
            "detail": ["", "Someone typed this without a title"],
            "evidence-0": [f"theme:{theirs}"],
            "evidence-1": ["finding:K1"],
        }
        cora = sign_in(CORA)
        refused = _post(cora, f"/plans/{plan_id}/recommendations", rows)
        assert refused.status_code == 422 and "<title>Error: Recommendations" in refused.text
        assert _summary(refused.text) == [
            (
                "#rec-0-evidence",
                f"Recommendation 1: &#39;theme:{theirs}&#39; names no workshop theme of this plan "
                "(cite a theme by its number: theme:12)",
            ),
            ("#rec-1-title", "Recommendation 2 needs a title"),
        ]
        assert "Someone typed this without a title</textarea>" in refused.text
        assert _fingerprint(plan_id) == before
