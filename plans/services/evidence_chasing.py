"""The daily chase of evidence owners (part of ``plans.services.chasing.chase``).

First the asking itself, as a safety net: owners of every plan in delivery whose checkpoint's window
has opened are asked if no lifecycle run has asked them yet. Then each request past its due day climbs
``settings.evidence_ladder`` (a reminder, another, then an escalation to the plan's coordinator), one
rung a day at most, through the same chase rows (topic ``evidence``) and per-person daily letters as
the survey and sign-off chases. A request answered, a checkpoint recorded or a plan that has moved on
resolves its chase. Running the chase twice the same day writes nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from plans.config import settings
from plans.domain.chasing_config import Rung
from plans.domain.delivery import chase_starts_on
from plans.domain.ladder import ChaseState, due_rung, rung_label
from plans.repositories.chasing import ChasingRepository
from plans.repositories.delivery import EVIDENCE, DeliveryRepository
from plans.services.chase_letters import Letters, link
from plans.services.evidence_requests import ask_everywhere


@dataclass
class EvidenceChaseResult:
    asked: int = 0  # requests made (each with its email)
    climbed: int = 0
    resolved: int = 0
    reminders: int = 0
    escalations: int = 0


def evidence_subject(request_id: int) -> str:
    """The chase subject of one evidence request."""
    return f"evidence-request:{request_id}"


def chase_evidence(session: Session, *, today: date, now: datetime) -> EvidenceChaseResult:
    """Ask whoever is due to be asked, then chase every overdue request up the evidence ladder."""
    result = EvidenceChaseResult(asked=ask_everywhere(session, now=now))
    chasing = ChasingRepository(session)
    ladder = settings.evidence_ladder
    overdue = {evidence_subject(r.request_id): r for r in DeliveryRepository(session).overdue(today)}
    known = {subject: (cid, step, last, done) for cid, subject, step, last, done in chasing.chases(EVIDENCE)}
    result.resolved = chasing.resolve(
        [cid for subject, (cid, _, _, done) in known.items() if done is None and subject not in overdue], today
    )
    owners = Letters("evidence_chase", "evidence_chase", "evidence-chase")
    coordinators = Letters("evidence_escalation", "evidence_chase", "evidence-escalation")
    steps: list[dict[str, Any]] = []
    for subject, late in overdue.items():
        _, step, last, done = known.get(subject, (None, 0, None, None))
        if done is not None:
            continue  # a request is chased once; answered or not, a resolved chase stays resolved
        rung = due_rung(ladder, ChaseState(step, last, chase_starts_on(late.due_on)), today)
        if rung is None:
            continue
        steps.append(
            {
                "subject": subject,
                "plan_id": late.plan_id,
                "person_id": late.owner.id,
                "step": rung + 1,
                "last_step_on": today,
            }
        )
        item = {
            "plan": late.plan_title,
            "number": late.number,
            "due_on": f"{late.due_on:%-d %B %Y}",
            "days_overdue": (today - late.due_on).days,
            "owner": late.owner.name,
            "action": ladder[rung].action.value,
            "label": rung_label(ladder, rung),
            "escalated_to": late.coordinator.name,
            "link": link(f"/plans/{late.plan_id}/evidence"),
            "overview": link(f"/plans/{late.plan_id}/delivery"),
        }
        owners.add(late.owner, subject, rung, item)
        if ladder[rung].action is Rung.ESCALATE:
            coordinators.add(late.coordinator, subject, rung, item)
    chasing.save_steps(EVIDENCE, steps)
    result.climbed = len(steps)
    result.reminders = owners.write(session, today=today, now=now, escalation=False)
    result.escalations = coordinators.write(session, today=today, now=now, escalation=True)
    return result
