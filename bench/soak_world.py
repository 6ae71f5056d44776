"""The data ``bench.soak`` runs on: ``bench.national`` at a smaller scale, the intake bench's survey with an
invitation per intake request, team links, a signed-in coordinator, and extra approvers (with API
tokens) on every plan in sign-off, so that each decision of the run is a new one."""

from __future__ import annotations

import argparse
import math
import os
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import text

SECRET = "bench-soak-secret"


@dataclass
class World:
    cookie: str
    survey_id: int
    intake_plan_id: int
    invitation_tokens: list[str]
    team_link_tokens: list[str]
    bodies: list[bytes]
    decisions: list[tuple[int, int, str, str]]  # (plan id, version, content hash, approver's API token)
    first_approver: int
    sign_off_plans: int
    responses_before: int
    national: str
    pages: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """One line on what was seeded (no secrets)."""
        return (
            f"{self.national}; intake survey {self.survey_id} with {len(self.invitation_tokens):,} invitations and "
            f"{len(self.team_link_tokens)} team links; {len(self.decisions):,} decisions to make over "
            f"{self.sign_off_plans} plans in sign-off; {len(self.pages)} dashboard pages"
        )


def _settings(url: str) -> None:
    os.environ["COPRODUCE_SECRET_KEY"] = SECRET  # the servers inherit it: the tokens made here must verify there
    from plans.config import settings

    settings.database_url, settings.secret_key, settings.wake_flows = url, SECRET, False


def _team_links(survey_id: int, plan_id: int, coordinator: str, n: int) -> list[str]:
    """``n`` team links for the intake survey, made by the coordinator through the real service."""
    from sqlalchemy import select

    from plans.db import session_scope
    from plans.models import Person, Role, SurveyTeam, utcnow
    from plans.services import team_links
    from plans.services.actors import Actor
    from plans.services.survey_tokens import team_link_ref, token_for

    tokens = []
    with session_scope() as s:
        person = s.scalars(select(Person).where(Person.email == coordinator)).one()
        actor = Actor(person.id, coordinator, frozenset({Role.COORDINATOR}))
        teams = s.scalars(select(SurveyTeam.team_id).where(SurveyTeam.survey_id == survey_id).limit(n)).all()
        for k in range(n):
            view = team_links.create(
                s, plan_id=plan_id, team_id=teams[k % len(teams)], label=f"soak {k}", actor=actor, now=utcnow()
            )
            tokens.append(token_for(team_link_ref(view.id)))
    return tokens


def _approvers(url: str, needed: int) -> tuple[list[tuple[int, int, str, str]], int, int]:
    """Extra approvers on every plan with an open sign-off round, each with an API token, written set-wise;
    returns the decisions to make (interleaved over the plans), the first new person's id and the plans."""
    from sqlalchemy import insert

    from plans.db import engine_for
    from plans.models import ApiToken, Capacity, Person, PersonRole, PlanMember, Role, utcnow
    from plans.services.api_tokens import PREFIX
    from plans.services.auth import token_hash

    query = (
        "SELECT r.plan_id, r.version, r.content_hash, p.organisation_id FROM sign_off_rounds r "
        "JOIN plans p ON p.id = r.plan_id AND p.version = r.version "
        "WHERE p.stage = 'sign_off' AND r.closed_at IS NULL ORDER BY r.plan_id"
    )
    now = utcnow()
    with engine_for(url).begin() as c:
        rounds = c.execute(text(query)).all()
        if not rounds:
            raise SystemExit("bench.soak: no plan in sign-off; seed more plans")
        per = math.ceil(needed / len(rounds)) if needed else 0
        first = int(c.scalar(text("SELECT coalesce(max(id), 0) + 1 FROM people")))
        people, roles, members, tokens, decisions = [], [], [], [], []
        pid = first
        for _ in range(per):  # round-robin: the k-th new approver of every plan, then the next
            for plan_id, version, content_hash, org in rounds:
                token = PREFIX + secrets.token_urlsafe(32)
                people.append(
                    {
                        "id": pid,
                        "organisation_id": org,
                        "email": f"soak.approver.{pid}@example.org",
                        "name": f"Soak Approver {pid}",
                        "job_title": "Board member",
                    }
                )
                roles.append({"person_id": pid, "role": Role.APPROVER})
                members.append(
                    {"plan_id": plan_id, "person_id": pid, "capacity": Capacity.APPROVER, "member_kind": None}
                )
                tokens.append(
                    {
                        "person_id": pid,
                        "name": "soak",
                        "prefix": token[:12],
                        "token_hash": token_hash(token),
                        "created_at": now,
                    }
                )
                decisions.append((plan_id, version, content_hash, token))
                pid += 1
        for model, rows in ((Person, people), (PersonRole, roles), (PlanMember, members), (ApiToken, tokens)):
            if rows:
                c.execute(insert(model), rows)
        c.execute(text("SELECT setval(pg_get_serial_sequence('people', 'id'), (SELECT max(id) FROM people))"))
        c.execute(text("ANALYZE people, person_roles, plan_members, api_tokens"))
    return decisions[:needed], first, len(rounds)


def seed_world(url: str, a: argparse.Namespace, *, intake: int, decisions: int, echo: Callable[[str], None]) -> World:
    """Everything the run needs, sized to its ``intake`` and ``decisions`` requests."""
    from sqlalchemy import func, select

    from bench import intake as intake_bench
    from bench.dashboard import COORDINATOR, sign_in
    from bench.national import seed
    from plans.db import session_scope
    from plans.models import Survey, SurveyResponse

    _settings(url)
    t = time.monotonic()
    echo(f"soak: seeding {a.plans} plans, {a.organisations} organisations, {a.teams:,} teams ...")
    national = seed(url, plans=a.plans, organisations=a.organisations, teams=a.teams, seed=a.seed)
    echo(f"  {national.describe()}")
    echo(f"soak: opening the intake survey for {intake + 50:,} people ...")
    data = intake_bench.seed(url, intake + 50)
    echo(f"  opened in {data['opening_s']} s ({time.monotonic() - t:.1f} s so far)")
    cookie = sign_in(url)
    with session_scope() as s:
        plan_id = int(s.scalar(select(Survey.plan_id).where(Survey.id == data["survey_id"])))
        before = int(s.scalar(select(func.count()).where(SurveyResponse.survey_id == data["survey_id"])) or 0)
    links = _team_links(data["survey_id"], plan_id, COORDINATOR, a.team_links)
    made, first, plans = _approvers(url, decisions)
    echo(f"  {len(made):,} approvers with API tokens on {plans} plans ({time.monotonic() - t:.1f} s so far)")
    rng = random.Random(a.seed + 2)
    bodies = [intake_bench.body_for(data["questions"], data["demographics"], rng) for _ in range(64)]
    world = World(
        cookie=cookie,
        survey_id=data["survey_id"],
        intake_plan_id=plan_id,
        invitation_tokens=data["tokens"],
        team_link_tokens=links,
        bodies=bodies,
        decisions=made,
        first_approver=first,
        sign_off_plans=plans,
        responses_before=before,
        national=f"national: {national.total_rows:,} rows, {sum(national.stages.values())} plans",
    )
    world.pages += [f"/plans/{plan_id}/survey", f"/api/v1/plans/{plan_id}/survey/league"]
    return world
