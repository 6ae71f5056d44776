"""Reads of the evidence a plan's recommendations may cite, for choosing it and for tracing it: the
plan's workshop themes (with their workshop, table, dots and ideas) and the ideas themselves.

Survey findings are read through ``SurveyRepository.findings``: only the organisation-wide row per
question, never a group's, so nothing here can show a group under the reporting threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plans.models import ContributorType, Idea, Theme, ThemeVote, Workshop, WorkshopTable


@dataclass(frozen=True)
class ThemeRow:
    id: int
    title: str
    description: str
    workshop: str
    table: str
    top_rank: int | None
    votes: int
    ideas: int


@dataclass(frozen=True)
class IdeaRow:
    id: int
    text: str
    contributor_type: ContributorType
    workshop: str
    table: str
    theme_id: int | None


class TraceabilityRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def themes(self, plan_id: int) -> list[ThemeRow]:
        """Every workshop theme of the plan in workshop, table and rank order, with its dots and ideas."""
        votes = select(ThemeVote.theme_id, func.count().label("n")).group_by(ThemeVote.theme_id).subquery("votes")
        ideas = select(Idea.theme_id, func.count().label("n")).group_by(Idea.theme_id).subquery("ideas")
        stmt = (
            select(
                Theme.id,
                Theme.title,
                Theme.description,
                Workshop.title,
                WorkshopTable.name,
                Theme.top_rank,
                func.coalesce(votes.c.n, 0),
                func.coalesce(ideas.c.n, 0),
            )
            .join(Workshop, Workshop.id == Theme.workshop_id)
            .join(WorkshopTable, WorkshopTable.id == Theme.table_id)
            .outerjoin(votes, votes.c.theme_id == Theme.id)
            .outerjoin(ideas, ideas.c.theme_id == Theme.id)
            .where(Theme.plan_id == plan_id, Workshop.plan_id == plan_id)
            .order_by(Workshop.held_on, Workshop.id, WorkshopTable.position, WorkshopTable.id)
            .order_by(Theme.top_rank.is_(None), Theme.top_rank, Theme.title, Theme.id)
        )
        return [ThemeRow(*row[:6], int(row[6]), int(row[7])) for row in self.session.execute(stmt)]

    def ideas(self, plan_id: int) -> list[IdeaRow]:
        """Every idea of the plan's workshops, in workshop and table order, as written."""
        stmt = (
            select(Idea.id, Idea.text, Idea.contributor_type, Workshop.title, WorkshopTable.name, Idea.theme_id)
            .join(Workshop, Workshop.id == Idea.workshop_id)
            .join(WorkshopTable, WorkshopTable.id == Idea.table_id)
            .where(Workshop.plan_id == plan_id)
            .order_by(Workshop.held_on, Workshop.id, WorkshopTable.position, WorkshopTable.id, Idea.id)
        )
        return [IdeaRow(*row) for row in self.session.execute(stmt)]
