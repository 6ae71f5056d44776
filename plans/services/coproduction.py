"""The co-production ladder: the working party (or a coordinator) records where each stage of a plan
sat, from informing to co-production, with a note saying why; everyone who may see the plan reads the
ladder, so a programme can see whether it did things *with* people or *to* them.

Records are history: a new record for a stage stands in front of the earlier ones, which stay readable.
The rules (which stage may be recorded, what a note needs, the summary) are pure, in
plans/domain/coproduction.py; this module checks who is acting, writes and audits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from plans.domain.coproduction import Rating, Rung, StageRung, check_record, reached_stages, summarise
from plans.domain.errors import NotPermitted
from plans.domain.facts import MemberKind
from plans.domain.stages import Stage
from plans.models import Capacity, CoproductionRecord, Plan, Role
from plans.repositories.coproduction import CoproductionRepository
from plans.repositories.plans import PlanRepository
from plans.schemas_coproduction import (
    CoproductionRecordOut,
    CoproductionView,
    LadderOut,
    RungOut,
    StageLadderOut,
)
from plans.services.actors import Actor
from plans.services.audit_trail import record_and_wake
from plans.services.lifecycle import load_plan

COORDINATING = frozenset({Role.COORDINATOR, Role.ADMIN})


def _is_member(session: Session, plan: Plan, actor: Actor) -> bool:
    return actor.person_id is not None and PlanRepository(session).is_member(
        plan.id, actor.person_id, Capacity.WORKING_PARTY
    )


def may_record(session: Session, *, plan: Plan, actor: Actor) -> bool:
    """Coordinators and the plan's working party record the ladder; approvers and the panel read it."""
    return actor.person_id is not None and (bool(actor.roles & COORDINATING) or _is_member(session, plan, actor))


def record(
    session: Session,
    *,
    plan_id: int,
    actor: Actor,
    stage: Stage | str,
    rung: Rung | str,
    note: str,
    now: datetime,
) -> CoproductionRecord:
    """Record where a stage the plan has reached sat on the ladder, with a note saying why; the new
    record stands for the stage and the earlier ones stay in its history. Refused, with nothing
    written: someone neither coordinating nor on the working party (NotPermitted), a closed plan
    (StageLocked), an unknown stage or rung, a stage not reached yet, a note that does not say why
    (LadderProblems, every problem at once)."""
    plan = load_plan(session, plan_id)
    if not may_record(session, plan=plan, actor=actor):
        raise NotPermitted(
            f"the co-production ladder of plan {plan.id} is recorded by its working party or a coordinator; "
            f"{actor.label} is neither"
        )
    entered = CoproductionRepository(session).entered_stages(plan.id)
    found_stage, found_rung, words = check_record(
        stage=str(stage), rung=str(rung), note=note, current=plan.stage, entered=entered
    )
    assert actor.person_id is not None
    row = CoproductionRepository(session).add(
        CoproductionRecord(
            plan_id=plan.id,
            stage=found_stage,
            rung=found_rung,
            note=words,
            plan_version=plan.version,
            recorded_by_id=actor.person_id,
            recorded_at=now,
        )
    )
    record_and_wake(
        session,
        plan=plan,
        actor=actor,
        kind="coproduction_recorded",
        now=now,
        data={"record_id": row.id, "stage": found_stage.value, "rung": found_rung.value, "note": words},
    )
    return row


def _out(r: Rating, kinds: dict[int, MemberKind | None]) -> CoproductionRecordOut:
    kind = kinds.get(r.seq)
    return CoproductionRecordOut(
        id=r.seq,
        stage=r.stage.value,
        stage_label=r.stage.label,
        rung=r.rung.value,
        rung_label=r.rung.label,
        height=r.rung.height,
        doing=r.doing,
        note=r.note,
        recorded_by=r.recorded_by,
        recorded_by_kind=kind.value if kind is not None else None,
        recorded_at=r.recorded_at,
        plan_version=r.plan_version,
    )


def _rating(r: CoproductionRecord, name: str) -> Rating:
    return Rating(
        seq=r.id,
        stage=r.stage,
        rung=r.rung,
        note=r.note,
        recorded_at=r.recorded_at,
        recorded_by=name,
        plan_version=r.plan_version,
    )


def record_out(session: Session, *, record: CoproductionRecord) -> CoproductionRecordOut:
    """One record as the API returns it, with its recorder's name and working-party kind."""
    name, kind = CoproductionRepository(session).recorder(record.plan_id, record.recorded_by_id)
    return _out(_rating(record, name), {record.id: kind})


def _stage_out(row: StageRung, kinds: dict[int, MemberKind | None]) -> StageLadderOut:
    return StageLadderOut(
        stage=row.stage.value,
        stage_label=row.stage.label,
        reached=row.reached,
        current=_out(row.latest, kinds) if row.latest is not None else None,
        earlier=[_out(r, kinds) for r in row.history[1:]],
    )


def _ladder(session: Session, plan: Plan) -> LadderOut:
    repo = CoproductionRepository(session)
    rows = repo.records(plan.id)
    ratings = [_rating(r, name) for r, name, _ in rows]
    kinds = {r.id: kind for r, _, kind in rows}
    summary = summarise(ratings, current=plan.stage, entered=repo.entered_stages(plan.id))
    return LadderOut(
        stages=[_stage_out(row, kinds) for row in summary.stages],
        lowest=_rung(summary.lowest) if summary.lowest else None,
        highest=_rung(summary.highest) if summary.highest else None,
        done_to=[s.value for s in summary.by_doing["to"]],
        done_for=[s.value for s in summary.by_doing["for"]],
        done_with=[s.value for s in summary.by_doing["with"]],
        unrecorded=[s.value for s in summary.unrecorded],
    )


def ladder(session: Session, *, plan_id: int) -> LadderOut:
    """The plan's ladder: each stage's standing record with its history, and the summary."""
    return _ladder(session, load_plan(session, plan_id))


def _rung(r: Rung) -> RungOut:
    return RungOut(value=r.value, label=r.label, height=r.height, meaning=r.meaning, doing=r.doing)


def rungs() -> list[RungOut]:
    """The ladder's rungs from the bottom (informing) to the top (co-production)."""
    return [_rung(r) for r in Rung]


def coproduction_view(session: Session, *, plan_id: int, actor: Actor) -> CoproductionView:
    """The ladder page's data: the plan's ladder, the rungs, and what the viewer may record."""
    plan = load_plan(session, plan_id)
    can_record = plan.stage is not Stage.CLOSED and may_record(session, plan=plan, actor=actor)
    entered = CoproductionRepository(session).entered_stages(plan.id)
    return CoproductionView(
        plan_id=plan.id,
        title=plan.title,
        stage=plan.stage.value,
        stage_label=plan.stage.label,
        open=plan.stage is not Stage.CLOSED,
        ladder=_ladder(session, plan),
        rungs=rungs(),
        recordable=[s.value for s in reached_stages(plan.stage, entered)] if can_record else [],
        can_record=can_record,
        viewer_is_member=_is_member(session, plan, actor),
    )
