"""The plan aggregate: the plan itself, who takes part in what capacity, the vision, its stage
history and the gate overrides coordinators wrote."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from plans.domain.facts import MemberKind
from plans.domain.quorum import QuorumKind
from plans.domain.stages import Stage
from plans.models.base import Base, JSONType, UTCDateTime, enum_column, utcnow


class Capacity(StrEnum):
    WORKING_PARTY = "working_party"
    APPROVER = "approver"
    CITIZEN_PANEL = "citizen_panel"
    # named by the coordinator to give evidence at formative checkpoints (objective owners are asked anyway)
    EVIDENCE_OWNER = "evidence_owner"


class StatementKind(StrEnum):
    ASPIRATION = "aspiration"
    CURRENT_STATE = "current_state"


class Plan(Base):
    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    # a random id that never repeats across databases: Prefect run tags and idempotency keys use it,
    # so a restored or recreated database never collides with runs Prefect already holds
    uid: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: uuid.uuid4().hex)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    coordinator_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    stage: Mapped[Stage] = mapped_column(enum_column(Stage), default=Stage.VISION, index=True)
    stage_entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    stage_entry_no: Mapped[int] = mapped_column(Integer, default=1)
    version: Mapped[int] = mapped_column(Integer, default=1)
    version_frozen: Mapped[bool] = mapped_column(Boolean, default=False)
    quorum_kind: Mapped[QuorumKind] = mapped_column(enum_column(QuorumKind), default=QuorumKind.ALL)
    quorum_n: Mapped[int | None] = mapped_column(Integer)
    # the coordinator's "send version N for sign-off by <deadline>": the recommendations gate waits for
    # it, so a draft never reaches approvers before the coordinator says it is ready
    sign_off_requested_version: Mapped[int | None] = mapped_column(Integer)
    sign_off_deadline: Mapped[date | None] = mapped_column(Date)
    starts_on: Mapped[date] = mapped_column(Date)
    checkpoint_months: Mapped[int] = mapped_column(Integer, default=3)
    checkpoints_planned: Mapped[int] = mapped_column(Integer, default=4)
    survey_target_rate: Mapped[float] = mapped_column(Float, default=0.6)
    survey_days: Mapped[int] = mapped_column(Integer, default=28)
    survey_template: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PlanMember(Base):
    """A person's part in one plan: working party (as citizen or staff), approver, citizen panel."""

    __tablename__ = "plan_members"
    __table_args__ = (UniqueConstraint("plan_id", "person_id", "capacity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    capacity: Mapped[Capacity] = mapped_column(enum_column(Capacity))
    member_kind: Mapped[MemberKind | None] = mapped_column(enum_column(MemberKind))


class VisionStatement(Base):
    __tablename__ = "vision_statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[StatementKind] = mapped_column(enum_column(StatementKind))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VisionAgreement(Base):
    __tablename__ = "vision_agreements"
    __table_args__ = (UniqueConstraint("plan_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    agreed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StageEntry(Base):
    """One stay of a plan in a stage; ``entry_no`` counts stays, so a concurrent second move of the
    same stay collides on the unique constraint instead of being recorded twice."""

    __tablename__ = "stage_entries"
    __table_args__ = (UniqueConstraint("plan_id", "entry_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    entry_no: Mapped[int] = mapped_column(Integer)
    stage: Mapped[Stage] = mapped_column(enum_column(Stage))
    version: Mapped[int] = mapped_column(Integer)
    via: Mapped[str] = mapped_column(String(30))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class GateOverride(Base):
    """A coordinator's written decision to let a plan past a gate that still had reasons."""

    __tablename__ = "gate_overrides"
    __table_args__ = (UniqueConstraint("plan_id", "entry_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    entry_no: Mapped[int] = mapped_column(Integer)
    stage: Mapped[Stage] = mapped_column(enum_column(Stage))
    version: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    overridden_reasons: Mapped[list[str]] = mapped_column(JSONType)
    by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class VisionComment(Base):
    """A working party member's comment on a vision statement (their own or another's)."""

    __tablename__ = "vision_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("vision_statements.id"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
