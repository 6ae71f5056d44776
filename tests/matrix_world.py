"""A world for testing access over every route: two plans of two councils, two team hierarchies, and
people who each stand in one relation to them (anonymous, coordinator, admin, managers at and outside a
team's line, an approver, a working party member and a panel member of plan A only, someone with no
roles), with what each of them should be allowed written down here from the plan files, not asked of
the app's own access code.

Used by the permission matrix and the OpenAPI fuzz test.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from api.deps import ANON_CSRF_COOKIE, SESSION_COOKIE
from plans.db import session_scope
from plans.domain.access import Relation
from plans.domain.stages import Stage
from plans.models import (
    Base,
    Capacity,
    Organisation,
    Person,
    Plan,
    PlanMember,
    Role,
    Survey,
    SurveyKind,
    SurveyTeamLink,
    Team,
    VisionStatement,
    WebSession,
    Workshop,
    WorkshopTable,
    utcnow,
)
from plans.repositories.people import PeopleRepository
from plans.repositories.plans import PlanRepository
from plans.services import survey_admin
from plans.services.actors import actor_by_email
from plans.services.api_tokens import create_token
from plans.services.auth import principal_of, start_session, token_hash
from plans.services.evidence_requests import name_owner
from plans.services.survey_tokens import team_link_ref, token_for
from plans.services.survey_tokens import token_hash as survey_token_hash
from tests.conftest import SMALL_PLAN
from tests.support import create, walk_to
from tests.web import PASSWORD, make_user, shared_loop_client

BOGUS_ID = 987_654
ADMIN_EMAIL = "ada@admin.example"
FUZZER_EMAIL = "fuzz@small.example"

# plan B: the small plan again, of another council, with people, teams and members of its own
OTHER_COUNCIL = {
    "slug: small-plan": "slug: other-plan",
    "title: Small test plan": "title: Other test plan",
    "code: SMALL, name: Small Council": "code: OTHER, name: Other Council",
    "@small.example": "@other.example",
    "@citizens.example": "@other-citizens.example",
}
# the small plan's teams: (code, parent, manager's email)
TEAM_LINES = {
    "D1": (None, "dan@small.example"),
    "T1": ("D1", "tess@small.example"),
    "T2": ("D1", "tom@small.example"),
}


@dataclass(frozen=True)
class Persona:
    """Someone asking: their roles (None: nobody signed in), their capacities in each plan (by key),
    and the teams (by key) they manage directly or from above."""

    key: str
    email: str | None
    roles: frozenset[str] | None
    capacities: dict[str, frozenset[str]] = field(default_factory=dict)
    manages: frozenset[str] = frozenset()

    def relation(self, *, plan: str | None = None, team: str | None = None) -> Relation | None:
        """How this persona stands to the plan or team a request names (keys; "missing": no such one)."""
        if team is not None:
            return Relation(exists=team != "missing", manages=team in self.manages)
        if plan is not None:
            return Relation(exists=plan != "missing", capacities=self.capacities.get(plan, frozenset()))
        return None


def _managed(email: str) -> frozenset[str]:
    """The small plan's teams this manager manages, directly or through a team above."""
    mine = set()
    for code in TEAM_LINES:
        at: str | None = code
        while at is not None:
            parent, manager = TEAM_LINES[at]
            if manager == email:
                mine.add(code)
                break
            at = parent
    return frozenset(mine)


CAT = "cat@citizens.example"
PERSONAS = (
    Persona("anonymous", None, None),
    Persona("coordinator", "cora@small.example", frozenset({"coordinator"})),
    Persona("admin", ADMIN_EMAIL, frozenset({"admin"})),
    Persona("director", "dan@small.example", frozenset({"manager"}), manages=_managed("dan@small.example")),
    Persona("manager_T1", "tess@small.example", frozenset({"manager"}), manages=_managed("tess@small.example")),
    Persona("manager_T2", "tom@small.example", frozenset({"manager"}), manages=_managed("tom@small.example")),
    Persona("approver_A", "ann@small.example", frozenset({"approver"}), {"A": frozenset({"approver"})}),
    # the simulated coordinator's learning plan gives each working-party member an objective to own, so
    # Cat is asked for evidence on plan A too (and the world names her an evidence owner)
    Persona("party_A", CAT, frozenset(), {"A": frozenset({"working_party", "evidence_owner"})}),
    Persona("panel_A", "pat@citizens.example", frozenset({"citizen_panel"}), {"A": frozenset({"citizen_panel"})}),
    Persona("nobody", "nora@nobody.example", frozenset()),
)


@dataclass
class World:
    """Ids of everything the matrix names, by key."""

    plans: dict[str, int]
    teams: dict[str, int]
    people: dict[str, int]
    statements: dict[str, int]
    spare_tokens: dict[str, int]  # a token of each person for revoking
    bearer: dict[str, str]  # a token of each person to call the API with
    version_a: int
    # team-link tokens: "closed" (plan A's baseline), "open" (plan B), "spare" (plan A's, to revoke)
    survey_links: dict[str, str] = field(default_factory=dict)
    organisations: dict[str, int] = field(default_factory=dict)  # "A", "B" (the plans'), "missing"
    workshops: dict[str, int] = field(default_factory=dict)  # a workshop of each plan, "A" and "B"
    tables: dict[str, int] = field(default_factory=dict)  # each workshop's one table, "A" and "B"


def _other_council_file(tmp_path: Path) -> Path:
    content = SMALL_PLAN.read_text()
    for old, new in OTHER_COUNCIL.items():
        assert old in content, old
        content = content.replace(old, new)
    path = tmp_path / "other-plan.yaml"
    path.write_text(content)
    return path


def token_of(email: str, name: str = "tests") -> str:
    """A new API token of the person with this email."""
    with session_scope() as s:
        return create_token(s, principal=principal_of(s, email=email), name=name, now=utcnow())[0]


def _add_fuzzer(plan_id: int, capacities: list[Capacity]) -> None:
    with session_scope() as s:
        person = PeopleRepository(s).people_by_email([FUZZER_EMAIL])[FUZZER_EMAIL]
        for capacity in capacities:
            PlanRepository(s).add_member(plan_id, person.id, capacity)


def build(tmp_path: Path, *, fuzzer: bool = False) -> World:
    """Plan A at sign-off, plan B (another council) at the vision stage, and everyone's tokens.

    With ``fuzzer``, one more person: a coordinator who is also an approver, a working party member and
    a panel member of plan A, and on plan B's working party (for reaching as many operations as possible
    with one token)."""
    make_user(ADMIN_EMAIL, Role.ADMIN)
    make_user("nora@nobody.example")
    if fuzzer:
        make_user(FUZZER_EMAIL, Role.COORDINATOR, Role.APPROVER, Role.CITIZEN_PANEL, Role.MANAGER)
    plan_a, people_a = create(SMALL_PLAN)
    if fuzzer:  # an approver before sign-off is requested, so the request is addressed to them too
        _add_fuzzer(plan_a, [Capacity.APPROVER])
    walk_to(plan_a, people_a, Stage.SIGN_OFF)
    with session_scope() as s:  # Cat owns an objective of the walk's learning plan; named too, as the persona says
        name_owner(s, plan_id=plan_a, actor=actor_by_email(s, "cora@small.example"), email=CAT, now=utcnow())
    if fuzzer:  # on the working party after the vision stage, so the walk's agreements were complete
        _add_fuzzer(plan_a, [Capacity.WORKING_PARTY, Capacity.CITIZEN_PANEL])
    plan_b, _ = create(_other_council_file(tmp_path))
    if fuzzer:  # and on plan B's working party, whose vision is open to writing
        _add_fuzzer(plan_b, [Capacity.WORKING_PARTY])

    emails = [p.email for p in PERSONAS if p.email] + ([FUZZER_EMAIL] if fuzzer else [])
    with session_scope() as s:
        stages = {
            pid: stage for pid, stage in s.execute(select(Plan.id, Plan.stage).where(Plan.id.in_([plan_a, plan_b])))
        }
        assert stages == {plan_a: Stage.SIGN_OFF, plan_b: Stage.VISION}, stages
        version_a = s.scalar(select(Plan.version).where(Plan.id == plan_a))
        rows = s.execute(select(Organisation.code, Team.code, Team.id).join(Organisation)).tuples()
        teams = {f"{org}:{code}": team_id for org, code, team_id in rows}
        statements = {
            key: s.scalars(select(VisionStatement.id).where(VisionStatement.plan_id == pid)).first()
            for key, pid in (("A", plan_a), ("B", plan_b))
        }
        people, spare, bearer = {}, {}, {}
        for email in emails:
            principal = principal_of(s, email=email)
            people[email] = principal.person_id
            spare[email] = create_token(s, principal=principal, name="spare", now=utcnow())[1].id
            bearer[email] = create_token(s, principal=principal, name="bearer", now=utcnow())[0]
        survey_links = _survey_links(s, plan_a, plan_b)
        made = {key: _workshop(s, pid) for key, pid in (("A", plan_a), ("B", plan_b))}
        orgs = select(Plan.id, Plan.organisation_id).where(Plan.id.in_([plan_a, plan_b]))
        organisations = {plan_id: org_id for plan_id, org_id in s.execute(orgs)}
    assert version_a is not None and all(statements.values())
    plans = {"A": plan_a, "B": plan_b}
    named_teams = {
        "T1": teams["SMALL:T1"],
        "D1": teams["SMALL:D1"],
        "T2": teams["SMALL:T2"],
        "other": teams["OTHER:T1"],
    }
    _check_world(emails, plans, named_teams)
    return World(
        plans={**plans, "missing": BOGUS_ID},
        teams={**named_teams, "missing": BOGUS_ID},
        people=people,
        statements={"A": statements["A"] or 0, "B": statements["B"] or 0},
        spare_tokens=spare,
        bearer=bearer,
        version_a=version_a,
        survey_links=survey_links,
        organisations={"A": organisations[plan_a], "B": organisations[plan_b], "missing": BOGUS_ID},
        workshops={key: workshop_id for key, (workshop_id, _) in made.items()},
        tables={key: table_id for key, (_, table_id) in made.items()},
    )


def _team_link(s: Session, survey: Survey) -> str:
    """A team link for the survey's first team; its token (derived from its id, as the app derives it)."""
    plan = s.get(Plan, survey.plan_id)
    assert plan is not None
    team_id = s.scalars(select(Team.id).where(Team.organisation_id == plan.organisation_id).order_by(Team.code)).first()
    link = SurveyTeamLink(survey_id=survey.id, team_id=team_id, token_hash="-", label="matrix", created_at=utcnow())
    s.add(link)
    s.flush()
    token = token_for(team_link_ref(link.id))
    link.token_hash = survey_token_hash(token)
    return token


def _survey_links(s: Session, plan_a: int, plan_b: int) -> dict[str, str]:
    """Team links for plan A's baseline survey (closed, since plan A is past it) and for a survey opened
    on plan B as the lifecycle would open it (so public survey routes are asked with a link that answers)."""
    closed = s.scalar(select(Survey).where(Survey.plan_id == plan_a, Survey.kind == SurveyKind.BASELINE))
    plan = s.get(Plan, plan_b)
    assert closed is not None and closed.closed_at is not None and plan is not None
    now = utcnow()
    fields = survey_admin.opening_fields(plan, None, now)
    opened = Survey(
        plan_id=plan_b, kind=SurveyKind.BASELINE, title="Other survey", opens_at=now - timedelta(hours=1), **fields
    )
    s.add(opened)
    s.flush()
    spare = _team_link(s, closed)  # for revoking: the other links must keep answering
    return {"spare": spare, "closed": _team_link(s, closed), "open": _team_link(s, opened)}


def _workshop(s: Session, plan_id: int) -> tuple[int, int]:
    """A workshop of the plan with one table, written directly (plan A is past the stages that take one);
    the workshop's id and its table's."""
    workshop = Workshop(plan_id=plan_id, title="Matrix workshop", held_on=utcnow().date(), created_at=utcnow())
    s.add(workshop)
    s.flush()
    table = WorkshopTable(workshop_id=workshop.id, name="Table 1", position=1)
    s.add(table)
    s.flush()
    return workshop.id, table.id


def spare_link_id(world: World) -> int:
    """The id of plan A's spare team link (the one requests may revoke)."""
    with session_scope() as s:
        found = s.scalar(
            select(SurveyTeamLink.id).where(SurveyTeamLink.token_hash == survey_token_hash(world.survey_links["spare"]))
        )
    assert found is not None
    return found


def _check_world(emails: list[str], plans: dict[str, int], teams: dict[str, int]) -> None:
    """The world is as this module says it is: each persona's roles, plan capacities and teams as stored."""
    by_email = {p.email: p for p in PERSONAS if p.email}
    with session_scope() as s:
        for email in emails:
            if email in by_email:
                assert principal_of(s, email=email).role_names == by_email[email].roles, email
        members = s.execute(
            select(Person.email, PlanMember.plan_id, PlanMember.capacity)
            .join(Person, Person.id == PlanMember.person_id)
            .where(Person.email.in_(by_email))
        )
        stored: dict[tuple[str, str], set[str]] = {}
        for email, plan_id, capacity in members:
            plan = next(k for k, v in plans.items() if v == plan_id)
            stored.setdefault((email, plan), set()).add(capacity.value)
        said = {(e, plan): set(caps) for e, p in by_email.items() for plan, caps in p.capacities.items()}
        assert stored == said, (stored, said)
        lines = s.execute(select(Team.id, Team.parent_id, Person.email).outerjoin(Person, Person.id == Team.manager_id))
        by_id = {team_id: (parent_id, manager) for team_id, parent_id, manager in lines}
        for code, (parent, manager) in TEAM_LINES.items():
            assert by_id[teams[code]] == (teams[parent] if parent else None, manager), code
        assert by_id[teams["other"]][1] not in by_email  # nobody of the matrix manages the other council's team


# ---- clients -------------------------------------------------------------------------------------


def browser(app: FastAPI) -> TestClient:
    """A client over HTTPS that does not follow redirects and answers a server error as a 500."""
    return shared_loop_client(app, base_url="https://testserver", follow_redirects=False, raise_server_exceptions=False)


def session_for(app: FastAPI, person_id: int | None) -> tuple[TestClient, str]:
    """A client signed in as the person (or anonymous, with the anonymous form token) and its form token."""
    c = browser(app)
    if person_id is None:
        csrf = secrets.token_urlsafe(16)
        c.cookies.set(ANON_CSRF_COOKIE, csrf)
        return c, csrf
    with session_scope() as s:
        cookie = start_session(s, person_id=person_id, method="test", now=utcnow())
        csrf = s.scalar(select(WebSession.csrf_token).where(WebSession.token_hash == token_hash(cookie)))
    assert csrf is not None
    c.cookies.set(SESSION_COOKIE, cookie)
    return c, csrf


def with_token(app: FastAPI, token: str) -> TestClient:
    """A client that calls the API with a bearer token (and no cookies)."""
    c = browser(app)
    c.headers["Authorization"] = f"Bearer {token}"
    return c


# ---- what a request leaves behind ----------------------------------------------------------------


def snapshot() -> tuple[int, ...]:
    """Row counts of every table, revoked tokens, ended sessions and plan versions, in one query: a
    refused request must leave all of them as they were."""
    parts = [f'(SELECT count(*) FROM "{t.name}")' for t in Base.metadata.sorted_tables]
    parts += [
        "(SELECT count(*) FROM api_tokens WHERE revoked_at IS NOT NULL)",
        "(SELECT coalesce(sum(version), 0) FROM plans)",
    ]
    with session_scope() as s:
        row = s.execute(text("SELECT " + ", ".join(parts))).one()
        ended = s.scalar(select(func.count()).select_from(WebSession).where(WebSession.ended_at.is_not(None)))
    return (*row, ended or 0)


def table_names() -> list[str]:
    """The names of the snapshot's figures, for saying which one changed."""
    return [t.name for t in Base.metadata.sorted_tables] + ["revoked tokens", "sum of plan versions", "ended sessions"]


def _workshop_bodies(world: World) -> dict[str, dict[str, Any]]:
    """The workshop API's bodies, naming plan A's workshop table (ideas and themes: none exist yet)."""
    table = world.tables["A"]
    notes = "table,idea,contributor_type,theme\nTable 1,Meetings at times carers can come,carer,Time\n"
    return {
        "api_create_workshop": {"title": "Listening event", "held_on": "2027-05-12", "tables": ["Table 1"]},
        "api_add_table": {"name": "Table 2"},
        "api_add_idea": {"table_id": table, "text": "Plain words in every letter", "contributor_type": "citizen"},
        "api_edit_idea": {"idea_id": BOGUS_ID, "text": "Plain words", "contributor_type": "carer"},
        "api_remove_idea": {"idea_id": BOGUS_ID},
        "api_add_theme": {"table_id": table, "title": "Plain language", "idea_ids": []},
        "api_edit_theme": {"theme_id": BOGUS_ID, "title": "Plain language", "description": ""},
        "api_remove_theme": {"theme_id": BOGUS_ID},
        "api_move_ideas": {"idea_ids": [BOGUS_ID], "theme_id": None},
        "api_set_top_three": {"table_id": table, "top": []},
        "api_cast_dots": {"voter": "B12", "theme_ids": [BOGUS_ID]},
        "api_withdraw_dots": {"voter": "B12"},
        "api_import_notes": {"csv": notes},
    }


def request_body(name: str, world: World, csrf: str, *, api: bool) -> dict[str, Any]:
    """A plausible body for an unsafe route: the form (with its token) or the JSON a page or client sends."""
    reason = "The team agreed to move on at its meeting; the minutes record why and who decided."
    forms: dict[str, dict[str, Any]] = {
        "sign_in": {"email": ADMIN_EMAIL, "password": PASSWORD, "next": "/"},
        "request_link": {"email": "no-one@elsewhere.example"},
        "create_token_form": {"name": "matrix"},
        "override_form": {"reason": reason},
        "recommendations_form": {"title": ["Train every team"], "detail": ["Half a day each"], "evidence": [""]},
        "sign_off_form": {"decision": "approve", "comment": "", "version": str(world.version_a)},
        "statement_form": {"kind": "aspiration", "text": "Citizens lead the work."},
        "comment_form": {"text": "Agreed."},
        "answer_form": {"answers.K1": "Agree", "demographics.staff_group": "Housing"},
        "create_team_link_form": {"team_id": str(world.teams["T1"]), "label": "Kiosk"},
        "revoke_team_link_form": {"link_id": str(spare_link_id(world))},
        "coproduction_form": {"stage": "vision", "rung": "co_design", "note": reason},
        "send_form": {"deadline": (utcnow() + timedelta(days=7)).date().isoformat()},
        "panel_review_form": {"output": "summative", "verdict": "challenge", "text": reason},
        "panel_answer_form": {"review_id": str(BOGUS_ID), "response": reason},
        "summative_judgement_form": {"expectation_id": str(BOGUS_ID), "judgement": "met", "evidence": reason},
        "summative_benefits_form": {"description": ["Fewer complaints"], "value": [""]},
        "summative_retrospective_form": {
            "what_we_did": "a",
            "what_we_learned": "b",
            "pleased_about": "c",
            "could_have_been_different": "d",
        },
    }
    # uploads (multipart): a staff list both councils' teams fit, and a paper response to the small survey
    staff = ("staff.csv", b"team_code,email,staff_group\nT1,matrix@small.example,Other\n", "text/csv")
    paper = ("paper.csv", b"team_code,K1\nT1,Agree\n", "text/csv")
    files = {
        "staff_list_form": staff,
        "api_import_staff": staff,
        "paper_responses_form": paper,
        "api_import_paper": paper,
    }
    json: dict[str, Any] = {
        "api_create_token": {"name": "matrix"},
        "api_override": {"reason": reason},
        "api_set_recommendations": {"items": [{"title": "Train every team", "detail": "", "evidence": []}]},
        "api_decide": {"version": world.version_a, "decision": "approve", "comment": ""},
        "api_add_statement": {"kind": "aspiration", "text": "Citizens lead the work."},
        "api_add_comment": {"text": "Agreed."},
        "api_survey_answer": {"answers": {"K1": "Agree"}, "demographics": {"staff_group": "Housing"}},
        "api_create_team_link": {"team_id": world.teams["T1"], "label": "Kiosk"},
        "api_revoke_team_link": {"link_id": spare_link_id(world)},
        "api_record_coproduction": {"stage": "vision", "rung": "co_design", "note": reason},
        "api_set_expectations": {"items": []},
        "api_set_investment": {"items": []},
        "api_send_for_sign_off": {"deadline": (utcnow() + timedelta(days=7)).date().isoformat()},
        "api_save_learning_plan": {"aims": [{"title": "Everyone closes the loop"}], "objectives": []},
        "api_panel_review": {"output": "summative", "verdict": "challenge", "text": reason},
        "api_panel_answer": {"review_id": BOGUS_ID, "response": reason},
        "api_panel_publish": {},
        "api_judge": {"expectation_id": BOGUS_ID, "judgement": "met", "evidence": reason},
        "api_give_evidence": {"type": "quote", "summary": reason},
        "api_nothing_this_time": {"checkpoint": 1, "note": reason},
        "api_update_progress": {"objective_id": BOGUS_ID, "status": "green", "percent_complete": 50},
        "api_add_milestone": {"objective_id": BOGUS_ID, "title": reason, "due_on": utcnow().date().isoformat()},
        "api_milestone_done": {"milestone_id": BOGUS_ID, "done_on": utcnow().date().isoformat()},
        "api_name_evidence_owner": {"email": "nobody@example.org"},
        "api_remove_evidence_owner": {"email": "nobody@example.org"},
        "api_record_checkpoint": {"number": 1, "did": reason, "learned": reason, "change": reason},
        "api_set_benefits": {"benefits": [{"description": "Fewer complaints"}]},
        "api_retrospective": {
            "what_we_did": "a",
            "what_we_learned": "b",
            "pleased_about": "c",
            "could_have_been_different": "d",
        },
        **_workshop_bodies(world),
    }
    upload = {"files": {"file": files[name]}} if name in files else {}
    if api:
        return {"json": json[name]} if name in json else upload
    return {"data": {**forms.get(name, {}), "csrf_token": csrf}, **upload}
