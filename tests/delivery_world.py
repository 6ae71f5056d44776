"""A small world for the delivery tests: the small plan put straight into its delivery stage (its gates
have tests of their own), with one aim, two objectives owned by Tess and Tom, a learning activity, an
expectation in the register and its two formative checkpoints (2027-07-04 and 2028-01-04, six months
apart from a start on 2027-01-04). Building it by writing the rows takes a fraction of walking the plan
there, so each test can have a fresh one on both databases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from plans.db import session_scope
from plans.domain.stages import Stage
from plans.models import Aim, Expectation, LearningActivity, Objective, Plan
from plans.models.learning_plan import ActivityKind
from plans.repositories.people import PeopleRepository
from plans.services import stage_work
from plans.services.actors import Actor, actor_by_email
from tests.conftest import SMALL_PLAN
from tests.support import create

CORA, TESS, TOM, SUE, PAT = (
    "cora@small.example",
    "tess@small.example",
    "tom@small.example",
    "sue@small.example",
    "pat@citizens.example",
)
ASKING = datetime(2027, 6, 21, 9, tzinfo=UTC)  # checkpoint 1 (4 July) is 13 days away: inside the 14-day window
BEFORE = datetime(2027, 6, 1, 9, tzinfo=UTC)  # nobody is asked yet


@dataclass(frozen=True)
class World:
    plan_id: int
    objectives: tuple[int, int]  # Tess's, Tom's
    activity: int  # under Tess's objective
    expectation: int
    people: dict[str, int]  # person ids by email


def actor(email: str) -> Actor:
    with session_scope() as s:
        return actor_by_email(s, email)


def in_delivery(slug: str | None = None) -> World:
    """A fresh small plan (under ``slug`` if given) in delivery with its objectives and checkpoints."""
    plan_id, _ = create(SMALL_PLAN, slug)
    with session_scope() as s:
        ids = {e: p.id for e, p in PeopleRepository(s).people_by_email([CORA, TESS, TOM, SUE, PAT]).items()}
        plan = s.get(Plan, plan_id)
        assert plan is not None
        plan.stage = Stage.DELIVERY
        aim = Aim(plan_id=plan_id, title="Everyone closes the loop with citizens")
        s.add(aim)
        s.flush()
        objectives = [
            Objective(
                plan_id=plan_id,
                aim_id=aim.id,
                position=n,
                text=text,
                measure="Share of teams",
                baseline="10%",
                target="90%",
                owner_id=ids[owner],
                due_on=date(2027, 12, 31),
            )
            for n, (text, owner) in enumerate(
                [("Every team reports back to citizens", TESS), ("Managers coach co-production", TOM)]
            )
        ]
        s.add_all(objectives)
        s.flush()
        activity = LearningActivity(
            plan_id=plan_id,
            objective_id=objectives[0].id,
            title="Reporting back workshop",
            kind=ActivityKind.SKILLS,
            format="workshop",
            audience="team managers",
            starts_on=date(2027, 3, 1),
            ends_on=date(2027, 3, 1),
            capacity=20,
        )
        expectation = Expectation(
            plan_id=plan_id, stakeholder_id=ids[CORA], text="Staff rate the learning as useful", level=1
        )
        s.add_all([activity, expectation])
        s.flush()
        stage_work.run(s, plan_id=plan_id, now=BEFORE)  # schedules the checkpoints
        return World(plan_id, (objectives[0].id, objectives[1].id), activity.id, expectation.id, ids)
