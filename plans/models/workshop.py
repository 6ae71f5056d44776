"""The co-production workshop: tables of people writing ideas on sticky notes, each table grouping its
ideas into themes and choosing its top three, then dot-voting across tables. Themes are the evidence a
recommendation can cite, so a citizen's idea can be followed to the objective it became."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from plans.models.base import Base, UTCDateTime, enum_column, utcnow


class ContributorType(StrEnum):
    CITIZEN = "citizen"
    CARER = "carer"
    SERVICE_USER = "service_user"
    STAFF = "staff"
    PARTNER = "partner"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class Workshop(Base):
    """One session of the working party with the wider community (a plan may hold several)."""

    __tablename__ = "workshops"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)
    venue: Mapped[str] = mapped_column(String(200), default="")
    # how many dots each voter may place across the shortlisted themes
    dots_per_voter: Mapped[int] = mapped_column(Integer, default=3)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WorkshopTable(Base):
    __tablename__ = "workshop_tables"
    __table_args__ = (UniqueConstraint("workshop_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)


class Theme(Base):
    """A theme one table grouped its ideas under; ``top_rank`` 1-3 marks the table's top three."""

    __tablename__ = "workshop_themes"
    __table_args__ = (UniqueConstraint("table_id", "title"), UniqueConstraint("table_id", "top_rank"))

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    table_id: Mapped[int] = mapped_column(ForeignKey("workshop_tables.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    top_rank: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Idea(Base):
    """One sticky note: what was written, at which table, by what kind of contributor (never who)."""

    __tablename__ = "workshop_ideas"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id"), index=True)
    table_id: Mapped[int] = mapped_column(ForeignKey("workshop_tables.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    contributor_type: Mapped[ContributorType] = mapped_column(enum_column(ContributorType))
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("workshop_themes.id"), index=True)
    # "live" when typed in the room, "import" when typed up afterwards and loaded from a CSV
    source: Mapped[str] = mapped_column(String(20), default="live")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ThemeVote(Base):
    """One dot on a shortlisted theme. ``voter`` is how the room knows the voter (a badge number or
    initials, or a person's id when signed in); one dot per voter per theme."""

    __tablename__ = "workshop_votes"
    __table_args__ = (UniqueConstraint("theme_id", "voter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id"), index=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("workshop_themes.id"), index=True)
    voter: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
