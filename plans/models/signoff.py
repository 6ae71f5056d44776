"""Recommendations with their evidence links, and sign-off rounds with approvers' decisions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from plans.domain.facts import Decision
from plans.models.base import Base, UTCDateTime, enum_column, utcnow


class EvidenceKind(StrEnum):
    FINDING = "finding"
    THEME = "theme"


class Recommendation(Base):
    __tablename__ = "recommendations"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    detail: Mapped[str] = mapped_column(Text, default="")


class EvidenceLink(Base):
    """A recommendation's link to a survey finding (by question id) or a workshop theme."""

    __tablename__ = "evidence_links"
    __table_args__ = (UniqueConstraint("recommendation_id", "kind", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[EvidenceKind] = mapped_column(enum_column(EvidenceKind))
    ref: Mapped[str] = mapped_column(String(200))


class SignOffRound(Base):
    """One plan version sent to the approvers; a new version gets a new round."""

    __tablename__ = "sign_off_rounds"
    __table_args__ = (UniqueConstraint("plan_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(30))
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))


class SignOffDecision(Base):
    """Recorded once per approver per round (the unique constraint makes a second one impossible)."""

    __tablename__ = "sign_off_decisions"
    __table_args__ = (UniqueConstraint("round_id", "approver_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("sign_off_rounds.id"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    approver_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    version: Mapped[int] = mapped_column(Integer)
    decision: Mapped[Decision] = mapped_column(enum_column(Decision))
    # the content hash of the version the approver read; a decision on other content is refused
    content_hash: Mapped[str | None] = mapped_column(String(64))
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
