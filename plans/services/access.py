"""The facts the access rules need about one request's object: the person's capacities in the plan a
route names, or whether they manage the team it names. The rules themselves are pure
(plans/domain/access.py); this only looks the facts up."""

from __future__ import annotations

from sqlalchemy.orm import Session

from plans.domain.access import OBJECT_RULES, PLAN_CAPACITY, Relation, Rule
from plans.repositories.delivery import DeliveryRepository
from plans.repositories.people import PeopleRepository
from plans.repositories.plans import PlanRepository


def relation(session: Session, *, rule: Rule, person_id: int, params: dict[str, str]) -> Relation | None:
    """How the person relates to the object named by the route's ``plan_id`` or ``team_id``."""
    if rule not in OBJECT_RULES:
        return None
    key = "team_id" if rule is Rule.TEAM_MANAGER else "plan_id"
    try:
        object_id = int(params[key])
    except (KeyError, ValueError):
        return Relation(exists=False)
    if rule is Rule.TEAM_MANAGER:
        manages = PeopleRepository(session).manages(person_id, object_id)
        return Relation(exists=manages is not None, manages=bool(manages))
    repo = PlanRepository(session)
    if repo.get(object_id) is None:
        return Relation(exists=False)
    capacities = {c.value for c in repo.capacities(object_id, person_id)}
    if rule is Rule.PLAN_EVIDENCE_OWNER and DeliveryRepository(session).owns_objective(object_id, person_id):
        capacities.add(PLAN_CAPACITY[rule])  # an objective's owner is asked for evidence without being named
    return Relation(capacities=frozenset(capacities))
