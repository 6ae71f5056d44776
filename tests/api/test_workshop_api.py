"""The workshop's JSON write API, end to end: a coordinator with an API token runs a workshop (tables,
ideas, themes, moves, each table's top three, the dot vote, typed-up notes) and reads it back as the pages
show it; a signed-in browser session does the same with its form token in the X-CSRF-Token header. Bad
input is refused with 422 naming the field, the workshop's state with 409, and either writes nothing."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select

from api.app import create_app
from plans.db import session_scope
from plans.models import AuditEvent, Idea, Theme, ThemeVote, Workshop, WorkshopTable
from plans.repositories.people import PeopleRepository
from tests.conftest import SMALL_PLAN, Database
from tests.matrix_world import token_of, with_token
from tests.support import create
from tests.web import signed_in

CORA, CAT = "cora@small.example", "cat@citizens.example"
NOTES = (
    "table,idea,contributor_type,theme\n"
    "Table 1,Train staff with citizens in the room,citizen,Training together\n"
    "Table 2,Feedback to the room within a month,carer,You said we did\n"
)


def counts() -> tuple[int, ...]:
    """Rows of every workshop table and of the audit log: a refusal must leave all of them as they were."""
    with session_scope() as s:
        return tuple(
            s.scalar(select(func.count()).select_from(m)) or 0
            for m in (Workshop, WorkshopTable, Idea, Theme, ThemeVote, AuditEvent)
        )


def audit_kinds(plan_id: int) -> list[str]:
    """The plan's workshop audit events, in the order they were recorded."""
    with session_scope() as s:
        stmt = select(AuditEvent.kind).where(AuditEvent.plan_id == plan_id, AuditEvent.kind.like("workshop_%"))
        return list(s.scalars(stmt.order_by(AuditEvent.id)))


class Api:
    """A coordinator's API client on one plan's workshops (``base``: the workshop's address once set up)."""

    def __init__(self, plan_id: int, client: TestClient, headers: dict[str, str] | None = None) -> None:
        self.client, self.headers = client, headers or {}
        self.plans = f"/api/v1/plans/{plan_id}/workshops"
        self.base = ""

    def call(self, method: str, path: str, body: dict[str, Any], status: int) -> Any:
        done = self.send(method, path, body)
        assert done.status_code == status, done.text
        return done.json()

    def send(self, method: str, path: str, body: dict[str, Any]) -> Response:
        done: Response = self.client.request(method, self.base + path, json=body, headers=self.headers)
        return done

    def set_up(self, tables: list[str]) -> dict[str, int]:
        """A workshop with these tables; the tables' ids by name."""
        body = {"title": "Listening event", "held_on": "2027-05-12", "dots_per_voter": 2, "tables": tables}
        made = self.call("POST", self.plans, body, 201)
        self.base = f"{self.plans}/{made['workshop']['id']}"
        assert made["workshop"]["title"] == "Listening event" and made["workshop"]["dots_per_voter"] == 2
        return {t["name"]: t["id"] for t in made["tables"]}

    def idea(self, table_id: int, text: str, kind: str = "staff") -> int:
        made = self.call("POST", "/ideas", {"table_id": table_id, "text": text, "contributor_type": kind}, 201)
        assert made["text"] == text and made["contributor_type"] == kind and made["source"] == "live"
        return int(made["id"])

    def theme(self, table_id: int, title: str, ideas: list[int]) -> int:
        made = self.call("POST", "/themes", {"table_id": table_id, "title": title, "idea_ids": ideas}, 201)
        assert made["title"] == title and made["table_id"] == table_id
        return int(made["id"])

    def view(self) -> Any:
        return self.call("GET", "", {}, 200)


def coordinator(plan_id: int) -> Api:
    return Api(plan_id, with_token(create_app(), token_of(CORA)))


class TestRunningAWorkshop:
    def test_a_workshop_run_through_the_api_from_set_up_to_results(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        api = coordinator(plan_id)
        tables = api.set_up(["Table 1"])
        table = api.call("POST", "/tables", {"name": "Table 2"}, 201)
        assert table["name"] == "Table 2" and table["position"] == 2
        tables["Table 2"] = table["id"]
        themes: dict[str, int] = {}
        for name, table_id in tables.items():
            ideas = [api.idea(table_id, f"{name} idea {n}", "carer" if n == 2 else "staff") for n in (1, 2, 3)]
            for n, title in enumerate(("Time", "Money", "Voice")):
                themes[f"{name}: {title}"] = api.theme(table_id, f"{title} ({name})", [ideas[n]])
        t1 = tables["Table 1"]
        # an idea straight into a theme, corrected, moved out and back, and one typed twice removed
        extra = api.call(
            "POST",
            "/ideas",
            {"table_id": t1, "text": "Paid time", "contributor_type": "partner", "theme_id": themes["Table 1: Time"]},
            201,
        )
        assert extra["theme_id"] == themes["Table 1: Time"]
        body = {"idea_id": extra["id"], "text": "Paid time to take part", "contributor_type": "citizen"}
        edited = api.call("PUT", "/ideas", body, 200)
        time = next(th for th in edited["tables"][0]["themes"] if th["id"] == themes["Table 1: Time"])
        assert [(i["text"], i["contributor_type"]) for i in time["ideas"]][-1] == ("Paid time to take part", "citizen")
        out = api.call("POST", "/moves", {"idea_ids": [extra["id"]], "theme_id": None}, 200)
        assert [i["id"] for i in out["tables"][0]["ungrouped"]] == [extra["id"]]
        api.call("POST", "/moves", {"idea_ids": [extra["id"]], "theme_id": themes["Table 1: Money"]}, 200)
        twice = api.idea(t1, "Paid time to take part", "citizen")
        after = api.call("DELETE", "/ideas", {"idea_id": twice}, 200)
        assert after["workshop"]["ideas"] == 7
        # a theme renamed, a spare one added and removed
        renamed = {"theme_id": themes["Table 1: Voice"], "title": "A voice", "description": "Heard, and shown so"}
        view = api.call("PUT", "/themes", renamed, 200)
        assert {th["title"] for th in view["tables"][0]["themes"]} == {"Time (Table 1)", "Money (Table 1)", "A voice"}
        spare = api.theme(t1, "Parking", [])
        assert api.call("DELETE", "/themes", {"theme_id": spare}, 200)["workshop"]["themes"] == 6
        # each table's top three, then the dot vote and a voter's dots withdrawn
        for name, table_id in tables.items():
            order = [themes[f"{name}: {t}"] for t in ("Voice", "Time", "Money")]
            top = [{"theme_id": theme_id, "rank": rank} for rank, theme_id in enumerate(order, start=1)]
            api.call("PUT", "/top-three", {"table_id": table_id, "top": top}, 200)
        voted = api.call("POST", "/votes", {"voter": "B12", "theme_ids": [themes["Table 2: Time"]]}, 201)
        assert [(v["voter"], v["dots"]) for v in voted["voters"]] == [("B12", 1)]
        api.call(
            "POST", "/votes", {"voter": "c7", "theme_ids": [themes["Table 2: Time"], themes["Table 1: Voice"]]}, 201
        )
        api.call("DELETE", "/votes", {"voter": "b12"}, 200)
        view = api.view()
        assert [(r["title"], r["dots"], r["place"]) for r in view["results"]][:2] == [
            ("A voice", 1, "joint 1st"),
            ("Time (Table 2)", 1, "joint 1st"),
        ]
        assert [v["voter"] for v in view["voters"]] == ["c7"] and len(view["shortlist"]) == 6
        assert audit_kinds(plan_id) == [
            "workshop_created",
            "workshop_table_added",
            *(["workshop_idea_added"] * 3 + ["workshop_theme_added"] * 3) * 2,
            "workshop_idea_added",
            "workshop_idea_edited",
            "workshop_ideas_moved",
            "workshop_ideas_moved",
            "workshop_idea_added",
            "workshop_idea_removed",
            "workshop_theme_edited",
            "workshop_theme_added",
            "workshop_theme_removed",
            "workshop_top_three_set",
            "workshop_top_three_set",
            "workshop_dots_cast",
            "workshop_dots_cast",
            "workshop_dots_withdrawn",
        ]

    def test_notes_imported_as_csv_text_once_with_a_session_and_its_form_token(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        with session_scope() as s:
            cora = PeopleRepository(s).people_by_email([CORA])[CORA].id
        browser, csrf = signed_in(cora)
        api = Api(plan_id, browser, {"X-CSRF-Token": csrf})
        api.set_up(["Table 1"])
        refused = api.send("POST", "/notes", {"csv": NOTES})
        assert refused.status_code == 422 and refused.json()["problems"][0]["column"] == "table"
        assert refused.json()["problems"][0]["line"] == 3
        done = api.call("POST", "/notes", {"csv": NOTES, "new_tables": True}, 201)
        assert done["ideas"] == 2 and done["tables_created"] == ["Table 2"]
        assert done["themes_created"] == ["Table 1: Training together", "Table 2: You said we did"]
        assert done["mix"]["summary"] == "1 citizen, 1 carer" and done["by_table"] == {"Table 1": 1, "Table 2": 1}
        before = counts()
        again = api.send("POST", "/notes", {"csv": NOTES, "new_tables": True})
        assert again.status_code == 409 and "already imported" in again.json()["detail"]
        assert counts() == before
        without_token = api.client.post(f"{api.base}/notes", json={"csv": NOTES})
        assert without_token.status_code == 403 and counts() == before


class TestRefusals:
    def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        api = coordinator(plan_id)
        tables = api.set_up(["Table 1", "Table 2"])
        t1, t2 = tables["Table 1"], tables["Table 2"]
        idea = api.idea(t2, "Written at table 2")
        theme = api.theme(t1, "Time", [])
        before = counts()
        # (method, path, body, status, what the answer names)
        cases: list[tuple[str, str, dict[str, Any], int, str]] = [
            ("POST", "/ideas", {"table_id": t1, "text": "   ", "contributor_type": "staff"}, 422, "text: "),
            ("POST", "/ideas", {"table_id": t1, "text": "x", "contributor_type": "doctor"}, 422, "contributor_type"),
            ("POST", "/ideas", {"table_id": 0, "text": "x", "contributor_type": "staff"}, 422, "table_id"),
            ("POST", "/themes", {"table_id": t1, "title": "Voice", "idea_ids": [idea]}, 422, "idea_ids[0]: "),
            ("POST", "/themes", {"table_id": t1, "title": "time"}, 409, "title: "),
            ("POST", "/moves", {"idea_ids": [idea], "theme_id": theme}, 422, "idea_ids[0]: "),
            ("POST", "/moves", {"idea_ids": [idea]}, 422, "theme_id"),
            ("PUT", "/top-three", {"table_id": t1, "top": [{"theme_id": theme, "rank": 1}]}, 422, "Table 1"),
            ("POST", "/votes", {"voter": "B12", "theme_ids": [theme]}, 422, "not on the shortlist"),
            ("DELETE", "/votes", {"voter": "nobody"}, 422, "voter: "),
            ("POST", "/tables", {"name": "table 1"}, 409, "name: "),
            ("POST", "/notes", {"csv": ""}, 422, "csv"),
            ("DELETE", "/ideas", {"idea_id": 987_654}, 422, "idea_id: "),
        ]
        for method, path, body, status, named in cases:
            refused = api.send(method, path, body)
            assert refused.status_code == status, (method, path, refused.text)
            assert named in refused.text, (method, path, refused.text)
        setup = {"title": "", "held_on": "2027-02-31", "tables": []}
        refused = api.client.post(api.plans, json=setup)
        assert refused.status_code == 422
        assert {tuple(p["loc"]) for p in refused.json()["detail"]} == {("body", "held_on"), ("body", "tables")}
        refused = api.client.post(api.plans, json={**setup, "held_on": "2027-05-12", "tables": ["A", "a"]})
        assert refused.status_code == 422 and "title: " in refused.json()["detail"]
        assert counts() == before

    def test_others_may_not_change_it_and_another_plans_workshop_is_not_found(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        api = coordinator(plan_id)
        tables = api.set_up(["Table 1"])
        other_id, _ = create(SMALL_PLAN, slug="other-plan")
        before = counts()
        cat = with_token(create_app(), token_of(CAT))
        body = {"table_id": tables["Table 1"], "text": "x", "contributor_type": "staff"}
        assert cat.get(api.base).status_code == 200  # the working party reads
        assert cat.post(f"{api.base}/ideas", json=body).status_code == 403
        elsewhere = api.base.replace(f"/plans/{plan_id}/", f"/plans/{other_id}/")
        assert api.client.post(f"{elsewhere}/ideas", json=body).status_code == 404
        assert api.client.post(f"{elsewhere}/notes", json={"csv": NOTES}).status_code == 404
        assert counts() == before
