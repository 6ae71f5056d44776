"""Moving plans: one step of the lifecycle, coordinators' gate overrides and explicit moves, waking
the lifecycle flow after a decision, and finding plans that need a run.

Every move is a compare-and-set on the plan row plus a stage entry whose (plan, entry number) is
unique, so two runs racing on one plan record the move once and the loser changes nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from plans import orchestration
from plans.db import after_commit
from plans.domain.errors import AlreadyDecided, GateBlocked, NotFound, OverrideRefused
from plans.domain.facts import PlanFacts
from plans.domain.gates import gate_reasons, override_reason_problem
from plans.domain.lifecycle import Blocked, Move, check_move, decide, needs_run
from plans.domain.stages import Stage
from plans.models import GateOverride, Plan, Role, SignOffRound
from plans.repositories.audit import AuditRepository
from plans.repositories.facts import FactsRepository
from plans.repositories.plans import PlanRepository
from plans.repositories.signoff import SignOffRepository
from plans.services.actors import SYSTEM, Actor


@dataclass
class StepResult:
    """What one lifecycle step did to a plan."""

    plan_id: int
    stage: str
    version: int
    moved: bool
    source: str | None = None
    via: str | None = None
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_plan(session: Session, plan_id: int, *, lock: bool = False) -> Plan:
    """The plan, or ``NotFound``."""
    repo = PlanRepository(session)
    plan = repo.get_for_update(plan_id) if lock else repo.get(plan_id)
    if plan is None:
        raise NotFound(f"plan {plan_id} does not exist")
    return plan


def facts_for(session: Session, plan_id: int, now: datetime) -> PlanFacts:
    """The gates' view of one plan."""
    facts = FactsRepository(session).load([plan_id], now).get(plan_id)
    if facts is None:
        raise NotFound(f"plan {plan_id} does not exist")
    return facts


def _outcome(session: Session, plan: Plan, now: datetime) -> tuple[Move | Blocked, GateOverride | None]:
    """What the plan's facts call for now, and the override that would be used for it."""
    override = PlanRepository(session).pending_override(plan.id, plan.stage_entry_no)
    return decide(facts_for(session, plan.id, now), override_pending=override is not None), override


def step(session: Session, *, plan_id: int, now: datetime, actor: Actor = SYSTEM) -> StepResult:
    """Make the one move the plan's facts call for, if any; a plan that cannot move stays, with reasons."""
    plan = load_plan(session, plan_id, lock=True)
    outcome, override = _outcome(session, plan, now)
    if isinstance(outcome, Blocked):
        return StepResult(plan.id, plan.stage.value, plan.version, False, reasons=list(outcome.reasons))
    return _apply(session, plan, outcome, now, actor, override)


def _apply(
    session: Session, plan: Plan, move: Move, now: datetime, actor: Actor, override: GateOverride | None
) -> StepResult:
    entry_no = plan.stage_entry_no
    if not PlanRepository(session).move(plan, move.target, now):
        # another run moved this plan since we read it: nothing to do, the next step re-reads
        session.expire(plan)
        return StepResult(plan.id, plan.stage.value, plan.version, False, reasons=["moved by a concurrent run"])
    PlanRepository(session).add_entry(plan, move.via, now)
    if move.via == "override" and override is not None:
        override.used_at = now
    if move.via == "changes_requested":
        _close_round(session, plan.id, plan.version, "changes_requested", now)
    if move.source is Stage.SIGN_OFF and move.target is Stage.DELIVERY:
        _close_round(session, plan.id, plan.version, "approved", now)
    AuditRepository(session).record(
        plan_id=plan.id,
        kind="stage_changed",
        actor=actor.label,
        actor_id=actor.person_id,
        plan_version=plan.version,
        at=now,
        data={
            "from": move.source.value,
            "to": move.target.value,
            "via": move.via,
            "overridden_reasons": list(move.overridden_reasons),
        },
        dedupe_key=f"plan:{plan.id}:entry:{entry_no + 1}",
    )
    return StepResult(plan.id, plan.stage.value, plan.version, True, move.source.value, move.via)


def _close_round(session: Session, plan_id: int, version: int, outcome: str, now: datetime) -> None:
    rnd: SignOffRound | None = SignOffRepository(session).round_for(plan_id, version)
    if rnd is not None and rnd.closed_at is None:
        rnd.closed_at, rnd.outcome = now, outcome


def override_gate(session: Session, *, plan_id: int, actor: Actor, reason: str | None, now: datetime) -> GateOverride:
    """Record a coordinator's written override of the plan's current gate; the next step uses it."""
    actor.require(Role.COORDINATOR, "overriding a gate")
    problem = override_reason_problem(reason)
    if problem:
        raise OverrideRefused(f"reason: {problem}")
    plans = PlanRepository(session)
    plan = load_plan(session, plan_id, lock=True)
    if plan.stage is Stage.CLOSED:
        raise OverrideRefused("the plan is closed; there is no gate to override")
    reasons = gate_reasons(facts_for(session, plan_id, now))
    if not reasons:
        raise OverrideRefused(f"the {plan.stage.value} gate already passes; there is nothing to override")
    existing = plans.pending_override(plan.id, plan.stage_entry_no)
    if existing is not None:
        if existing.reason == (reason or "").strip():  # the same override sent again: already recorded
            return existing
        raise AlreadyDecided(
            f"the {plan.stage.value} gate of plan {plan.id} is already overridden (reason: {existing.reason!r}); "
            "the plan moves on at the next lifecycle run"
        )
    override = plans.add_override(
        GateOverride(
            plan_id=plan.id,
            entry_no=plan.stage_entry_no,
            stage=plan.stage,
            version=plan.version,
            reason=(reason or "").strip(),
            overridden_reasons=reasons,
            by_id=actor.person_id,
            at=now,
        )
    )
    event = AuditRepository(session).record(
        plan_id=plan.id,
        kind="gate_overridden",
        actor=actor.label,
        actor_id=actor.person_id,
        plan_version=plan.version,
        at=now,
        data={"stage": plan.stage.value, "reason": override.reason, "overridden_reasons": reasons},
        dedupe_key=f"plan:{plan.id}:override:{plan.stage_entry_no}",
    )
    wake_if_ready(session, plan_id=plan.id, cause=f"event-{event.id}", now=now)
    return override


def request_move(session: Session, *, plan_id: int, target: Stage, actor: Actor, now: datetime) -> StepResult:
    """An explicit request to move a plan to ``target``: refused with the table's reason when illegal,
    and with the gate's reasons when the gate does not pass (override it first)."""
    actor.require(Role.COORDINATOR, "moving a plan")
    plan = load_plan(session, plan_id, lock=True)
    check_move(plan.stage, target)
    outcome, override = _outcome(session, plan, now)
    if isinstance(outcome, Blocked):
        raise GateBlocked(plan.stage.value, list(outcome.reasons))
    if outcome.target is not target:
        raise GateBlocked(plan.stage.value, [f"the plan's facts call for a move to {outcome.target.value} instead"])
    return _apply(session, plan, outcome, now, actor, override)


def wake_if_ready(session: Session, *, plan_id: int, cause: str, now: datetime) -> bool:
    """After a decision, start a lifecycle run once the transaction commits, but only if a run would
    change something: a decision that leaves the gate closed wakes nothing."""
    plan = load_plan(session, plan_id)
    override = PlanRepository(session).pending_override(plan.id, plan.stage_entry_no)
    if not needs_run(facts_for(session, plan_id, now), override_pending=override is not None):
        return False
    uid = plan.uid
    after_commit(session, lambda: orchestration.start_lifecycle_run(plan_id, uid, cause), once_per=f"wake-{plan_id}")
    return True


def plans_needing_a_run(session: Session, *, now: datetime) -> list[int]:
    """Open plans for which a lifecycle run would do something: a move or the flow's own work."""
    plans = PlanRepository(session)
    ids = plans.open_plan_ids()
    facts = FactsRepository(session).load(ids, now)
    overridden = plans.plans_with_pending_override(ids)
    return [pid for pid in ids if needs_run(facts[pid], override_pending=pid in overridden)]


@dataclass
class Reconciled:
    """What one reconcile pass did: plans started, runs presumed dead (marked so in Prefect), and plans
    whose scheduled run no worker has taken (a pool with no worker: for a person to see, not to repair)."""

    started: list[int] = field(default_factory=list)
    presumed_dead: list[str] = field(default_factory=list)
    waiting_for_worker: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[Any]]:
        return asdict(self)


def restart_stalled(session: Session, *, now: datetime) -> Reconciled:
    """Start a lifecycle run for every plan that needs one and has none in flight (a lost wake-up, a
    crashed run, a survey whose end date passed). A run pending or running past the stale bound is
    presumed dead (its worker and process were killed, so nothing will ever report it ended): it is marked
    so in Prefect and no longer holds its plan back, and the fresh run is keyed by the dead run, so two
    reconcilers at once start one."""
    done = Reconciled()
    if not orchestration.prefect_configured():
        return done
    in_flight = orchestration.lifecycle_runs_in_flight(now)
    restart_key: dict[str, str] = {}
    for run in (r for r in in_flight if r.verdict == "dead"):
        orchestration.mark_dead(run, now)  # refused only if the run ended meanwhile: over either way
        done.presumed_dead.append(str(run.id))
        restart_key[run.plan_uid] = f"after-{run.id}"
    busy = {r.plan_uid for r in in_flight if r.verdict != "dead"}
    late = {r.plan_uid for r in in_flight if r.verdict == "late"}
    needing = plans_needing_a_run(session, now=now)
    for plan in PlanRepository(session).list_by_ids(needing):
        if plan.uid in late:
            done.waiting_for_worker.append(plan.id)
        if plan.uid in busy:
            continue
        key = restart_key.get(plan.uid, f"reconcile-{now:%Y%m%dT%H%M}")
        if orchestration.start_lifecycle_run(plan.id, plan.uid, key):
            done.started.append(plan.id)
    return done
