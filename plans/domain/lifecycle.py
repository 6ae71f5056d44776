"""The pure core of moving a plan: what move its facts call for, how editing changes its version, and
how the audit log replays to the plan's current state.

Services apply what these functions decide; they never re-derive a rule of their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from plans.domain.errors import IllegalTransition, StageLocked
from plans.domain.facts import PlanFacts
from plans.domain.gates import changes_requested, gate_reasons
from plans.domain.stages import Stage, next_stage, refusal, transition

Via = Literal["gate", "override", "changes_requested"]


@dataclass(frozen=True)
class Move:
    """A stage change to make, and on what grounds."""

    source: Stage
    target: Stage
    via: Via
    overridden_reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Blocked:
    """The plan stays where it is, for these reasons."""

    stage: Stage
    reasons: tuple[str, ...]


def decide(f: PlanFacts, *, override_pending: bool) -> Move | Blocked:
    """The one move a plan's facts call for now: back to recommendations when changes were requested,
    forward when the gate passes or a coordinator's override stands, otherwise stay with reasons."""
    if f.stage is Stage.CLOSED:
        return Blocked(f.stage, ("the plan is closed",))
    if changes_requested(f):
        return Move(f.stage, Stage.RECOMMENDATIONS, "changes_requested")
    reasons = gate_reasons(f)
    target = next_stage(f.stage)
    assert target is not None
    if not reasons:
        return Move(f.stage, target, "gate")
    if override_pending:
        return Move(f.stage, target, "override", tuple(reasons))
    return Blocked(f.stage, tuple(reasons))


def work_due(f: PlanFacts) -> list[str]:
    """What the lifecycle flow itself has to do for this plan now (no person needs to act first)."""
    due: list[str] = []
    survey = {Stage.EVIDENCE_SURVEY: f.baseline, Stage.REPEAT_SURVEY: f.repeat}
    if f.stage in survey:
        s = survey[f.stage]
        if s is None:
            due.append(f"open the {'baseline' if f.stage is Stage.EVIDENCE_SURVEY else 'repeat'} survey")
        elif s.close_reason(f.now) is not None:
            due.append("close the survey")
    elif f.stage is Stage.SIGN_OFF and (f.sign_off is None or f.sign_off.round_version != f.version):
        due.append(f"send version {f.version} for sign-off")
    elif f.stage is Stage.DELIVERY and f.checkpoints_scheduled < f.checkpoints_planned:
        due.append("schedule the formative checkpoints")
    if any(s is not None and s.awaiting_analysis for s in (f.baseline, f.repeat)):
        due.append("analyse the closed survey")
    return due


def needs_run(f: PlanFacts, *, override_pending: bool) -> bool:
    """Whether a lifecycle run would change anything: a move is due or the flow has work to do."""
    return isinstance(decide(f, override_pending=override_pending), Move) or bool(work_due(f))


def check_move(source: Stage, target: Stage) -> None:
    """Raise ``IllegalTransition`` with the table's reason unless the move is in the table."""
    why = refusal(source, target)
    if why is not None:
        raise IllegalTransition(source.value, target.value, why)
    assert transition(source, target) is not None


@dataclass(frozen=True)
class VersionAfterEdit:
    version: int
    frozen: bool
    voids_pending_approvals: bool


EDITABLE_STAGES = (Stage.RECOMMENDATIONS, Stage.SIGN_OFF)


def edit_recommendations(stage: Stage, version: int, frozen: bool) -> VersionAfterEdit:
    """Editing the recommendations once a version has gone to sign-off makes a new version and voids
    the approvals pending on the old one; before that, edits change the draft in place."""
    if stage not in EDITABLE_STAGES:
        raise StageLocked(
            "recommendations can be edited only in the recommendations or sign_off stage "
            f"(the plan is in {stage.value})"
        )
    if not frozen:
        return VersionAfterEdit(version, False, False)
    return VersionAfterEdit(version + 1, False, True)


@dataclass(frozen=True)
class ReplayedState:
    stage: Stage
    version: int
    entries: int


class ReplayError(ValueError):
    """The audit log does not describe a legal history."""


def replay(events: Iterable[tuple[str, Mapping[str, Any]]]) -> ReplayedState:
    """Rebuild a plan's stage and version from its audit events, checking every stage change against
    the transition table. ``events`` are (kind, data) pairs in the order they were recorded."""
    state: ReplayedState | None = None
    for kind, data in events:
        if kind == "plan_created":
            if state is not None:
                raise ReplayError("plan_created recorded twice")
            state = ReplayedState(Stage(data["stage"]), int(data["version"]), 1)
        elif state is None:
            raise ReplayError(f"{kind} recorded before plan_created")
        elif kind == "stage_changed":
            source, target = Stage(data["from"]), Stage(data["to"])
            if source is not state.stage:
                raise ReplayError(f"stage_changed from {source.value} but the plan was in {state.stage.value}")
            why = refusal(source, target)
            if why is not None:
                raise ReplayError(why)
            state = ReplayedState(target, state.version, state.entries + 1)
        elif kind == "version_created":
            new = int(data["version"])
            if new != state.version + 1:
                raise ReplayError(f"version {new} follows version {state.version}")
            state = ReplayedState(state.stage, new, state.entries)
    if state is None:
        raise ReplayError("no plan_created event")
    return state
