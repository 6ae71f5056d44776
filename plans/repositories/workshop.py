"""All SQL for workshops: their tables, ideas, themes and dots, the counts the pages show, and which
recommendations cite a theme.

Every lookup by id takes the workshop (or plan) it must belong to, so an id from another workshop or plan
finds nothing, exactly like an id that does not exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from plans.models import (
    AuditEvent,
    ContributorType,
    EvidenceKind,
    EvidenceLink,
    Idea,
    Recommendation,
    Theme,
    ThemeVote,
    Workshop,
    WorkshopTable,
)

Row = TypeVar("Row", Workshop, WorkshopTable, Idea, Theme, ThemeVote)


class WorkshopRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: Row) -> Row:
        """Insert one row and give it its id."""
        self.session.add(row)
        self.session.flush()
        return row

    def add_all(self, rows: Sequence[Row]) -> Sequence[Row]:
        """Insert rows and give them their ids."""
        self.session.add_all(rows)
        self.session.flush()
        return rows

    # ---- workshops and tables ------------------------------------------------------------------

    def workshops(self, plan_id: int) -> Sequence[Workshop]:
        """The plan's workshops, most recent first."""
        stmt = select(Workshop).where(Workshop.plan_id == plan_id).order_by(Workshop.held_on.desc(), Workshop.id.desc())
        return self.session.scalars(stmt).all()

    def workshop(self, plan_id: int, workshop_id: int) -> Workshop | None:
        """The workshop, only if it belongs to the plan."""
        stmt = select(Workshop).where(Workshop.plan_id == plan_id, Workshop.id == workshop_id)
        return self.session.scalar(stmt)

    def counts(self, workshop_ids: Sequence[int]) -> dict[int, dict[str, int]]:
        """Per workshop: tables, ideas, themes, dots and voters (each 0 when there are none)."""
        out = {wid: {"tables": 0, "ideas": 0, "themes": 0, "dots": 0, "voters": 0} for wid in workshop_ids}
        if not workshop_ids:
            return out
        queries = {
            "tables": select(WorkshopTable.workshop_id, func.count()).group_by(WorkshopTable.workshop_id),
            "ideas": select(Idea.workshop_id, func.count()).group_by(Idea.workshop_id),
            "themes": select(Theme.workshop_id, func.count()).group_by(Theme.workshop_id),
            "dots": select(ThemeVote.workshop_id, func.count()).group_by(ThemeVote.workshop_id),
            "voters": select(ThemeVote.workshop_id, func.count(ThemeVote.voter.distinct())).group_by(
                ThemeVote.workshop_id
            ),
        }
        columns = {
            "tables": WorkshopTable.workshop_id,
            "ideas": Idea.workshop_id,
            "themes": Theme.workshop_id,
            "dots": ThemeVote.workshop_id,
            "voters": ThemeVote.workshop_id,
        }
        for key, stmt in queries.items():
            for wid, n in self.session.execute(stmt.where(columns[key].in_(workshop_ids))):
                out[wid][key] = n
        return out

    def tables(self, workshop_id: int) -> Sequence[WorkshopTable]:
        """The workshop's tables in the order they were set out."""
        stmt = (
            select(WorkshopTable)
            .where(WorkshopTable.workshop_id == workshop_id)
            .order_by(WorkshopTable.position, WorkshopTable.id)
        )
        return self.session.scalars(stmt).all()

    # ---- ideas ---------------------------------------------------------------------------------

    def ideas(self, workshop_id: int) -> Sequence[Idea]:
        """The workshop's ideas in the order they were written down."""
        stmt = select(Idea).where(Idea.workshop_id == workshop_id).order_by(Idea.id)
        return self.session.scalars(stmt).all()

    def ideas_by_id(self, workshop_id: int, idea_ids: Iterable[int]) -> dict[int, Idea]:
        """The ideas with these ids that belong to the workshop."""
        ids = list(set(idea_ids))
        if not ids:
            return {}
        stmt = select(Idea).where(Idea.workshop_id == workshop_id, Idea.id.in_(ids))
        return {idea.id: idea for idea in self.session.scalars(stmt)}

    def group(self, idea_ids: Sequence[int], theme_id: int | None) -> None:
        """Put the ideas under the theme (None: take them out of any theme)."""
        if idea_ids:
            self.session.execute(update(Idea).where(Idea.id.in_(idea_ids)).values(theme_id=theme_id))

    def delete_idea(self, idea: Idea) -> None:
        self.session.delete(idea)
        self.session.flush()

    # ---- themes --------------------------------------------------------------------------------

    def themes(self, workshop_id: int) -> Sequence[Theme]:
        """The workshop's themes, each table's top three first (by rank), then the rest by title."""
        stmt = (
            select(Theme)
            .where(Theme.workshop_id == workshop_id)
            .order_by(Theme.table_id, Theme.top_rank.is_(None), Theme.top_rank, Theme.title, Theme.id)
        )
        return self.session.scalars(stmt).all()

    def ungroup_theme(self, theme_id: int) -> int:
        """Take every idea out of the theme; how many there were."""
        result = self.session.execute(update(Idea).where(Idea.theme_id == theme_id).values(theme_id=None))
        return int(getattr(result, "rowcount", 0) or 0)

    def delete_theme(self, theme: Theme) -> None:
        self.session.delete(theme)
        self.session.flush()

    def set_top(self, table_id: int, ranks: Sequence[tuple[int, int]]) -> None:
        """Replace the table's top three. The old ranks are cleared first and flushed, because a rank is
        unique per table at every row change (PostgreSQL checks it per row, not at the end)."""
        self.session.execute(update(Theme).where(Theme.table_id == table_id).values(top_rank=None))
        self.session.flush()
        for theme_id, rank in ranks:
            self.session.execute(update(Theme).where(Theme.id == theme_id).values(top_rank=rank))

    def citing(self, plan_id: int, theme_ids: Sequence[int]) -> list[tuple[int, int, str]]:
        """(theme id, recommendation position, recommendation title) for each of the plan's
        recommendations whose evidence names one of the themes."""
        if not theme_ids:
            return []
        refs = {str(t): t for t in theme_ids}
        stmt = (
            select(EvidenceLink.ref, Recommendation.position, Recommendation.title)
            .join(Recommendation, Recommendation.id == EvidenceLink.recommendation_id)
            .where(
                Recommendation.plan_id == plan_id,
                EvidenceLink.kind == EvidenceKind.THEME,
                EvidenceLink.ref.in_(list(refs)),
            )
            .order_by(Recommendation.position)
        )
        return [(refs[ref], position, title) for ref, position, title in self.session.execute(stmt)]

    def plan_themes(self, plan_id: int) -> list[tuple[Theme, Workshop, WorkshopTable]]:
        """Every theme of the plan's workshops with its workshop and table, by workshop date, table, rank."""
        stmt = (
            select(Theme, Workshop, WorkshopTable)
            .join(Workshop, Workshop.id == Theme.workshop_id)
            .join(WorkshopTable, WorkshopTable.id == Theme.table_id)
            .where(Theme.plan_id == plan_id)
            .order_by(
                Workshop.held_on,
                Workshop.id,
                WorkshopTable.position,
                WorkshopTable.id,
                Theme.top_rank.is_(None),
                Theme.top_rank,
                Theme.title,
            )
        )
        return [(t, w, tb) for t, w, tb in self.session.execute(stmt)]

    def plan_theme(self, plan_id: int, theme_id: int) -> tuple[Theme, Workshop, WorkshopTable] | None:
        """One theme of the plan with its workshop and table, or None (another plan's theme too)."""
        stmt = (
            select(Theme, Workshop, WorkshopTable)
            .join(Workshop, Workshop.id == Theme.workshop_id)
            .join(WorkshopTable, WorkshopTable.id == Theme.table_id)
            .where(Theme.plan_id == plan_id, Theme.id == theme_id)
        )
        row = self.session.execute(stmt).first()
        return (row[0], row[1], row[2]) if row else None

    def theme_ideas(self, theme_ids: Sequence[int]) -> Sequence[Idea]:
        """The ideas grouped under these themes, in the order written."""
        if not theme_ids:
            return []
        return self.session.scalars(select(Idea).where(Idea.theme_id.in_(theme_ids)).order_by(Idea.id)).all()

    def mix(self, theme_ids: Sequence[int]) -> dict[int, dict[str, int]]:
        """Per theme: how many of its ideas each contributor type wrote."""
        out: dict[int, dict[str, int]] = {t: {} for t in theme_ids}
        if not theme_ids:
            return out
        stmt = (
            select(Idea.theme_id, Idea.contributor_type, func.count())
            .where(Idea.theme_id.in_(theme_ids))
            .group_by(Idea.theme_id, Idea.contributor_type)
        )
        for theme_id, kind, n in self.session.execute(stmt):
            assert theme_id is not None
            out[theme_id][ContributorType(kind).value] = n
        return out

    # ---- dots ----------------------------------------------------------------------------------

    def votes(self, workshop_id: int) -> Sequence[ThemeVote]:
        """Every dot placed in the workshop, in the order placed."""
        stmt = select(ThemeVote).where(ThemeVote.workshop_id == workshop_id).order_by(ThemeVote.id)
        return self.session.scalars(stmt).all()

    def dots(self, theme_ids: Sequence[int]) -> dict[int, int]:
        """Per theme: its dots (themes without any are left out)."""
        if not theme_ids:
            return {}
        stmt = (
            select(ThemeVote.theme_id, func.count())
            .where(ThemeVote.theme_id.in_(theme_ids))
            .group_by(ThemeVote.theme_id)
        )
        return {theme_id: n for theme_id, n in self.session.execute(stmt)}

    def delete_votes(self, workshop_id: int, voter: str) -> int:
        """Take away every dot of the voter (as stored); how many there were."""
        result = self.session.execute(
            delete(ThemeVote).where(ThemeVote.workshop_id == workshop_id, ThemeVote.voter == voter)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def events(self, plan_id: int, kind: str) -> Sequence[AuditEvent]:
        """The plan's audit events of one kind, oldest first."""
        stmt = select(AuditEvent).where(AuditEvent.plan_id == plan_id, AuditEvent.kind == kind).order_by(AuditEvent.id)
        return self.session.scalars(stmt).all()
