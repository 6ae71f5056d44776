"""Where each stage sat on the ladder of co-production, as the working party judged it: a history of
records per plan and stage, the latest one standing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from plans.domain.coproduction import Rung
from plans.domain.stages import Stage
from plans.models.base import Base, UTCDateTime, enum_column, utcnow


class CoproductionRecord(Base):
    __tablename__ = "coproduction_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    stage: Mapped[Stage] = mapped_column(enum_column(Stage))
    rung: Mapped[Rung] = mapped_column(enum_column(Rung))
    note: Mapped[str] = mapped_column(Text)
    plan_version: Mapped[int] = mapped_column(Integer)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
