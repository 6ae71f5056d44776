"""Where each chase stands on its escalation ladder. One row per thing being chased (a team below
its survey target, an approver past a sign-off deadline...), whatever the topic: the ladder is the
same machinery for every gate."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from plans.models.base import Base


class Chase(Base):
    """``topic`` names the machinery (``survey_team``, ``sign_off``); ``subject`` the thing chased
    within it (``survey:12:team:345``); ``step`` how many rungs have been climbed so far."""

    __tablename__ = "chases"
    __table_args__ = (UniqueConstraint("topic", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(30))
    subject: Mapped[str] = mapped_column(String(120))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    step: Mapped[int] = mapped_column(Integer, default=0)
    last_step_on: Mapped[date | None] = mapped_column(Date)
    resolved_on: Mapped[date | None] = mapped_column(Date)
