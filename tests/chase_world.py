"""A small organisation with an open survey, its staff invited, for the chasing tests.

Directorate D (managed by Dana Director) holds teams A and B (both managed by Alex Manager), and C
(Cleo Manager); team E has no parent (escalations for it go to the coordinator). The plan has two
approvers and a coordinator. Everyone listed is invited; ``answer`` does what the intake does to the
counters (marks the invitation used, counts the team's day) without going through the web form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from plans.db import session_scope
from plans.domain.stages import Stage
from plans.models import (
    Capacity,
    Organisation,
    Person,
    Plan,
    PlanMember,
    SignOffRound,
    StaffMember,
    Survey,
    SurveyInvitation,
    SurveyKind,
    SurveyTeam,
    SurveyTeamDay,
    Team,
)
from plans.repositories.dialect import upsert_adding
from plans.services.survey_tokens import invitation_ref, token_for, token_hash

OPENS = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday
STAFF = {"A": 5, "B": 4, "C": 2, "E": 3}


def day(n: int, hour: int = 9) -> datetime:
    """``n`` days after the survey opened, at ``hour`` UTC."""
    return datetime.combine(OPENS.date() + timedelta(days=n), datetime.min.time(), tzinfo=UTC).replace(hour=hour)


@dataclass
class ChaseWorld:
    plan_id: int
    survey_id: int
    people: dict[str, int]  # short name -> person id
    emails: dict[str, str]
    teams: dict[str, int]
    staff: dict[str, list[int]] = field(default_factory=dict)  # team code -> staff member ids
    staff_email: dict[int, str] = field(default_factory=dict)


def _person(s: Session, org: int, short: str, name: str) -> Person:
    person = Person(organisation_id=org, email=f"{short}@org.example", name=name)
    s.add(person)
    s.flush()
    return person


def build(chasing: dict[str, Any] | None = None, target: float = 0.6) -> ChaseWorld:
    """The organisation, its plan at the evidence survey and the survey open since ``OPENS``."""
    with session_scope() as s:
        org = Organisation(code="ORG", name="Northfield Council")
        s.add(org)
        s.flush()
        names = {
            "coord": "Cora Coordinator",
            "ap1": "Ann Approver",
            "ap2": "Bob Approver",
            "dana": "Dana Director",
            "alex": "Alex Manager",
            "cleo": "Cleo Manager",
            "eve": "Eve Manager",
        }
        people = {short: _person(s, org.id, short, name) for short, name in names.items()}
        d = Team(organisation_id=org.id, code="D", name="Adult care", manager_id=people["dana"].id)
        s.add(d)
        s.flush()
        teams = {"D": d}
        for code, manager, parent in (
            ("A", "alex", d.id),
            ("B", "alex", d.id),
            ("C", "cleo", d.id),
            ("E", "eve", None),
        ):
            team = Team(
                organisation_id=org.id,
                code=code,
                name=f"Team {code}",
                parent_id=parent,
                manager_id=people[manager].id,
                eligible_headcount=STAFF[code],
            )
            s.add(team)
            s.flush()
            teams[code] = team
        plan = Plan(
            organisation_id=org.id,
            slug="chase-plan",
            title="Citizen voice plan",
            coordinator_id=people["coord"].id,
            stage=Stage.EVIDENCE_SURVEY,
            starts_on=OPENS.date(),
        )
        s.add(plan)
        s.flush()
        for short in ("ap1", "ap2"):
            s.add(PlanMember(plan_id=plan.id, person_id=people[short].id, capacity=Capacity.APPROVER))
        survey = Survey(
            plan_id=plan.id,
            kind=SurveyKind.BASELINE,
            title="Citizen voice staff survey",
            questions=[],
            definition={"chasing": chasing} if chasing is not None else {},
            target_rate=target,
            opens_at=OPENS,
            closes_at=OPENS + timedelta(days=28),
        )
        s.add(survey)
        s.flush()
        world = ChaseWorld(
            plan.id,
            survey.id,
            {k: p.id for k, p in people.items()},
            {k: p.email for k, p in people.items()},
            {k: t.id for k, t in teams.items()},
        )
        for code, n in STAFF.items():
            s.add(SurveyTeam(survey_id=survey.id, team_id=teams[code].id, eligible=n))
            rows = [
                {
                    "organisation_id": org.id,
                    "team_id": teams[code].id,
                    "email": f"staff.{code.lower()}{i}@org.example",
                    "staff_group": "Nursing",
                }
                for i in range(1, n + 1)
            ]
            ids = list(s.scalars(insert(StaffMember).returning(StaffMember.id), rows))
            world.staff[code] = ids
            world.staff_email.update({sid: r["email"] for sid, r in zip(ids, rows, strict=True)})
            s.execute(
                insert(SurveyInvitation),
                [
                    {
                        "survey_id": survey.id,
                        "staff_member_id": sid,
                        "team_id": teams[code].id,
                        "token_hash": token_hash(token_for(invitation_ref(survey.id, sid))),
                    }
                    for sid in ids
                ],
            )
    return world


def answer(world: ChaseWorld, staff_member_id: int, on: date) -> None:
    """What the intake does to the counters when an invitee answers."""
    with session_scope() as s:
        team_id = s.scalar(
            update(SurveyInvitation)
            .where(SurveyInvitation.survey_id == world.survey_id, SurveyInvitation.staff_member_id == staff_member_id)
            .values(used=True)
            .returning(SurveyInvitation.team_id)
        )
        stmt = upsert_adding(s, SurveyTeamDay, ["survey_id", "team_id", "day"], "responses")
        s.execute(stmt, [{"survey_id": world.survey_id, "team_id": team_id, "day": on, "responses": 1}])


def open_round(world: ChaseWorld, deadline: datetime, version: int = 1) -> int:
    """A sign-off round of the plan with this deadline."""
    with session_scope() as s:
        rnd = SignOffRound(plan_id=world.plan_id, version=version, content_hash="x" * 64, deadline=deadline)
        s.add(rnd)
        s.flush()
        return rnd.id
