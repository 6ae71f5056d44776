"""Shapes in and out for the co-production ladder: a record as given, a plan's ladder as the plan page,
the ladder page, the plan's JSON status and the API show it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from plans.domain.coproduction import MAX_NOTE, MIN_NOTE, Rung
from plans.domain.stages import Stage


class CoproductionIn(BaseModel):
    """Where one stage sat on the ladder, and why."""

    stage: Stage = Field(description="a stage the plan has reached or passed (not closed)")
    rung: Rung = Field(description="informing, consultation, engagement, co_design or co_production")
    note: str = Field(
        min_length=1, max_length=MAX_NOTE, description=f"why the stage sat there, in words (at least {MIN_NOTE})"
    )


class RungOut(BaseModel):
    """One rung of the ladder: its value, words, height (1 to 5) and whether it does things to, for
    or with people."""

    value: str
    label: str
    height: int
    meaning: str
    doing: str


class CoproductionRecordOut(BaseModel):
    """One record: the stage, the rung it sat on, the note, who recorded it (and whether they are on
    the working party as a citizen or staff), when, and on which plan version."""

    id: int
    stage: str
    stage_label: str
    rung: str
    rung_label: str
    height: int
    doing: str = Field(description='"to", "for" or "with" people')
    note: str
    recorded_by: str
    recorded_by_kind: str | None = Field(description="citizen or staff on the working party; null otherwise")
    recorded_at: datetime
    plan_version: int


class StageLadderOut(BaseModel):
    """One stage on the ladder: the record that stands (the latest) and the earlier ones, newest first."""

    stage: str
    stage_label: str
    reached: bool
    current: CoproductionRecordOut | None
    earlier: list[CoproductionRecordOut]


class LadderOut(BaseModel):
    """A plan's ladder: every stage in order, the lowest and highest standing rungs, the stages done
    to, for and with people, and the stages reached but not yet recorded."""

    stages: list[StageLadderOut]
    lowest: RungOut | None = Field(description="the lowest rung a stage stands on; null before any record")
    highest: RungOut | None
    done_to: list[str]
    done_for: list[str]
    done_with: list[str]
    unrecorded: list[str]


class CoproductionView(BaseModel):
    """The ladder page: the plan, its ladder, the rungs to choose from and what the viewer may do."""

    plan_id: int
    title: str
    stage: str
    stage_label: str
    open: bool = Field(description="false once the plan is closed: the ladder is then read-only")
    ladder: LadderOut
    rungs: list[RungOut]
    recordable: list[str] = Field(description="the stages the viewer may record now")
    can_record: bool
    viewer_is_member: bool
