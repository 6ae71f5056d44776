"""Surveys: the definition, who is invited, and anonymous responses counted per team and day.

Anonymity is a property of the schema, pinned by ``tests/db/test_anonymity_schema.py``: a response
row carries its survey, its team, the day (never a time) and the answers, and no column, key or index
that could lead to a person, an invitation or a token. An invitation records only that it was used.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from plans.models.base import Base, JSONType, UTCDateTime, enum_column


class SurveyKind(StrEnum):
    BASELINE = "baseline"
    REPEAT = "repeat"


class Channel(StrEnum):
    """How a response arrived: a personal invitation, a team link (kiosk, shared screen), or paper."""

    INVITATION = "invitation"
    TEAM_LINK = "team_link"
    PAPER = "paper"


class Survey(Base):
    """One survey of a plan. ``questions`` is the flat list of closed and free-text questions the
    analysis reads; ``definition`` the whole validated YAML (introduction, sections, demographics,
    chasing). Once the first response exists the questions are fixed and anonymity stays on."""

    __tablename__ = "surveys"
    __table_args__ = (UniqueConstraint("plan_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    kind: Mapped[SurveyKind] = mapped_column(enum_column(SurveyKind))
    title: Mapped[str] = mapped_column(String(200))
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    definition: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=True)
    close_when_target_met: Mapped[bool] = mapped_column(Boolean, default=True)
    target_rate: Mapped[float] = mapped_column(Float)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    baseline_id: Mapped[int | None] = mapped_column(ForeignKey("surveys.id"))


class SurveyTeam(Base):
    """A team's eligible headcount for one survey, fixed when the survey opens (from the staff list, or
    the team's declared headcount when there is none), so later list changes do not move the rate."""

    __tablename__ = "survey_teams"

    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), primary_key=True, index=True)
    eligible: Mapped[int] = mapped_column(Integer, default=0)


class SurveyTeamDay(Base):
    """Responses per team per day, kept by the intake in the response's own transaction: the live
    rates and their history read these few rows, never the responses."""

    __tablename__ = "survey_team_days"

    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), primary_key=True, index=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    responses: Mapped[int] = mapped_column(Integer, default=0)


class SurveyInvitation(Base):
    """One eligible person's invitation. The token is derived from a server secret and this row's
    (survey, staff member) and stored only as its SHA-256; ``used`` is all it records of answering.
    On PostgreSQL the table is kept at fillfactor 50 (migration 0003) for the daily reminder UPDATE."""

    __tablename__ = "survey_invitations"
    __table_args__ = (
        UniqueConstraint("survey_id", "staff_member_id"),
        Index("ix_survey_invitations_survey_id_used", "survey_id", "used"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"))
    staff_member_id: Mapped[int] = mapped_column(ForeignKey("staff_members.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used: Mapped[bool] = mapped_column(Boolean, default=False)
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    last_reminded_on: Mapped[date | None] = mapped_column(Date)


class SurveyTeamLink(Base):
    """A link for a whole team (paper round, kiosk, shared screen): many responses, counted for the team."""

    __tablename__ = "survey_team_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SurveyResponse(Base):
    """An anonymous response: team, day, answers and self-reported demographics. Nothing else."""

    __tablename__ = "survey_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    answered_on: Mapped[date] = mapped_column(Date)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, 20), default=Channel.INVITATION)
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType)
    demographics: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class SurveyFinding(Base):
    """% positive for one question of one survey, over all its responses, with a Wilson interval."""

    __tablename__ = "survey_findings"
    __table_args__ = (UniqueConstraint("survey_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    question_id: Mapped[str] = mapped_column(String(60))
    responses: Mapped[int] = mapped_column(Integer)
    positive: Mapped[int] = mapped_column(Integer)
    suppressed: Mapped[bool] = mapped_column(default=False)
    pct_positive: Mapped[float | None] = mapped_column(Float)
    ci_low: Mapped[float | None] = mapped_column(Float)
    ci_high: Mapped[float | None] = mapped_column(Float)
    change: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
