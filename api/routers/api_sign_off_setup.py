"""JSON API for what the coordinator prepares before sign-off: the return-on-expectations register, the
investment ledger, and sending a version to the approvers with a deadline.

The same services as the pages. The register and the ledger are saved whole (PUT), all or nothing: a
refusal (422) names every bad field (``items[2].level``) and writes nothing; saving after the version
was sent makes a new version. Sending is refused (422) naming the deadline or each gate reason, and
(409) when the version is already out or the plan is past recommendations.
"""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import SessionDep
from api.permissions import CurrentPrincipal
from plans.models import utcnow
from plans.schemas_signoff import LedgerIn, LedgerView, RegisterIn, RegisterView, SendIn, SendView, SentOut
from plans.services import expectations, investment, plan_document, signoff

router = APIRouter(prefix="/api/v1", tags=["sign-off setup"])


@router.get("/plans/{plan_id}/expectations", response_model=RegisterView)
def api_expectations(plan_id: int, session: SessionDep) -> RegisterView:
    """The register: each key stakeholder's expectations (approvers first) with how each is measured, its
    Kirkpatrick level (1 reaction, 2 learning, 3 behaviour, 4 results) and target, and the stakeholders an
    expectation may be recorded for."""
    return expectations.register(session, plan_id=plan_id)


@router.put("/plans/{plan_id}/expectations", response_model=RegisterView)
def api_set_expectations(
    plan_id: int, body: RegisterIn, session: SessionDep, principal: CurrentPrincipal
) -> RegisterView:
    """Save the whole register: rows with an ``id`` are kept and edited, rows without one are added, rows
    left out are removed (those approvers added with their decision stay theirs)."""
    expectations.set_register(session, plan_id=plan_id, actor=principal.actor, items=body.items, now=utcnow())
    return expectations.register(session, plan_id=plan_id)


@router.get("/plans/{plan_id}/investment", response_model=LedgerView)
def api_investment(plan_id: int, session: SessionDep) -> LedgerView:
    """The investment ledger: each line with what it costs (staff time is hours x rate), and the totals
    by kind, in cash (staff time and direct costs), in kind, and overall; money in pence and in words."""
    return investment.ledger(session, plan_id=plan_id)


@router.put("/plans/{plan_id}/investment", response_model=LedgerView)
def api_set_investment(plan_id: int, body: LedgerIn, session: SessionDep, principal: CurrentPrincipal) -> LedgerView:
    """Replace the ledger with ``items`` (money in pence), all or nothing."""
    investment.set_ledger(session, plan_id=plan_id, actor=principal.actor, items=body.items, now=utcnow())
    return investment.ledger(session, plan_id=plan_id)


@router.get("/plans/{plan_id}/sign-off-request", response_model=SendView)
def api_sign_off_request(plan_id: int, session: SessionDep) -> SendView:
    """The version the coordinator would send and its content hash, whether it can go now (or why not),
    the version last sent with its deadline, and the window a deadline may fall in."""
    return signoff.send_view(session, plan_id=plan_id, now=utcnow())


@router.post("/plans/{plan_id}/sign-off-request", response_model=SentOut, status_code=201)
def api_send_for_sign_off(plan_id: int, body: SendIn, session: SessionDep, principal: CurrentPrincipal) -> SentOut:
    """Send the current version to the plan's approvers, to decide by the end of ``deadline`` (UTC):
    the version is frozen (a later edit makes a new one) and the lifecycle flow opens the round."""
    plan = signoff.send_for_sign_off(
        session, plan_id=plan_id, actor=principal.actor, deadline=body.deadline, now=utcnow()
    )
    return SentOut(
        plan_id=plan.id,
        version=plan.version,
        deadline=body.deadline,
        content_hash=plan_document.content_hash(session, plan.id),
    )
