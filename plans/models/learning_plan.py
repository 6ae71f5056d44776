"""The 12-month learning and development plan (aims, SMART objectives, learning activities) and the
investment ledger. Objectives link to the recommendations they deliver, which link to their evidence,
so every objective can be traced back to a finding or a citizen's idea. All of it is part of the plan
version approvers sign off (``plans.services.plan_document.content_hash``)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from plans.models.base import Base, enum_column


class ActivityKind(StrEnum):
    """What a learning activity builds (the seed council's plan: skills, knowledge, experience)."""

    SKILLS = "skills"
    KNOWLEDGE = "knowledge"
    EXPERIENCE = "experience"


class InvestmentKind(StrEnum):
    STAFF_TIME = "staff_time"
    DIRECT_COST = "direct_cost"
    IN_KIND = "in_kind"


class Aim(Base):
    __tablename__ = "plan_aims"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")


class Objective(Base):
    """A SMART objective: what (text), its measure, the baseline and target, an owner and a due date
    within the plan's 12 months."""

    __tablename__ = "plan_objectives"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    aim_id: Mapped[int] = mapped_column(ForeignKey("plan_aims.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
    measure: Mapped[str] = mapped_column(Text)
    baseline: Mapped[str] = mapped_column(String(200))
    target: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    due_on: Mapped[date] = mapped_column(Date)


class ObjectiveRecommendation(Base):
    """An objective delivers (part of) a recommendation; an objective may deliver several."""

    __tablename__ = "objective_recommendations"
    __table_args__ = (UniqueConstraint("objective_id", "recommendation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    objective_id: Mapped[int] = mapped_column(ForeignKey("plan_objectives.id", ondelete="CASCADE"), index=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendations.id", ondelete="CASCADE"), index=True)


class LearningActivity(Base):
    __tablename__ = "learning_activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    objective_id: Mapped[int] = mapped_column(ForeignKey("plan_objectives.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[ActivityKind] = mapped_column(enum_column(ActivityKind))
    format: Mapped[str] = mapped_column(String(100))
    audience: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    capacity: Mapped[int] = mapped_column(Integer)


class InvestmentItem(Base):
    """One line of the investment ledger. Staff time is ``hours`` x ``rate_pence`` an hour; a direct
    cost or an in-kind contribution is ``amount_pence``. Money is whole pence, never a float."""

    __tablename__ = "investment_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[InvestmentKind] = mapped_column(enum_column(InvestmentKind))
    description: Mapped[str] = mapped_column(String(300))
    contributor: Mapped[str] = mapped_column(String(200), default="")
    hours: Mapped[float | None] = mapped_column(Float)
    rate_pence: Mapped[int | None] = mapped_column(Integer)
    amount_pence: Mapped[int | None] = mapped_column(Integer)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("learning_activities.id", ondelete="SET NULL"))
