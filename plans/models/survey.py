"""Surveys in their simplest useful form: questions, anonymous responses counted per team, and the
findings the analysis stores. Responses carry a team and a day, never a person or a time."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Date, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from plans.models.base import Base, JSONType, UTCDateTime, enum_column


class SurveyKind(StrEnum):
    BASELINE = "baseline"
    REPEAT = "repeat"


class Survey(Base):
    __tablename__ = "surveys"
    __table_args__ = (UniqueConstraint("plan_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    kind: Mapped[SurveyKind] = mapped_column(enum_column(SurveyKind))
    title: Mapped[str] = mapped_column(String(200))
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    target_rate: Mapped[float] = mapped_column(Float)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    baseline_id: Mapped[int | None] = mapped_column(ForeignKey("surveys.id"))


class SurveyResponse(Base):
    __tablename__ = "survey_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    answered_on: Mapped[date] = mapped_column(Date)
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType)


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
