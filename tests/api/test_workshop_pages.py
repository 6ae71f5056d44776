"""The coordinator's workshop pages: set a workshop up, type ideas in live with their table and contributor
type, group them into themes, choose each table's top three, record the dot vote (a duplicate dot refused
in words, nothing written), and import typed-up notes all or nothing (a refused file's rows named by line
and column). The working party reads the pages without forms; anyone else's plan answers 404."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select, update

from plans.db import session_scope
from plans.domain.stages import Stage
from plans.models import AuditEvent, Idea, Plan, Theme, ThemeVote, Workshop, WorkshopTable, utcnow
from plans.repositories.people import PeopleRepository
from plans.services.auth import start_session
from tests import web
from tests.conftest import SMALL_PLAN, Database
from tests.support import create

CORA, CAT, PAT = "cora@small.example", "cat@citizens.example", "pat@citizens.example"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "workshop-notes.csv"


def sign_in(email: str) -> TestClient:
    """A browser signed in as the person with this email address (redirects not followed)."""
    with session_scope() as s:
        person = PeopleRepository(s).people_by_email([email])[email]
        cookie = start_session(s, person_id=person.id, method="password", now=utcnow())
    client = web.client()
    client.cookies.set("coproduce_session", cookie)
    return client


def csrf(client: TestClient, url: str) -> str:
    match = CSRF.search(client.get(url).text)
    assert match is not None
    return match.group(1)


def text_of(html: str) -> str:
    """A page's words, tags stripped and spaces tidied, for asserting on what a person reads."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def counts() -> tuple[int, ...]:
    """Rows of every workshop table and of the audit log: a refusal must leave all of them as they were."""
    with session_scope() as s:
        return tuple(
            s.scalar(select(func.count()).select_from(m)) or 0
            for m in (Workshop, WorkshopTable, Idea, Theme, ThemeVote, AuditEvent)
        )


class Room:
    """A coordinator's browser on one plan, with the form token and the workshop's address once set up."""

    def __init__(self, plan_id: int) -> None:
        self.plan_id = plan_id
        self.client = sign_in(CORA)
        self.token = csrf(self.client, f"/plans/{plan_id}/workshops")
        self.base = ""

    def post(self, path: str, data: dict[str, str | list[str]] | None = None, **kwargs: Any) -> Response:
        return self.client.post(self.base + path, data={"csrf_token": self.token, **(data or {})}, **kwargs)

    def set_up(self, tables: str = "2") -> dict[str, int]:
        """A workshop with numbered tables; returns the tables' ids by name."""
        data = {"title": "Listening event", "venue": "Town hall", "day": "12", "month": "5", "year": "2027"}
        done = self.post(f"/plans/{self.plan_id}/workshops", {**data, "table_count": tables, "dots_per_voter": "2"})
        assert done.status_code == 303, done.text
        self.base = done.headers["location"]
        assert re.fullmatch(rf"/plans/{self.plan_id}/workshops/\d+", self.base)
        with session_scope() as s:
            wid = int(self.base.rsplit("/", 1)[1])
            return {t.name: t.id for t in s.scalars(select(WorkshopTable).where(WorkshopTable.workshop_id == wid))}

    def idea(self, table_id: int, text: str, kind: str = "citizen") -> int:
        done = self.post("/ideas", {"table_id": str(table_id), "contributor_type": kind, "text": text})
        assert done.status_code == 303, done.text
        with session_scope() as s:
            return s.scalars(select(Idea.id).where(Idea.text == text)).one()

    def theme(self, table_id: int, title: str, ideas: list[int]) -> int:
        done = self.post("/themes", {"table_id": str(table_id), "title": title, "idea_id": [str(i) for i in ideas]})
        assert done.status_code == 303, done.text
        with session_scope() as s:
            return s.scalars(select(Theme.id).where(Theme.table_id == table_id, Theme.title == title)).one()

    def top_three(self, table_id: int, themes: list[int]) -> Response:
        ranks = {f"rank_{n}": str(t) for n, t in enumerate(themes, start=1)}
        return self.post("/top-three", {"table_id": str(table_id), **ranks})


def shortlisted(room: Room, tables: dict[str, int]) -> dict[str, int]:
    """Both tables with three themes of one idea each, and their top three chosen; theme ids by title."""
    themes = {}
    for name, table_id in tables.items():
        for n, title in enumerate(("Time", "Money", "Voice"), start=1):
            idea_id = room.idea(table_id, f"{name} idea {n}", "carer" if n == 2 else "staff")
            themes[f"{name}: {title}"] = room.theme(table_id, f"{title} ({name})", [idea_id])
        assert room.top_three(table_id, [themes[f"{name}: {t}"] for t in ("Voice", "Time", "Money")]).status_code == 303
    return themes


class TestSettingUp:
    def test_a_workshop_is_set_up_and_listed(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        room = Room(plan_id)
        tables = room.set_up("3")
        assert list(tables) == ["Table 1", "Table 2", "Table 3"]
        listing = text_of(room.client.get(f"/plans/{plan_id}/workshops").text)
        assert "Listening event" in listing and "12 May 2027" in listing
        assert f'href="/plans/{plan_id}/workshops"' in room.client.get(f"/plans/{plan_id}").text

    def test_every_mistake_in_the_summary_linked_to_its_field_and_nothing_written(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        room, before = Room(plan_id), counts()
        data = {"title": "", "day": "31", "month": "2", "year": "2027", "table_count": "0"}
        refused = room.post(f"/plans/{plan_id}/workshops", data)
        assert refused.status_code == 422
        page = refused.text
        assert 'href="#held_on-day"' in page and "must be a real date" in page
        assert 'href="#table_count"' in page and "how many tables" in page
        refused = room.post(f"/plans/{plan_id}/workshops", {**data, "day": "12", "table_count": "2"})
        assert refused.status_code == 422 and 'href="#title"' in refused.text
        assert "Enter the workshop&#39;s title" in refused.text or "workshop's title" in text_of(refused.text)
        assert counts() == before


class TestLiveCapture:
    def test_ideas_themes_and_each_tables_top_three(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        room = Room(plan_id)
        tables = room.set_up()
        one = tables["Table 1"]
        # the table and contributor type stay chosen for the next note
        done = room.post("/ideas", {"table_id": str(one), "contributor_type": "service_user", "text": "Paid time"})
        assert done.headers["location"] == f"{room.base}?table={one}&type=service_user#add-idea"
        page = room.client.get(done.headers["location"]).text
        assert re.search(rf'<option value="{one}" selected\s*>', page)
        assert re.search(r'value="service_user" checked\s*>', page)
        first = room.idea(one, "Meetings when carers can come", "carer")
        theme = room.theme(one, "Time to take part", [first])
        page = text_of(room.client.get(room.base).text)
        assert "Time to take part" in page and "Who wrote its ideas: 1 carer." in page
        assert "No idea from a citizen, carer or service user" not in page
        # move the ungrouped note in, and refuse a top three of too few themes in words
        with session_scope() as s:
            paid_id = s.scalars(select(Idea.id).where(Idea.text == "Paid time")).one()
        moved = room.post("/moves", {"table_id": str(one), "theme_id": str(theme), "idea_id": [str(paid_id)]})
        assert moved.status_code == 303
        refused = room.top_three(one, [theme])
        assert refused.status_code == 422
        assert f'href="#top-{one}-1"' in refused.text and "group its ideas into at least 3 themes" in refused.text
        with session_scope() as s:
            assert s.get(Idea, paid_id).theme_id == theme  # type: ignore[union-attr]
        # a note without who wrote it comes back with what was typed, and nothing is written
        before = counts()
        refused = room.post("/ideas", {"table_id": str(tables["Table 2"]), "contributor_type": "", "text": "Buses"})
        assert refused.status_code == 422
        assert 'href="#contributor_type"' in refused.text and "say who wrote the idea" in refused.text
        assert ">Buses</textarea>" in refused.text and counts() == before

    def test_correcting_and_removing_an_idea(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        room = Room(plan_id)
        tables = room.set_up()
        idea_id = room.idea(tables["Table 1"], "Tarining together")
        form = room.client.get(f"{room.base}?idea={idea_id}").text
        assert 'id="edit-idea"' in form and "Tarining together</textarea>" in form
        fixed = room.post("/ideas/edit", {"idea_id": str(idea_id), "contributor_type": "citizen", "text": "Training"})
        assert fixed.status_code == 303
        assert room.post("/ideas/remove", {"idea_id": str(idea_id)}).status_code == 303
        with session_scope() as s:
            assert s.get(Idea, idea_id) is None
            kinds = s.scalars(
                select(AuditEvent.kind).where(AuditEvent.kind.like("workshop_idea_%")).order_by(AuditEvent.id)
            ).all()
        assert kinds == ["workshop_idea_added", "workshop_idea_edited", "workshop_idea_removed"]


class TestDotVote:
    def test_results_ranked_and_a_duplicate_dot_refused_in_words(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        room = Room(plan_id)
        tables = room.set_up()
        themes = shortlisted(room, tables)
        vote = room.client.get(f"{room.base}/vote").text
        assert vote.count('name="theme_id"') == 6
        voice, time = themes["Table 1: Voice"], themes["Table 2: Time"]
        done = room.post("/votes", {"voter": "B12", "theme_id": [str(voice)]})
        assert done.status_code == 303
        assert room.post("/votes", {"voter": "c7", "theme_id": [str(voice), str(time)]}).status_code == 303
        before = counts()
        again = room.post("/votes", {"voter": "b12", "theme_id": [str(voice)]})
        assert again.status_code == 422
        assert "B12 already has a dot on &#39;Voice (Table 1)&#39;; one dot per theme" in again.text
        assert 'href="#themes"' in again.text and counts() == before
        over = room.post("/votes", {"voter": "C7", "theme_id": [str(themes["Table 1: Time"])]})
        assert over.status_code == 422 and "over the limit of 2 per voter" in over.text
        results = text_of(room.client.get(f"{room.base}/vote").text)
        assert "Place 1st Theme Voice (Table 1) Table Table 1 (1st) Dots 2" in results
        assert "Place 2nd Theme Time (Table 2) Table Table 2 (2nd) Dots 1" in results
        assert results.count("Place Joint 3rd") == 4
        withdrawn = room.post("/votes/withdraw", {"voter": "c7"})
        assert withdrawn.status_code == 303
        with session_scope() as s:
            assert s.scalars(select(ThemeVote.voter)).all() == ["B12"]


class TestImport:
    def test_the_example_file_is_imported(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        room = Room(plan_id)
        room.set_up("8")
        files = {"file": ("workshop-notes.csv", EXAMPLE.read_bytes(), "text/csv")}
        done = room.post("/import", files=files)
        assert done.status_code == 303 and done.headers["location"] == room.base
        with session_scope() as s:
            ideas = s.scalar(select(func.count()).select_from(Idea))
        assert ideas == len(EXAMPLE.read_text().splitlines()) - 1
        again = room.post("/import", files=files)
        assert again.status_code == 409 and "already imported" in again.text

    def test_a_refused_file_names_each_row_and_field_and_imports_nothing(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        room = Room(plan_id)
        room.set_up()
        before = counts()
        bad = "table,idea,contributor_type\nTable 1,Buses at night,citizen\nTabel 2,Paid time,staff\n2,,doctor\n"
        refused = room.post("/import", files={"file": ("notes.csv", bad.encode(), "text/csv")})
        assert refused.status_code == 422
        page = text_of(refused.text)
        assert "notes.csv: 3 problems found, so nothing was imported" in page and "Problems in the file" in page
        assert "Line 3 Column table Problem 'Listening event' has no table called 'Tabel 2'" in page
        assert "Line 4 Column idea Problem empty: enter the idea as written" in page
        assert "Line 4 Column contributor_type Problem 'doctor' is not a contributor type" in page
        assert counts() == before

    def test_pasted_rows_with_new_tables(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        room = Room(plan_id)
        room.set_up("1")
        pasted = "table\tidea\tcontributor_type\ttheme\nCarers' table\tRespite while we meet\tcarer\tTime\n"
        done = room.post("/import", {"pasted": pasted, "new_tables": "yes"})
        assert done.status_code == 303, done.text
        page = text_of(room.client.get(room.base).text)
        assert "Carers' table" in page and "Respite while we meet" in page and "Time" in page
        nothing = room.post("/import", {"pasted": ""})
        assert nothing.status_code == 422 and "or paste the rows" in nothing.text


class TestWhoSeesWhat:
    def test_the_working_party_reads_without_forms_and_others_are_not_found(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        room = Room(plan_id)
        tables = room.set_up()
        room.idea(tables["Table 1"], "Buses at night")
        cat = sign_in(CAT)
        assert f'href="/plans/{plan_id}/workshops"' in cat.get("/vision").text
        for path in ("", "/vote"):
            page = cat.get(room.base + path)
            assert page.status_code == 200 and 'action="' + room.base not in page.text
        assert "Buses at night" in cat.get(room.base).text
        assert cat.get(room.base + "/import").status_code == 403
        token = csrf(cat, f"/plans/{plan_id}/workshops")
        data = {"csrf_token": token, "table_id": str(tables["Table 1"]), "contributor_type": "citizen", "text": "x"}
        assert cat.post(room.base + "/ideas", data=data).status_code == 403
        # another plan's address for the workshop, and someone on no working party: not found
        other, _ = create(SMALL_PLAN, slug="other-plan")
        wid = room.base.rsplit("/", 1)[1]
        assert room.client.get(f"/plans/{other}/workshops/{wid}").status_code == 404
        assert sign_in(PAT).get(room.base).status_code == 404

    def test_a_plan_sent_for_sign_off_shows_its_workshops_read_only(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        room = Room(plan_id)
        tables = room.set_up()
        with session_scope() as s:
            s.execute(update(Plan).where(Plan.id == plan_id).values(stage=Stage.SIGN_OFF))
        page = room.client.get(room.base).text
        assert "sent for sign-off" in page and 'action="' + room.base not in page
        before = counts()
        refused = room.post("/ideas", {"table_id": str(tables["Table 1"]), "contributor_type": "staff", "text": "Late"})
        assert refused.status_code == 409 and "sent for sign-off" in refused.text
        assert counts() == before


class TestJsonApi:
    def test_the_workshops_and_one_workshop_as_json(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        room = Room(plan_id)
        tables = room.set_up()
        shortlisted(room, tables)
        wid = int(room.base.rsplit("/", 1)[1])
        listing = room.client.get(f"/api/v1/plans/{plan_id}/workshops")
        assert listing.status_code == 200 and [w["id"] for w in listing.json()["workshops"]] == [wid]
        one = room.client.get(f"/api/v1/plans/{plan_id}/workshops/{wid}").json()
        assert [t["name"] for t in one["tables"]] == ["Table 1", "Table 2"]
        assert len(one["shortlist"]) == 6 and one["mix"]["summary"] == "2 carer, 4 staff"
        other, _ = create(SMALL_PLAN, slug="other-plan")
        assert room.client.get(f"/api/v1/plans/{other}/workshops/{wid}").status_code == 404
