"""Where each person starts: coordinators on the dashboard, managers and approvers in their inbox,
panel members on the panel's page, evidence owners on their evidence requests, working party members on
their vision pages."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from plans.models import Capacity, Role
from plans.repositories.delivery import DeliveryRepository
from plans.repositories.plans import PlanRepository


def start_page(session: Session, *, person_id: int, roles: Iterable[Role]) -> str:
    """The path of the person's start page."""
    held = set(roles)
    if held & {Role.COORDINATOR, Role.ADMIN}:
        return "/plans"
    repo = PlanRepository(session)
    if held & {Role.MANAGER, Role.APPROVER} or repo.plans_of_member(person_id, Capacity.APPROVER):
        return "/inbox"
    if Role.CITIZEN_PANEL in held or repo.plans_of_member(person_id, Capacity.CITIZEN_PANEL):
        return "/panel"
    if DeliveryRepository(session).asked_anywhere(person_id):
        return "/evidence"
    return "/vision"
