"""The investment ledger: staff time (hours x rate), direct costs and in-kind contributions, with totals.

Part of the plan document approvers sign off, so every edit goes through ``begin_edit`` (an edit after
sending makes a new version). The ledger is saved as a whole, all or nothing: every bad field of every
line is named at once and nothing is written until all of them are right.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from plans.domain import investment as rules
from plans.domain.lifecycle import EDITABLE_STAGES
from plans.models import InvestmentItem, InvestmentKind
from plans.repositories.investment import InvestmentRepository
from plans.schemas_signoff import ActivityChoice, InvestmentItemIn, InvestmentLineOut, LedgerView, TotalsOut
from plans.services.actors import Actor
from plans.services.audit_trail import record_and_wake
from plans.services.lifecycle import load_plan
from plans.services.plan_document import begin_edit


def _line(item: InvestmentItem) -> rules.LineIn:
    return rules.LineIn(
        kind=item.kind.value,
        description=item.description,
        contributor=item.contributor,
        hours=item.hours,
        rate_pence=item.rate_pence,
        amount_pence=item.amount_pence,
        activity_id=item.activity_id,
    )


def totals_out(totals: rules.Totals) -> TotalsOut:
    """The totals in pence and as money."""
    return TotalsOut(
        staff_time_pence=totals.staff_time,
        direct_cost_pence=totals.direct_cost,
        in_kind_pence=totals.in_kind,
        cash_pence=totals.cash,
        overall_pence=totals.overall,
        staff_time=rules.pounds(totals.staff_time),
        direct_cost=rules.pounds(totals.direct_cost),
        in_kind=rules.pounds(totals.in_kind),
        cash=rules.pounds(totals.cash),
        overall=rules.pounds(totals.overall),
    )


def lines(session: Session, *, plan_id: int) -> tuple[list[InvestmentLineOut], TotalsOut]:
    """The ledger's lines with what each costs, and its totals."""
    repo = InvestmentRepository(session)
    activities = repo.activities(plan_id)
    items = repo.items(plan_id)
    out = []
    for item in items:
        line = _line(item)
        pence = rules.line_pence(line)
        out.append(
            InvestmentLineOut(
                id=item.id,
                kind=item.kind.value,
                kind_label=rules.KINDS[item.kind.value],
                description=item.description,
                contributor=item.contributor,
                hours=item.hours,
                rate_pence=item.rate_pence,
                amount_pence=item.amount_pence,
                activity_id=item.activity_id,
                activity=activities.get(item.activity_id) if item.activity_id is not None else None,
                pence=pence,
                cost=rules.pounds(pence),
            )
        )
    return out, totals_out(rules.totals([_line(i) for i in items]))


def ledger(session: Session, *, plan_id: int) -> LedgerView:
    """The ledger page's and the API's view: lines, totals, and the activities a line may pay for."""
    plan = load_plan(session, plan_id)
    found, totals = lines(session, plan_id=plan_id)
    return LedgerView(
        plan_id=plan.id,
        title=plan.title,
        stage=plan.stage.value,
        version=plan.version,
        editable=plan.stage in EDITABLE_STAGES,
        lines=found,
        totals=totals,
        activities=[
            ActivityChoice(id=i, title=t) for i, t in InvestmentRepository(session).activities(plan_id).items()
        ],
    )


def set_ledger(
    session: Session, *, plan_id: int, actor: Actor, items: Sequence[InvestmentItemIn], now: datetime
) -> int:
    """Replace the ledger with ``items``, all or nothing; returns the plan's version after the edit."""
    plan = begin_edit(session, plan_id=plan_id, actor=actor, now=now, what="editing the investment ledger")
    repo = InvestmentRepository(session)
    given = [
        rules.LineIn(
            kind=i.kind,
            description=i.description,
            contributor=i.contributor,
            hours=i.hours,
            rate_pence=i.rate_pence,
            amount_pence=i.amount_pence,
            activity_id=i.activity_id,
        )
        for i in items
    ]
    rules.check_lines(given, repo.activities(plan.id).keys()).raise_if_any()
    repo.replace(
        plan.id,
        [
            InvestmentItem(
                kind=InvestmentKind(line.kind),
                description=line.description.strip(),
                contributor=line.contributor.strip(),
                hours=line.hours,
                rate_pence=line.rate_pence,
                amount_pence=line.amount_pence,
                activity_id=line.activity_id,
            )
            for line in given
        ],
    )
    total = rules.totals(given)
    record_and_wake(
        session,
        plan=plan,
        actor=actor,
        kind="investment_edited",
        now=now,
        data={"lines": len(given), "overall_pence": total.overall, "in_kind_pence": total.in_kind},
    )
    return plan.version
