"""Delivery and its evidence: what evidence owners are asked for at each formative checkpoint, the
evidence itself (attendance, reaction, learning, behaviour, results, quotes and stories), objectives'
progress with its history and milestones, the benefits claimed for ROI, and what is published to the
citizen panel."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from evaluation.roi import IsolationMethod
from plans.domain.delivery import EvidenceType as EvidenceType  # with the rules that use them; re-exported
from plans.domain.delivery import Rag as Rag
from plans.models.base import Base, UTCDateTime, enum_column, utcnow


class EvidenceRequest(Base):
    """An evidence owner asked for evidence at one checkpoint; chased until they answer or the
    coordinator records the checkpoint."""

    __tablename__ = "evidence_requests"
    __table_args__ = (UniqueConstraint("checkpoint_id", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("checkpoints.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_on: Mapped[date] = mapped_column(Date)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EvidenceItem(Base):
    """One piece of evidence, for an objective and/or an expectation, usually at a checkpoint.
    ``value`` is the figure (a mean reaction score, a pass rate, a count) in ``unit``; ``participants``
    how many people it covers (attendance counts them)."""

    __tablename__ = "evidence_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    checkpoint_id: Mapped[int | None] = mapped_column(ForeignKey("checkpoints.id"), index=True)
    objective_id: Mapped[int | None] = mapped_column(ForeignKey("plan_objectives.id"), index=True)
    expectation_id: Mapped[int | None] = mapped_column(ForeignKey("expectations.id"), index=True)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("learning_activities.id"))
    type: Mapped[EvidenceType] = mapped_column(enum_column(EvidenceType))
    summary: Mapped[str] = mapped_column(Text)
    value: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(60), default="")
    participants: Mapped[int | None] = mapped_column(Integer)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ObjectiveProgress(Base):
    """One update of an objective's progress; the latest stands, the rest are its history."""

    __tablename__ = "objective_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    objective_id: Mapped[int] = mapped_column(ForeignKey("plan_objectives.id"), index=True)
    checkpoint_id: Mapped[int | None] = mapped_column(ForeignKey("checkpoints.id"))
    status: Mapped[Rag] = mapped_column(enum_column(Rag))
    percent_complete: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Milestone(Base):
    __tablename__ = "objective_milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    objective_id: Mapped[int] = mapped_column(ForeignKey("plan_objectives.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    due_on: Mapped[date] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)


class BenefitClaim(Base):
    """A benefit claimed for the plan at the summative evaluation; ``value_pence`` None = intangible."""

    __tablename__ = "benefit_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    expectation_id: Mapped[int | None] = mapped_column(ForeignKey("expectations.id"))
    description: Mapped[str] = mapped_column(Text)
    value_pence: Mapped[int | None] = mapped_column(Integer)
    isolation_method: Mapped[IsolationMethod | None] = mapped_column(enum_column(IsolationMethod))
    contribution_pct: Mapped[int] = mapped_column(Integer, default=100)
    confidence_pct: Mapped[int] = mapped_column(Integer, default=100)
    how_valued: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PanelPublication(Base):
    """An evaluation output published to the plan's citizen panel (``output``: ``formative:2``,
    ``summative``, ``repeat_comparison``); members are emailed once, through the outbox."""

    __tablename__ = "panel_publications"
    __table_args__ = (UniqueConstraint("plan_id", "output"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    output: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
