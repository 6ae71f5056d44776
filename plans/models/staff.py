"""Staff lists: who works in which team, imported from CSV or XLSX. The list gives each team its
eligible headcount and each eligible person one survey invitation; it never touches a response."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from plans.models.base import Base, JSONType


class StaffMember(Base):
    """One line of an organisation's staff list. Ineligible people (leavers, long-term absence) stay
    listed with the reason, so a re-import is visible, but are neither counted nor invited."""

    __tablename__ = "staff_members"
    __table_args__ = (UniqueConstraint("organisation_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    staff_group: Mapped[str] = mapped_column(String(100))
    eligible: Mapped[bool] = mapped_column(Boolean, default=True)
    ineligible_reason: Mapped[str | None] = mapped_column(String(100))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    line: Mapped[int] = mapped_column(Integer, default=0)
