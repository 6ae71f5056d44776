"""Running a workshop: the coordinator sets it up with its tables, types in ideas as the room writes them
(or imports them typed up afterwards: ``workshop_import``), groups each table's ideas into themes and moves
ideas between them. Choosing each table's top three and the dot vote are in ``workshop_voting``; what the
pages show is in ``workshop_views``.

A workshop can run while the plan is in the vision, evidence survey or recommendations stage. From
sign-off on its record is part of the evidence the approvers read, so every change is refused
(``StageLocked``); a request for changes sends the plan back to recommendations and opens it again.
Every change is audited and wakes the lifecycle flow, like every other decision people make.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from plans.domain import workshop as rules
from plans.domain.errors import AlreadyDecided, InvalidInput, NotFound, StageLocked
from plans.domain.stages import Stage
from plans.models import ContributorType, Idea, Plan, Role, Theme, Workshop, WorkshopTable
from plans.repositories.workshop import WorkshopRepository
from plans.services.actors import Actor
from plans.services.audit_trail import record_and_wake
from plans.services.lifecycle import load_plan

OPEN_STAGES = frozenset({Stage.VISION, Stage.EVIDENCE_SURVEY, Stage.RECOMMENDATIONS})


def stage_refusal(plan: Plan) -> str | None:
    """Why the plan's workshops cannot be changed in its stage, or None when they can."""
    if plan.stage in OPEN_STAGES:
        return None
    if plan.stage is Stage.SIGN_OFF:
        return (
            "the plan has been sent for sign-off, so its workshops are part of the evidence the approvers are "
            "reading and cannot change; if changes are requested the plan returns to recommendations and they "
            "can be changed again"
        )
    return f"the plan has passed sign-off (it is in {plan.stage.label.lower()}), so its workshops are kept as they were"


def open_plan(session: Session, *, plan_id: int, actor: Actor, action: str) -> Plan:
    """The plan, locked for a change to its workshops, after checking the actor coordinates and the
    plan's stage lets its workshops change."""
    actor.require(Role.COORDINATOR, action)
    plan = load_plan(session, plan_id, lock=True)
    refusal = stage_refusal(plan)
    if refusal is not None:
        raise StageLocked(f"{action}: {refusal}")
    return plan


def open_workshop(
    session: Session, *, plan_id: int, workshop_id: int, actor: Actor, action: str
) -> tuple[Plan, Workshop]:
    """``open_plan``, and the plan's workshop (``NotFound`` for another plan's, before any stage refusal)."""
    actor.require(Role.COORDINATOR, action)
    plan = load_plan(session, plan_id, lock=True)
    workshop = WorkshopRepository(session).workshop(plan.id, workshop_id)
    if workshop is None:
        raise NotFound(f"workshop_id: plan {plan.id} has no workshop {workshop_id}")
    refusal = stage_refusal(plan)
    if refusal is not None:
        raise StageLocked(f"{action}: {refusal}")
    return plan, workshop


def audit(session: Session, plan: Plan, actor: Actor, kind: str, now: datetime, **data: Any) -> None:
    """Record one workshop change in the plan's audit log and wake the lifecycle flow if it can move."""
    record_and_wake(session, plan=plan, actor=actor, kind=kind, now=now, data=data)


def clean_text(raw: str, field: str, what: str, limit: int) -> str:
    text = rules.words(raw) if field != "text" else raw.strip()
    problem = rules.text_problem(text, what, limit)
    if problem is not None:
        raise InvalidInput(f"{field}: {problem}")
    return text


def _contributor(raw: str) -> ContributorType:
    problem = rules.contributor_problem(raw)
    if problem is not None:
        raise InvalidInput(f"contributor_type: {problem}")
    found = rules.contributor_type(raw)
    assert found is not None
    return ContributorType(found)


def find_table(session: Session, workshop: Workshop, table_id: int) -> WorkshopTable:
    table = session.get(WorkshopTable, table_id)
    if table is None or table.workshop_id != workshop.id:
        raise InvalidInput(f"table_id: {workshop.title!r} has no table {table_id} (a table of another workshop?)")
    return table


def find_theme(session: Session, workshop: Workshop, theme_id: int, field: str = "theme_id") -> Theme:
    theme = session.get(Theme, theme_id)
    if theme is None or theme.workshop_id != workshop.id:
        raise InvalidInput(f"{field}: {workshop.title!r} has no theme {theme_id}")
    return theme


def _idea(session: Session, workshop: Workshop, idea_id: int) -> Idea:
    idea = session.get(Idea, idea_id)
    if idea is None or idea.workshop_id != workshop.id:
        raise InvalidInput(f"idea_id: {workshop.title!r} has no idea {idea_id} (removed already?)")
    return idea


def table_name(session: Session, table_id: int) -> str:
    table = session.get(WorkshopTable, table_id)
    return table.name if table is not None else f"table {table_id}"


# ---- workshops and tables ------------------------------------------------------------------------


def create_workshop(
    session: Session,
    *,
    plan_id: int,
    actor: Actor,
    title: str,
    held_on: date,
    tables: Sequence[str],
    venue: str = "",
    dots_per_voter: int = 3,
    now: datetime,
) -> Workshop:
    """A new workshop of the plan with its tables (in the order given)."""
    plan = open_plan(session, plan_id=plan_id, actor=actor, action="setting up a workshop")
    problems = []
    clean_title, clean_venue = rules.words(title), rules.words(venue)
    if problem := rules.text_problem(clean_title, "workshop's title", rules.MAX_TITLE):
        problems.append(f"title: {problem}")
    if len(clean_venue) > rules.MAX_TITLE:
        problems.append(f"venue: the venue must be {rules.MAX_TITLE:,} characters or fewer")
    if not 1 <= dots_per_voter <= rules.MAX_DOTS:
        problems.append(f"dots_per_voter: between 1 and {rules.MAX_DOTS} dots per voter ({dots_per_voter} given)")
    problems += rules.table_names_problems(tables)
    rules.refuse_if_any(problems)
    repo = WorkshopRepository(session)
    workshop = repo.add(
        Workshop(
            plan_id=plan.id,
            title=clean_title,
            held_on=held_on,
            venue=clean_venue,
            dots_per_voter=dots_per_voter,
            created_by_id=actor.person_id,
            created_at=now,
        )
    )
    names = [rules.words(n) for n in tables]
    repo.add_all([WorkshopTable(workshop_id=workshop.id, name=n, position=i) for i, n in enumerate(names, start=1)])
    audit(
        session,
        plan,
        actor,
        "workshop_created",
        now,
        workshop_id=workshop.id,
        title=clean_title,
        held_on=held_on.isoformat(),
        tables=names,
        dots_per_voter=dots_per_voter,
    )
    return workshop


def add_table(
    session: Session, *, plan_id: int, workshop_id: int, actor: Actor, name: str, now: datetime
) -> WorkshopTable:
    """One more table (a group that formed on the day), after the others."""
    plan, workshop = open_workshop(
        session, plan_id=plan_id, workshop_id=workshop_id, actor=actor, action="adding a table"
    )
    clean = clean_text(name, "name", "table's name", rules.MAX_TABLE)
    repo = WorkshopRepository(session)
    tables = repo.tables(workshop.id)
    if len(tables) >= rules.MAX_TABLES:
        raise InvalidInput(f"name: a workshop has at most {rules.MAX_TABLES} tables")
    for t in tables:
        if rules.table_key(t.name) == rules.table_key(clean):
            raise AlreadyDecided(f"name: {workshop.title!r} already has a table called {t.name!r}")
    position = max((t.position for t in tables), default=0) + 1
    table = repo.add(WorkshopTable(workshop_id=workshop.id, name=clean, position=position))
    audit(session, plan, actor, "workshop_table_added", now, workshop_id=workshop.id, table_id=table.id, name=clean)
    return table


# ---- ideas ---------------------------------------------------------------------------------------


def add_idea(
    session: Session,
    *,
    plan_id: int,
    workshop_id: int,
    actor: Actor,
    table_id: int,
    text: str,
    contributor_type: str,
    theme_id: int | None = None,
    now: datetime,
) -> Idea:
    """One sticky note as it is written in the room: its table, what it says and who wrote it (the kind
    of person, never the person), optionally straight into one of its table's themes."""
    plan, workshop = open_workshop(
        session, plan_id=plan_id, workshop_id=workshop_id, actor=actor, action="adding an idea"
    )
    table = find_table(session, workshop, table_id)
    words = clean_text(text, "text", "idea as written", rules.MAX_IDEA)
    kind = _contributor(contributor_type)
    if theme_id is not None:
        theme = find_theme(session, workshop, theme_id)
        if theme.table_id != table.id:
            raise InvalidInput(
                f"theme_id: {theme.title!r} is a theme of {table_name(session, theme.table_id)}; "
                f"an idea written at {table.name} goes into one of {table.name}'s themes"
            )
    idea = WorkshopRepository(session).add(
        Idea(
            workshop_id=workshop.id,
            table_id=table.id,
            text=words,
            contributor_type=kind,
            theme_id=theme_id,
            source="live",
            created_at=now,
        )
    )
    audit(
        session,
        plan,
        actor,
        "workshop_idea_added",
        now,
        workshop_id=workshop.id,
        idea_id=idea.id,
        table=table.name,
        contributor_type=kind.value,
        text=words,
    )
    return idea


def edit_idea(
    session: Session,
    *,
    plan_id: int,
    workshop_id: int,
    actor: Actor,
    idea_id: int,
    text: str,
    contributor_type: str,
    now: datetime,
) -> Idea:
    """Correct an idea as typed (a slip of the keyboard, the wrong contributor type)."""
    plan, workshop = open_workshop(
        session, plan_id=plan_id, workshop_id=workshop_id, actor=actor, action="changing an idea"
    )
    idea = _idea(session, workshop, idea_id)
    words = clean_text(text, "text", "idea as written", rules.MAX_IDEA)
    kind = _contributor(contributor_type)
    before = {"text": idea.text, "contributor_type": idea.contributor_type.value}
    idea.text, idea.contributor_type = words, kind
    session.flush()
    audit(
        session,
        plan,
        actor,
        "workshop_idea_edited",
        now,
        workshop_id=workshop.id,
        idea_id=idea.id,
        before=before,
        after={"text": words, "contributor_type": kind.value},
    )
    return idea


def remove_idea(session: Session, *, plan_id: int, workshop_id: int, actor: Actor, idea_id: int, now: datetime) -> None:
    """Take away an idea typed twice or by mistake (the audit log keeps what it said)."""
    plan, workshop = open_workshop(
        session, plan_id=plan_id, workshop_id=workshop_id, actor=actor, action="removing an idea"
    )
    idea = _idea(session, workshop, idea_id)
    gone = {"idea_id": idea.id, "text": idea.text, "contributor_type": idea.contributor_type.value}
    WorkshopRepository(session).delete_idea(idea)
    audit(session, plan, actor, "workshop_idea_removed", now, workshop_id=workshop.id, **gone)
