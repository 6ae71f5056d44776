"""A workshop's themes: each table names the themes its ideas fall under, ideas move between a table's
themes, and each table ranks its top three (the shortlist everyone then votes on: ``workshop_voting``).

A theme belongs to one table, and only that table's ideas go under it. A theme a recommendation cites as
its evidence cannot be removed (the refusal names the recommendation), nor one with dots from the vote,
nor can such a theme leave its table's top three: what the room decided stays traceable.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from plans.domain import workshop as rules
from plans.domain.errors import AlreadyDecided, InvalidInput
from plans.models import Theme, Workshop, WorkshopTable
from plans.repositories.workshop import WorkshopRepository
from plans.services.actors import Actor
from plans.services.workshop import audit, clean_text, find_table, find_theme, open_workshop, table_name


def move_ideas(
    session: Session,
    *,
    plan_id: int,
    workshop_id: int,
    actor: Actor,
    idea_ids: Sequence[int],
    theme_id: int | None,
    now: datetime,
) -> int:
    """Put ideas under a theme of their own table (``theme_id`` None: take them out of their themes).
    All or nothing: one idea of another table or workshop refuses the move. Returns how many moved."""
    plan, workshop = open_workshop(
        session, plan_id=plan_id, workshop_id=workshop_id, actor=actor, action="moving ideas"
    )
    if not idea_ids:
        raise InvalidInput("idea_ids: choose at least one idea to move")
    theme = find_theme(session, workshop, theme_id) if theme_id is not None else None
    found = WorkshopRepository(session).ideas_by_id(workshop.id, idea_ids)
    problems = []
    for index, idea_id in enumerate(idea_ids):
        idea = found.get(idea_id)
        if idea is None:
            problems.append(f"idea_ids[{index}]: {workshop.title!r} has no idea {idea_id}")
        elif theme is not None and idea.table_id != theme.table_id:
            problems.append(
                f"idea_ids[{index}]: idea {idea_id} was written at {table_name(session, idea.table_id)}; "
                f"{theme.title!r} is a theme of {table_name(session, theme.table_id)}"
            )
    rules.refuse_if_any(problems)
    ids = sorted(found)
    WorkshopRepository(session).group(ids, theme.id if theme else None)
    audit(
        session,
        plan,
        actor,
        "workshop_ideas_moved",
        now,
        workshop_id=workshop.id,
        idea_ids=ids,
        theme_id=theme.id if theme else None,
        theme=theme.title if theme else None,
    )
    return len(ids)


# ---- themes --------------------------------------------------------------------------------------


def _title_free(session: Session, workshop: Workshop, table: WorkshopTable, title: str, own: int | None) -> None:
    for other in WorkshopRepository(session).themes(workshop.id):
        if other.table_id == table.id and other.id != own and rules.name_key(other.title) == rules.name_key(title):
            raise AlreadyDecided(f"title: {table.name} already has a theme called {other.title!r}")


def add_theme(
    session: Session,
    *,
    plan_id: int,
    workshop_id: int,
    actor: Actor,
    table_id: int,
    title: str,
    description: str = "",
    idea_ids: Sequence[int] = (),
    now: datetime,
) -> Theme:
    """A theme a table named, with the ideas it groups (optional: ideas can be moved in later)."""
    plan, workshop = open_workshop(
        session, plan_id=plan_id, workshop_id=workshop_id, actor=actor, action="adding a theme"
    )
    table = find_table(session, workshop, table_id)
    clean = clean_text(title, "title", "theme's name", rules.MAX_THEME)
    _title_free(session, workshop, table, clean, None)
    found = WorkshopRepository(session).ideas_by_id(workshop.id, idea_ids)
    problems = []
    for index, idea_id in enumerate(idea_ids):
        idea = found.get(idea_id)
        if idea is None:
            problems.append(f"idea_ids[{index}]: {workshop.title!r} has no idea {idea_id}")
        elif idea.table_id != table.id:
            problems.append(
                f"idea_ids[{index}]: idea {idea_id} was written at "
                f"{table_name(session, idea.table_id)}, not {table.name}"
            )
    rules.refuse_if_any(problems)
    repo = WorkshopRepository(session)
    theme = repo.add(
        Theme(
            workshop_id=workshop.id,
            plan_id=plan.id,
            table_id=table.id,
            title=clean,
            description=description.strip(),
            created_at=now,
        )
    )
    repo.group(sorted(found), theme.id)
    audit(
        session,
        plan,
        actor,
        "workshop_theme_added",
        now,
        workshop_id=workshop.id,
        theme_id=theme.id,
        table=table.name,
        title=clean,
        idea_ids=sorted(found),
    )
    return theme


def edit_theme(
    session: Session,
    *,
    plan_id: int,
    workshop_id: int,
    actor: Actor,
    theme_id: int,
    title: str,
    description: str,
    now: datetime,
) -> Theme:
    """Rename a theme or change its description."""
    plan, workshop = open_workshop(
        session, plan_id=plan_id, workshop_id=workshop_id, actor=actor, action="changing a theme"
    )
    theme = find_theme(session, workshop, theme_id)
    table = find_table(session, workshop, theme.table_id)
    clean = clean_text(title, "title", "theme's name", rules.MAX_THEME)
    _title_free(session, workshop, table, clean, theme.id)
    before = {"title": theme.title, "description": theme.description}
    theme.title, theme.description = clean, description.strip()
    session.flush()
    audit(
        session,
        plan,
        actor,
        "workshop_theme_edited",
        now,
        workshop_id=workshop.id,
        theme_id=theme.id,
        before=before,
        after={"title": clean, "description": theme.description},
    )
    return theme


def remove_theme(
    session: Session, *, plan_id: int, workshop_id: int, actor: Actor, theme_id: int, now: datetime
) -> int:
    """Remove a theme; its ideas stay, ungrouped. Refused while a recommendation cites it (the refusal
    names the recommendation) or while it has dots. Returns how many ideas it grouped."""
    plan, workshop = open_workshop(
        session, plan_id=plan_id, workshop_id=workshop_id, actor=actor, action="removing a theme"
    )
    theme = find_theme(session, workshop, theme_id)
    repo = WorkshopRepository(session)
    citing = repo.citing(plan.id, [theme.id])
    if citing:
        named = "; ".join(f"recommendation {position + 1}, {title!r}" for _, position, title in citing)
        raise AlreadyDecided(
            f"theme_id: {theme.title!r} is the evidence of {named}; take it out of the recommendation's "
            f"evidence before removing the theme"
        )
    dots = repo.dots([theme.id]).get(theme.id, 0)
    if dots:
        raise AlreadyDecided(
            f"theme_id: {theme.title!r} has {dots} dot{'s' if dots != 1 else ''} from the vote; "
            f"withdraw those voters' dots before removing it"
        )
    ungrouped = repo.ungroup_theme(theme.id)
    title, table = theme.title, table_name(session, theme.table_id)
    repo.delete_theme(theme)
    audit(
        session,
        plan,
        actor,
        "workshop_theme_removed",
        now,
        workshop_id=workshop.id,
        theme_id=theme_id,
        title=title,
        table=table,
        ideas_ungrouped=ungrouped,
    )
    return ungrouped


def set_top_three(
    session: Session,
    *,
    plan_id: int,
    workshop_id: int,
    actor: Actor,
    table_id: int,
    ranks: Sequence[tuple[int, int]],
    now: datetime,
) -> list[Theme]:
    """A table's top three as (theme id, rank) pairs: exactly three of the table's own themes, ranked 1, 2
    and 3 (an empty choice clears it). A theme with dots cannot leave the top three. Returns the three."""
    plan, workshop = open_workshop(
        session, plan_id=plan_id, workshop_id=workshop_id, actor=actor, action="choosing a table's top three"
    )
    table = find_table(session, workshop, table_id)
    repo = WorkshopRepository(session)
    names = {t.id: t.name for t in repo.tables(workshop.id)}
    themes = {t.id: t for t in repo.themes(workshop.id)}
    known = {t.id: rules.TableTheme(t.id, t.title, t.table_id, names[t.table_id]) for t in themes.values()}
    rules.refuse_if_any(rules.top_three_problems(table.id, table.name, ranks, known))
    chosen = {theme_id for theme_id, _ in ranks}
    leaving = [t for t in themes.values() if t.table_id == table.id and t.top_rank is not None and t.id not in chosen]
    dots = repo.dots([t.id for t in leaving])
    voted = [f"{t.title!r} ({dots[t.id]} dot{'s' if dots[t.id] != 1 else ''})" for t in leaving if dots.get(t.id)]
    if voted:
        raise AlreadyDecided(
            f"top: {', '.join(voted)} already {'has' if len(voted) == 1 else 'have'} dots from the vote, so "
            f"{'it stays' if len(voted) == 1 else 'they stay'} in {table.name}'s top {rules.TOP}; "
            f"withdraw those voters' dots first"
        )
    repo.set_top(table.id, ranks)
    top = sorted(ranks, key=lambda pair: pair[1])
    audit(
        session,
        plan,
        actor,
        "workshop_top_three_set",
        now,
        workshop_id=workshop.id,
        table=table.name,
        top=[{"rank": rank, "theme_id": tid, "title": themes[tid].title} for tid, rank in top],
    )
    return [themes[tid] for tid, _ in top]
