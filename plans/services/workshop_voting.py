"""The dot vote: everyone in the room places their dots on the shortlist (each table's top three), at most
the workshop's ``dots_per_voter`` each and one per theme; the coordinator records each voter's dots as
they are placed, and takes them back when a voter's dots were recorded wrongly.

A voter is known by what the room uses (a badge number, initials): "b12" and "B12" are the same voter, and
the first spelling recorded is kept. All of one voter's dots in a request are recorded or none are: a
duplicate dot or one over the limit refuses the lot with a sentence saying which and why, and so does
(409) the same voter's dots recorded by two coordinators at the same instant.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from plans.domain import workshop as rules
from plans.domain.errors import AlreadyDecided, InvalidInput
from plans.models import ThemeVote
from plans.repositories.workshop import WorkshopRepository
from plans.services.actors import Actor
from plans.services.workshop import audit, open_workshop


def cast_dots(
    session: Session,
    *,
    plan_id: int,
    workshop_id: int,
    actor: Actor,
    voter: str,
    theme_ids: Sequence[int],
    now: datetime,
) -> list[ThemeVote]:
    """Record one voter's dots on shortlisted themes (added to any they placed before)."""
    plan, workshop = open_workshop(
        session, plan_id=plan_id, workshop_id=workshop_id, actor=actor, action="recording dots"
    )
    repo = WorkshopRepository(session)
    themes = repo.themes(workshop.id)
    titles = {t.id: t.title for t in themes}
    shortlist = {t.id: t.title for t in themes if t.top_rank is not None}
    name = rules.words(voter)
    mine = [v for v in repo.votes(workshop.id) if rules.name_key(v.voter) == rules.name_key(name)]
    problems = rules.dot_problems(
        name, theme_ids, [v.theme_id for v in mine], workshop.dots_per_voter, shortlist, titles
    )
    rules.refuse_if_any(problems)
    stored = mine[0].voter if mine else name
    try:  # two people recording the same voter's dots at once: the unique (theme, voter) decides, in words
        with session.begin_nested():
            rows = repo.add_all(
                [ThemeVote(workshop_id=workshop.id, theme_id=tid, voter=stored, at=now) for tid in theme_ids]
            )
    except IntegrityError:
        raise AlreadyDecided(
            f"voter: {stored}'s dots were being recorded by someone else at the same moment, so none of these "
            f"were recorded; look at the voters and record any of {stored}'s dots still missing"
        ) from None
    audit(
        session,
        plan,
        actor,
        "workshop_dots_cast",
        now,
        workshop_id=workshop.id,
        voter=stored,
        themes=[{"theme_id": tid, "title": titles[tid]} for tid in theme_ids],
        dots_used=len(mine) + len(rows),
        dots_per_voter=workshop.dots_per_voter,
    )
    return list(rows)


def withdraw_dots(session: Session, *, plan_id: int, workshop_id: int, actor: Actor, voter: str, now: datetime) -> int:
    """Take back every dot of one voter (recorded against the wrong badge, or on the wrong themes), so
    they can be recorded again. Returns how many dots were taken back."""
    plan, workshop = open_workshop(
        session, plan_id=plan_id, workshop_id=workshop_id, actor=actor, action="withdrawing dots"
    )
    repo = WorkshopRepository(session)
    name = rules.words(voter)
    mine = [v for v in repo.votes(workshop.id) if rules.name_key(v.voter) == rules.name_key(name)]
    if not name or not mine:
        raise InvalidInput(f"voter: no dots are recorded for {name or 'a voter with no name'} in {workshop.title!r}")
    titles = {t.id: t.title for t in repo.themes(workshop.id)}
    stored = mine[0].voter
    withdrawn = [{"theme_id": v.theme_id, "title": titles.get(v.theme_id, "")} for v in mine]
    taken = repo.delete_votes(workshop.id, stored)
    audit(
        session,
        plan,
        actor,
        "workshop_dots_withdrawn",
        now,
        workshop_id=workshop.id,
        voter=stored,
        themes=withdrawn,
    )
    return taken
