"""The return-on-expectations register: what each key stakeholder expects the plan to achieve, how it
will be measured, at which Kirkpatrick level, and the target.

The register is part of the plan document approvers sign off, so the coordinator edits it through
``begin_edit`` like any other part (an edit after sending makes a new version). Approvers add their own
expectations with their sign-off decision (``plans.services.signoff.decide``): those carry the round
they were added in, stay outside the content hash, and do not change the version the other approvers
are deciding on. All of them are judged in the summative evaluation (``evaluation.judge_expectation``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from plans.domain.errors import NotPermitted, StageLocked
from plans.domain.expectations import ExpectationFields, check_expectations, level_label
from plans.domain.field_problems import Problems
from plans.domain.lifecycle import EDITABLE_STAGES
from plans.domain.stages import Stage
from plans.models import Capacity, Expectation, Plan, Role
from plans.repositories.expectations import ExpectationsRepository, RegisterRow
from plans.repositories.plans import PlanRepository
from plans.schemas_signoff import ExpectationIn, ExpectationOut, RegisterView, StakeholderExpectationIn, StakeholderOut
from plans.services.actors import Actor
from plans.services.audit_trail import record_and_wake
from plans.services.lifecycle import load_plan
from plans.services.plan_document import begin_edit, begin_edit_as

CAPACITY_WORDS = {"approver": "approver", "working_party": "working party", "citizen_panel": "citizen panel"}


def expectation_rows(session: Session, plan_id: int) -> list[ExpectationOut]:
    """Every expectation of the plan, approvers' first (by name), then other stakeholders' (by name)."""
    repo = ExpectationsRepository(session)
    approvers = repo.approver_ids(plan_id)
    rows = sorted(
        repo.rows(plan_id),
        key=lambda r: (r.expectation.stakeholder_id not in approvers, r.stakeholder, r.expectation.id),
    )
    return [_out(r, approvers) for r in rows]


def _out(row: RegisterRow, approvers: set[int]) -> ExpectationOut:
    e = row.expectation
    return ExpectationOut(
        id=e.id,
        stakeholder_id=e.stakeholder_id,
        stakeholder=row.stakeholder,
        approver=e.stakeholder_id in approvers,
        text=e.text,
        measure=e.measure,
        level=e.level,
        level_label=level_label(e.level),
        target=e.target,
        added_by=row.added_by,
        added_with_decision_on_version=row.round_version,
        judgement=e.judgement.value if e.judgement else None,
    )


def register(session: Session, *, plan_id: int) -> RegisterView:
    """The register with the stakeholders an expectation may be recorded for (approvers first)."""
    plan = load_plan(session, plan_id)
    repo = ExpectationsRepository(session)
    approvers = repo.approver_ids(plan_id)
    stakeholders = sorted(repo.stakeholders(plan_id).items(), key=lambda item: item[0] not in approvers)
    return RegisterView(
        plan_id=plan.id,
        title=plan.title,
        stage=plan.stage.value,
        version=plan.version,
        editable=plan.stage in EDITABLE_STAGES,
        expectations=expectation_rows(session, plan_id),
        stakeholders=[
            StakeholderOut(person_id=pid, name=name, capacities=[CAPACITY_WORDS.get(c, c) for c in caps])
            for pid, (name, caps) in stakeholders
        ],
    )


def _fields(item: ExpectationIn) -> ExpectationFields:
    return ExpectationFields(item.text, item.measure, item.level, item.target)


def _row(plan_id: int, stakeholder_id: int, item: ExpectationFields, actor: Actor, now: datetime) -> Expectation:
    assert item.level is not None
    return Expectation(
        plan_id=plan_id,
        stakeholder_id=stakeholder_id,
        text=item.text.strip(),
        measure=item.measure.strip(),
        level=item.level,
        target=item.target.strip(),
        added_by_id=actor.person_id,
        created_at=now,
    )


def set_register(
    session: Session, *, plan_id: int, actor: Actor, items: Sequence[StakeholderExpectationIn], now: datetime
) -> int:
    """Save the whole register as the coordinator gives it: rows with an id are edited, new rows added,
    register rows left out removed; every bad field is named at once and nothing is written. Returns the
    plan's version after the edit (a new one if the version had been sent for sign-off)."""
    plan = begin_edit(session, plan_id=plan_id, actor=actor, now=now, what="editing the expectations register")
    repo = ExpectationsRepository(session)
    problems = check_expectations([_fields(i) for i in items], prefix="items")
    people = repo.stakeholders(plan.id)
    for index, item in enumerate(items):
        if item.stakeholder_id not in people:
            problems.add(f"items[{index}].stakeholder_id", _not_a_stakeholder(item.stakeholder_id, plan))
    existing = {e.id: e for e in repo.register(plan.id)}
    seen: set[int] = set()
    for index, item in enumerate(items):
        if item.id is not None and (item.id not in existing or item.id in seen):
            why = "is listed twice" if item.id in seen else "is not in this plan's register"
            problems.add(f"items[{index}].id", f"expectation {item.id} {why}")
        if item.id is not None:
            seen.add(item.id)
    problems.raise_if_any()
    removed = [eid for eid in existing if eid not in seen]
    repo.remove(plan.id, removed)
    added = edited = 0
    for item in items:
        if item.id is None:
            repo.add(_row(plan.id, item.stakeholder_id, _fields(item), actor, now))
            added += 1
            continue
        row = existing[item.id]
        new = (item.stakeholder_id, item.text.strip(), item.measure.strip(), item.level, item.target.strip())
        if new != (row.stakeholder_id, row.text, row.measure, row.level, row.target):
            row.stakeholder_id, row.text, row.measure, row.level, row.target = new
            edited += 1
    session.flush()
    record_and_wake(
        session,
        plan=plan,
        actor=actor,
        kind="expectations_edited",
        now=now,
        data={"added": added, "edited": edited, "removed": len(removed), "count": len(items)},
    )
    return plan.version


def _not_a_stakeholder(person_id: int, plan: Plan) -> str:
    return f"person {person_id} is not a member or the coordinator of plan {plan.id}"


def add_expectation(
    session: Session,
    *,
    plan_id: int,
    actor: Actor,
    text: str,
    measure: str,
    level: int,
    target: str,
    now: datetime,
    stakeholder_id: int | None = None,
) -> Expectation:
    """Add one expectation to the register: a coordinator's for any key stakeholder (themselves when
    ``stakeholder_id`` is None); an approver's own while the plan is still being drafted (once it is
    sent, approvers add theirs with their decision)."""
    item = ExpectationFields(text, measure, level, target)
    if Role.COORDINATOR in actor.roles or Role.ADMIN in actor.roles:
        plan = begin_edit(session, plan_id=plan_id, actor=actor, now=now, what="adding to the expectations register")
    else:
        plan = _approver_drafting(session, plan_id, actor, stakeholder_id)
        plan = begin_edit_as(session, plan_id=plan.id, actor=actor, now=now)
    holder = stakeholder_id if stakeholder_id is not None else actor.person_id
    if holder is None:
        raise NotPermitted(f"{actor.label} cannot hold an expectation: name the stakeholder")
    problems = check_expectations([item], prefix="expectations")
    if holder not in ExpectationsRepository(session).stakeholders(plan.id):
        problems.add("expectations[0].stakeholder_id", _not_a_stakeholder(holder, plan))
    problems.raise_if_any()
    row = ExpectationsRepository(session).add(_row(plan.id, holder, item, actor, now))
    record_and_wake(
        session,
        plan=plan,
        actor=actor,
        kind="expectation_added",
        now=now,
        data={"expectation_id": row.id, "stakeholder_id": holder, "text": row.text, "level": level},
    )
    return row


def _approver_drafting(session: Session, plan_id: int, actor: Actor, stakeholder_id: int | None) -> Plan:
    plan = load_plan(session, plan_id)
    if actor.person_id is None or not PlanRepository(session).is_member(plan.id, actor.person_id, Capacity.APPROVER):
        raise NotPermitted(f"expectations are added by the plan's approvers or a coordinator, not {actor.label}")
    if stakeholder_id not in (None, actor.person_id):
        raise NotPermitted("an approver adds their own expectations; the coordinator records other stakeholders'")
    if plan.stage is not Stage.RECOMMENDATIONS or plan.version_frozen:
        raise StageLocked(
            f"version {plan.version} of plan {plan.id} has been sent for sign-off: add your expectations with "
            "your decision on it"
        )
    return plan


def add_with_decision(
    session: Session, *, plan: Plan, actor: Actor, round_id: int, items: Sequence[ExpectationIn], now: datetime
) -> list[Expectation]:
    """An approver's own expectations, added with their decision on a round (checked by the caller,
    who has locked the plan): outside the register's content hash, so no new version."""
    assert actor.person_id is not None
    repo = ExpectationsRepository(session)
    rows = []
    for item in items:
        row = _row(plan.id, actor.person_id, _fields(item), actor, now)
        row.round_id = round_id
        rows.append(repo.add(row))
    return rows


def check_decision_expectations(items: Sequence[ExpectationIn]) -> Problems:
    """The field problems of expectations an approver adds with a decision (``expectations[i].text``)."""
    return check_expectations([_fields(i) for i in items], prefix="expectations")
