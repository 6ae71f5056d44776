"""Access over every route: each declares a permission (and a route without one is refused, even for an
admin), and every route x person x object answers as the access rules say, with what to expect worked
out from the world the test builds (tests/matrix_world.py), never from the app's own lookups.

Allowed requests may still be refused for domain reasons (409, 422, 404 for an id that does not exist);
they are recorded, not failed. A refused request must leave no trace in the database.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.app import create_app
from api.permissions import CSRF_EXEMPT, FRAMEWORK_ROUTES, PERMISSIONS, all_routes, undeclared_routes
from plans.domain.access import PLAN_CAPACITY, Relation, Rule, Verdict, verdict
from plans.models import Role
from tests.conftest import Database
from tests.matrix_world import (
    ADMIN_EMAIL,
    BOGUS_ID,
    PERSONAS,
    Persona,
    World,
    build,
    request_body,
    session_for,
    snapshot,
    table_names,
    token_of,
    with_token,
)
from tests.web import make_user

SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
# the order people act in: approvers and the working party before coordinators change the plan's version
ORDER = ("anonymous", "nobody", "director", "manager_T1", "manager_T2", "approver_A", "party_A", "panel_A")
ORDER += ("coordinator", "admin")
# working party routes whose writes coordinators may make too (the co-production ladder)
COORDINATORS_WRITE = frozenset({"coproduction_form", "api_record_coproduction"})
# outcomes: what was expected happened (".", or "a" for an allowed request refused for a domain reason)
OK, ALLOWED_REFUSED = ".", "a"
UNAUTHORISED, WRONG, SERVER_ERROR, TRACE = "U", "W", "E", "T"


def _routes(app: FastAPI) -> list[APIRoute]:
    return sorted((r for r in all_routes(list(app.routes)) if isinstance(r, APIRoute)), key=lambda r: r.path)


class TestEveryRouteDeclaresAPermission:
    def test_no_route_lacks_an_entry(self) -> None:
        assert undeclared_routes(create_app()) == []

    def test_no_entry_lacks_a_route(self) -> None:
        names = {r.name for r in all_routes(list(create_app().routes))}
        assert sorted(set(PERMISSIONS) - names) == []

    def test_route_names_are_unique(self) -> None:
        # the table is keyed by name: two routes sharing one would share a rule without anyone deciding so
        names = Counter(r.name for r in _routes(create_app()) for _ in r.methods - {"HEAD"})
        assert [n for n, count in names.items() if count > 1] == []
        assert not set(PERMISSIONS) & FRAMEWORK_ROUTES

    def test_a_route_added_without_an_entry_is_refused_even_for_an_admin(self, db: Database, tmp_path: Path) -> None:
        app = create_app()
        ran: list[str] = []

        def undeclared_probe() -> dict[str, str]:
            ran.append("probe")
            return {"ok": "yes"}

        for path in ("/api/v1/undeclared-probe", "/undeclared-probe"):
            app.add_api_route(path, undeclared_probe, methods=["GET", "POST"], name="undeclared_probe")
        assert [m for m in undeclared_routes(app) if "undeclared_probe" in m] == [
            "['GET', 'POST'] /api/v1/undeclared-probe (undeclared_probe)",
            "['GET', 'POST'] /undeclared-probe (undeclared_probe)",
        ]
        admin, csrf = session_for(app, make_user(ADMIN_EMAIL, Role.ADMIN))
        anonymous, anon_csrf = session_for(app, None)
        token = with_token(app, token_of(ADMIN_EMAIL))
        for path in ("/api/v1/undeclared-probe", "/undeclared-probe"):
            assert admin.get(path).status_code == 403
            assert admin.post(path, headers={"X-CSRF-Token": csrf}).status_code == 403
            assert token.get(path).status_code == 403 and token.post(path).status_code == 403
            assert anonymous.get(path).status_code == 403
            assert anonymous.post(path, headers={"X-CSRF-Token": anon_csrf}).status_code == 403
        assert ran == []


@dataclass(frozen=True)
class Attempt:
    """One request of the matrix and what it should come to."""

    route: APIRoute
    method: str
    path: str
    objects: str  # which objects the path names, e.g. "B" or "A, B's statement"
    expected: Verdict
    must_fail: bool  # allowed by the table, but the object is not there to act on (or the service refuses)
    absent: bool  # the path names nothing (or another person's or plan's sub-object): a 404 is a right answer

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")


Variant = tuple[str, dict[str, int | str], Relation | None, bool]


def _variants(route: APIRoute, world: World, persona: Persona) -> list[Variant]:
    """(label, path values, relation, absent) for every object the route may be asked about."""
    params = set(route.param_convertors)
    assert params <= {"plan_id", "team_id", "statement_id", "workshop_id", "token_id", "token", "organisation_id"}, (
        f"{route.path}: teach the permission matrix about {params}"
    )
    if "plan_id" in params:
        out = []
        for key in ("A", "B", "missing"):
            values: dict[str, int | str] = {"plan_id": world.plans[key]}
            if "statement_id" in params:
                values["statement_id"] = world.statements["B" if key == "B" else "A"]
            if "workshop_id" in params:
                values["workshop_id"] = world.workshops["B" if key == "B" else "A"]
            out.append((key, values, persona.relation(plan=key), key == "missing"))
        if "statement_id" in params:  # plan A's path with plan B's statement
            values = {"plan_id": world.plans["A"], "statement_id": world.statements["B"]}
            out.append(("A, B's statement", values, persona.relation(plan="A"), True))
        if "workshop_id" in params:  # plan A's path with plan B's workshop
            values = {"plan_id": world.plans["A"], "workshop_id": world.workshops["B"]}
            out.append(("A, B's workshop", values, persona.relation(plan="A"), True))
        return out
    if "team_id" in params:
        teams = world.teams
        return [(key, {"team_id": teams[key]}, persona.relation(team=key), key == "missing") for key in teams]
    if "token_id" in params:
        someone_else = "cora@small.example" if persona.email == ADMIN_EMAIL else ADMIN_EMAIL
        out: list[Variant] = [("other's token", {"token_id": world.spare_tokens[someone_else]}, None, True)]
        out.append(("missing token", {"token_id": BOGUS_ID}, None, True))
        if persona.email is not None:
            out.insert(0, ("own token", {"token_id": world.spare_tokens[persona.email]}, None, False))
        return out
    if "organisation_id" in params:  # coordinators' routes: any organisation, a missing one not found
        orgs = world.organisations
        return [(f"{key}'s organisation", {"organisation_id": orgs[key]}, None, key == "missing") for key in orgs]
    if "token" in params:
        bogus: list[Variant] = [("bogus link", {"token": "not-a-real-link-token"}, None, True)]
        if route.name.startswith(("answer_", "api_survey_")):  # survey links: one that answers, one closed
            links = world.survey_links
            return [
                *bogus,
                ("open survey link", {"token": links["open"]}, None, False),
                ("closed survey link", {"token": links["closed"]}, None, False),
            ]
        return bogus
    return [("-", {}, None, False)]


def attempts(app: FastAPI, world: World, persona: Persona) -> list[Attempt]:
    """Every route, method and object for one persona, with the verdict the rules give."""
    out = []
    for route in _routes(app):
        rule = PERMISSIONS[route.name]
        for method in sorted(route.methods - {"HEAD"}):
            for label, values, relation, absent in _variants(route, world, persona):
                path = route.path.format(**values)
                expected = verdict(rule, persona.roles, relation)
                # coordinators may read a working party's vision and a panel's outputs, but the services
                # refuse them a statement or a review (not a ladder record: they may make those)
                refused_write = (
                    rule in (Rule.PLAN_WORKING_PARTY, Rule.PLAN_PANEL)
                    and route.name not in COORDINATORS_WRITE
                    and method not in SAFE
                    and (relation is None or PLAN_CAPACITY[rule] not in relation.capacities)
                )
                # a link's page only offers a button, whatever the link: using it is what must fail
                must_fail = expected is Verdict.ALLOW and ((absent and route.name != "link_page") or refused_write)
                out.append(Attempt(route, method, path, label, expected, must_fail, absent))
    return out


def judge(attempt: Attempt, status: int, location: str) -> str:
    """The outcome of one request against what was expected."""
    to_sign_in = status == 303 and location.startswith("/sign-in")
    success = 200 <= status < 400 and not to_sign_in
    if status >= 500:
        return SERVER_ERROR
    if attempt.route.name == "sign_out" and to_sign_in:
        return OK  # signing out sends everyone to the sign-in page
    if attempt.expected is Verdict.SIGN_IN:
        right = status == 401 if attempt.api else to_sign_in
    elif attempt.expected is Verdict.FORBIDDEN:
        right = status == 403
    elif attempt.expected is Verdict.HIDDEN:
        right = status == 404
    elif attempt.must_fail:
        right = 400 <= status < 500 and status != 401
    else:
        if status in (401, 403) or to_sign_in or (status == 404 and not attempt.absent):
            return WRONG
        return OK if success else ALLOWED_REFUSED
    if right:
        return OK
    return UNAUTHORISED if success else WRONG


@dataclass
class Record:
    persona: str
    via: str
    attempt: Attempt
    status: int
    outcome: str
    note: str = ""


def _call(client: TestClient, attempt: Attempt, world: World, csrf: str, via: str) -> tuple[int, str]:
    kwargs: dict[str, Any] = {}
    if attempt.method not in SAFE:
        kwargs = request_body(attempt.route.name, world, csrf, api=attempt.api)
        if via == "session" and attempt.api:
            kwargs["headers"] = {"X-CSRF-Token": csrf}
    cookies = dict(client.cookies)
    response = client.request(attempt.method, attempt.path, **kwargs)
    client.cookies.clear()  # signing in or out sets cookies: each request is asked as the persona alone
    client.cookies.update(cookies)
    return response.status_code, response.headers.get("location", "")


def run_matrix(app: FastAPI, world: World, *, refusals: bool = True) -> list[Record]:
    """Every persona over every attempt, as a browser session and (on the API) with a bearer token;
    without ``refusals``, only the attempts the table allows."""
    records = []
    by_key = {p.key: p for p in PERSONAS}
    for persona in (by_key[k] for k in ORDER):
        person_id = world.people[persona.email] if persona.email else None
        session, csrf = session_for(app, person_id)
        token = with_token(app, world.bearer[persona.email]) if persona.email else None
        # the snapshot after a refused request is the one before the next, unless something wrote in between
        last: tuple[int, ...] | None = None
        for attempt in attempts(app, world, persona):
            if not refusals and attempt.expected is not Verdict.ALLOW:
                continue
            vias: list[tuple[str, TestClient, str]] = [("session", session, csrf)]
            if token is not None and attempt.api:
                vias.append(("token", token, ""))
            for via, client, form_token in vias:
                if attempt.route.name == "sign_out" and via == "session" and person_id is not None:
                    client, form_token = session_for(app, person_id)  # keep the session the others use
                    last = None
                # a refusal leaves no trace (a failed sign-in with a link is recorded, as it should be)
                public = PERMISSIONS[attempt.route.name] is Rule.PUBLIC
                denied = attempt.expected is not Verdict.ALLOW or (attempt.must_fail and not public)
                before = (last or snapshot()) if denied else None
                status, location = _call(client, attempt, world, form_token, via)
                outcome, note = judge(attempt, status, location), ""
                last = after = snapshot() if before is not None else None
                if after != before:
                    changed = [n for n, b, a in zip(table_names(), before, after, strict=True) if a != b]
                    outcome, note = TRACE, f"changed: {', '.join(changed)}"
                records.append(Record(persona.key, via, attempt, status, outcome, note))
    return records


def summary(records: list[Record]) -> str:
    """A route x person table of outcome letters (one per object and via), rows with a failure first."""
    cells: dict[str, dict[str, str]] = defaultdict(lambda: defaultdict(str))
    for r in records:
        cells[f"{r.attempt.method} {r.attempt.route.path}"][r.persona] += r.outcome
    width = max(len(k) for k in cells)
    lines = [" " * width + " | " + " | ".join(f"{k[:10]:10}" for k in ORDER)]
    bad = [k for k, row in cells.items() if re.search("[UWET]", "".join(row.values()))]
    for key in bad + [k for k in cells if k not in bad]:
        lines.append(f"{key:{width}} | " + " | ".join(f"{cells[key][p][:10]:10}" for p in ORDER))
    failures = [r for r in records if r.outcome in (UNAUTHORISED, WRONG, SERVER_ERROR, TRACE)]
    lines.append(f"\n{len(failures)} failure(s); '.' as expected, 'a' allowed but refused for a domain reason")
    for r in failures[:40]:
        a = r.attempt
        lines.append(
            f"{r.outcome} {r.persona} via {r.via}: {a.method} {a.path} [{a.objects}] expected {a.expected.value}"
            f"{' (must fail)' if a.must_fail else ''}, got {r.status} {r.note}"
        )
    return "\n".join(lines)


# objects that are someone else's (or nobody's): asking about them must never be answered as one's own
OTHERS = frozenset({"B", "other", "missing", "A, B's statement", "A, B's workshop", "other's token", "missing token"})


class TestPermissionMatrix:
    def test_every_route_person_and_object(self, db: Database, tmp_path: Path) -> None:
        app = create_app()
        world = build(tmp_path)
        # a refusal is decided before any handler runs, by the same code and lookups on either database, so
        # the refusals are asked on SQLite; PostgreSQL is asked what the table allows, where each handler's
        # own SQL runs on real objects (the full matrix on PostgreSQL took 44 s of the suite, SQLite 26 s)
        refusals = db.dialect == "sqlite"
        records = run_matrix(app, world, refusals=refusals)
        report = summary(records)
        assert [r for r in records if r.outcome == UNAUTHORISED] == [], report
        assert {r.outcome for r in records} <= {OK, ALLOWED_REFUSED}, report
        # the matrix covered every route, person and kind of answer
        assert {r.attempt.route.name for r in records} == set(PERMISSIONS)
        assert {r.persona for r in records} == set(ORDER)
        assert {r.attempt.expected for r in records} == (set(Verdict) if refusals else {Verdict.ALLOW})
        if not refusals:
            print(f"\n{len(records)} allowed requests: {len({r.attempt.route.name for r in records})} routes")
            return
        # another plan's, team's or person's id, by someone signed in it is not for: a refusal, never a success
        idor = [
            r
            for r in records
            if r.attempt.objects in OTHERS
            and r.persona != "anonymous"
            and (r.attempt.expected is not Verdict.ALLOW or r.attempt.must_fail)
        ]
        assert len(idor) > 300 and {r.status for r in idor} <= {403, 404, 409}, report
        print(
            f"\n{len(records)} requests: {len({(r.attempt.route.name, r.attempt.method) for r in records})} routes, "
            f"{len(ORDER)} people; expected {dict(Counter(r.attempt.expected.value for r in records))}; "
            f"{len(idor)} requests for others' objects all refused; "
            f"allowed but refused: {dict(Counter(r.status for r in records if r.outcome == ALLOWED_REFUSED))}"
        )

    def test_unsafe_requests_need_the_form_token(self, db: Database, tmp_path: Path) -> None:
        """A browser session's POST, PUT or DELETE without its own form token is refused, even for an admin,
        and leaves no trace; so is an anonymous browser's on the public forms."""
        app = create_app()
        world = build(tmp_path)
        admin = next(p for p in PERSONAS if p.email == ADMIN_EMAIL)
        anonymous = next(p for p in PERSONAS if p.email is None)
        _, someone_elses = session_for(app, world.people["cora@small.example"])
        refused = []
        for persona in (admin, anonymous):
            for attempt in attempts(app, world, persona):
                if attempt.method in SAFE or attempt.expected is Verdict.SIGN_IN:
                    continue
                if persona is anonymous and attempt.route.name == "sign_out":
                    continue  # signing out a session that has ended protects nothing
                if attempt.route.name in CSRF_EXEMPT:
                    continue  # authorised by the survey token in its path, never by a cookie
                for token in ("", someone_elses):
                    client, _ = session_for(app, world.people.get(persona.email or ""))
                    before = snapshot()
                    status, _ = _call(client, attempt, world, token, "session")
                    refused.append((attempt.method, attempt.path, persona.key, bool(token), status))
                    assert snapshot() == before, refused[-1]
        assert refused and {r[-1] for r in refused} == {403}, [r for r in refused if r[-1] != 403]
