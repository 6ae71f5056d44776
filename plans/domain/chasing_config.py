"""How a survey chases: invitee reminders, the managers' escalation ladder, the weekly league table and
the reward for full teams. Configuration, validated here and stored with the survey's definition (the
``chasing:`` section of a survey YAML); every field has the default the seed programmes used."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Rung(StrEnum):
    """One step up the ladder for a manager whose team is below target."""

    REMIND = "remind"  # a chase to the team's manager
    ESCALATE = "escalate"  # a chase to the manager's line manager (the parent team's manager), copied to the manager
    NAME = "name"  # the team is named in the weekly league table sent to the leadership group


class Weekday(StrEnum):
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"


class InviteeReminders(_Strict):
    """Reminders to invitees who have not answered: at most ``max``, at least ``min_days_apart`` days
    after the invitation or the previous reminder."""

    max: int = Field(default=2, ge=0, le=10)
    min_days_apart: int = Field(default=7, ge=1, le=60)


class LadderStep(_Strict):
    """A rung, taken ``after_days`` days after the previous one (the first: after the survey opened)."""

    action: Rung
    after_days: int = Field(ge=0, le=120)


def _default_ladder() -> tuple[LadderStep, ...]:
    return (
        LadderStep(action=Rung.REMIND, after_days=7),
        LadderStep(action=Rung.REMIND, after_days=5),
        LadderStep(action=Rung.ESCALATE, after_days=5),
        LadderStep(action=Rung.NAME, after_days=2),
    )


class LeagueTable(_Strict):
    """The weekly league table: teams ranked by response rate, sent on ``weekday`` to the leadership
    group (the listed addresses; when empty, the plan's approvers and coordinator)."""

    weekday: Weekday = Weekday.MONDAY
    leadership: tuple[EmailStr, ...] = ()


class Reward(_Strict):
    """Recognition for teams that reach ``at_rate`` (1.0: every eligible person answered), once each."""

    at_rate: float = Field(default=1.0, gt=0, le=1)
    min_eligible: int = Field(default=1, ge=1, description="teams smaller than this are not recognised")
    message: str = Field(
        default=(
            "Every eligible member of your team has answered the survey. Thank you: your team's voice counts in full."
        ),
        min_length=1,
        max_length=1000,
    )


class ChasingConfig(_Strict):
    invitee_reminders: InviteeReminders = InviteeReminders()
    manager_ladder: tuple[LadderStep, ...] = Field(default_factory=_default_ladder)
    league_table: LeagueTable = LeagueTable()
    reward: Reward = Reward()

    @model_validator(mode="after")
    def _ladder_climbs(self) -> ChasingConfig:
        if len(self.manager_ladder) > 10:
            raise ValueError("manager_ladder: at most 10 rungs")
        return self
