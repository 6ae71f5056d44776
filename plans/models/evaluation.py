"""Delivery and evaluation records: formative checkpoints, the return-on-expectations register, the
summative report and the citizen panel's reviews."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from plans.domain.facts import Judgement
from plans.models.base import Base, UTCDateTime, enum_column, utcnow


class Verdict(StrEnum):
    ENDORSE = "endorse"
    COMMENT = "comment"
    CHALLENGE = "challenge"


class Checkpoint(Base):
    __tablename__ = "checkpoints"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    what_we_did: Mapped[str] = mapped_column(Text, default="")
    what_we_learned: Mapped[str] = mapped_column(Text, default="")
    what_we_will_change: Mapped[str] = mapped_column(Text, default="")
    attendance: Mapped[int | None] = mapped_column(Integer)


class Expectation(Base):
    """What a stakeholder expects the plan to achieve, at which Kirkpatrick level, and the judgement."""

    __tablename__ = "expectations"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    stakeholder_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    text: Mapped[str] = mapped_column(Text)
    measure: Mapped[str] = mapped_column(Text, default="")
    level: Mapped[int] = mapped_column(Integer)
    target: Mapped[str] = mapped_column(String(200), default="")
    judgement: Mapped[Judgement | None] = mapped_column(enum_column(Judgement))
    evidence: Mapped[str] = mapped_column(Text, default="")
    # who wrote it down (a coordinator may record an approver's expectation), and the sign-off round
    # an approver added it in alongside their decision (None: part of the register sent for sign-off)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("sign_off_rounds.id"))
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)


class SummativeReport(Base):
    __tablename__ = "summative_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), unique=True)
    what_we_did: Mapped[str] = mapped_column(Text)
    what_we_learned: Mapped[str] = mapped_column(Text)
    pleased_about: Mapped[str] = mapped_column(Text)
    could_have_been_different: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PanelReview(Base):
    """A citizen panel member's verdict on an evaluation output; a challenge needs a response."""

    __tablename__ = "panel_reviews"
    __table_args__ = (UniqueConstraint("plan_id", "member_id", "output"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    output: Mapped[str] = mapped_column(String(60))
    verdict: Mapped[Verdict] = mapped_column(enum_column(Verdict))
    text: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    response: Mapped[str | None] = mapped_column(Text)
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
