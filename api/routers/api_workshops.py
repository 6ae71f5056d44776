"""JSON API for a plan's workshops: read them (the workshops with their counts; one workshop as the room
sees it: tables, themes with their ideas and who wrote them, each table's top three, the shortlist, the
dot vote's results with ties and the voters), and run one as the pages do: set it up, add a table, add,
correct or remove an idea, add, rename or remove a theme, move ideas between a table's themes, choose a
table's top three, record or withdraw a voter's dots, and import typed-up notes sent as CSV text.

The working party and coordinators may read, as on the pages; only coordinators change, and only while
the plan is in the vision, evidence survey or recommendations stage (409 after). Another plan's workshop
answers 404. Ids of tables, ideas and themes travel in the body, like the pages' forms. A refusal names
its field (``title: ...``) with 422, or says why the workshop's state refuses it with 409, and writes
nothing. What was created is answered with 201: a workshop, table, idea or theme as stored (its id for
later calls), dots with the workshop's results; a change answers the workshop as it now is.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from api.deps import SessionDep
from api.permissions import CurrentPrincipal
from api.routers.api_imports import ImportRefusedOut, ProblemOut, UploadRequestProblems
from api.uploads import refusal_of
from plans.domain.errors import InvalidInput
from plans.models import utcnow
from plans.schemas_workshop import (
    DotsIn,
    IdeaEditIn,
    IdeaIn,
    IdeaOut,
    IdeaRefIn,
    MoveIn,
    NotesImportOut,
    NotesIn,
    PlanWorkshops,
    TableBrief,
    TableIn,
    ThemeBrief,
    ThemeEditIn,
    ThemeIn,
    ThemeRefIn,
    TopThreeIn,
    VoterIn,
    WorkshopIn,
    WorkshopView,
)
from plans.services import workshop, workshop_import, workshop_themes, workshop_views, workshop_voting

router = APIRouter(prefix="/api/v1", tags=["workshops"])
ONE = "/plans/{plan_id}/workshops/{workshop_id}"
NOTES_REFUSED: dict[int | str, dict[str, Any]] = {
    422: {
        "model": ImportRefusedOut | UploadRequestProblems,
        "description": "The notes are refused (every problem by line and column) or the body does not fit; "
        "nothing was written",
    },
}


@router.get("/plans/{plan_id}/workshops", response_model=PlanWorkshops)
def api_workshops(plan_id: int, session: SessionDep, principal: CurrentPrincipal) -> PlanWorkshops:
    """The plan's workshops with their counts, and whether the plan's stage lets them change."""
    return workshop_views.plan_workshops(session, plan_id=plan_id)


@router.get(ONE, response_model=WorkshopView)
def api_workshop(plan_id: int, workshop_id: int, session: SessionDep, principal: CurrentPrincipal) -> WorkshopView:
    """One workshop: its tables, themes and ideas (by contributor type), top threes, shortlist and results."""
    return workshop_views.workshop_view(session, plan_id=plan_id, workshop_id=workshop_id)


# ---- setting up ----------------------------------------------------------------------------------


@router.post("/plans/{plan_id}/workshops", response_model=WorkshopView, status_code=201)
def api_create_workshop(
    plan_id: int, body: WorkshopIn, session: SessionDep, principal: CurrentPrincipal
) -> WorkshopView:
    """Set up a workshop with its tables, in the order given; answers the new workshop."""
    made = workshop.create_workshop(session, plan_id=plan_id, actor=principal.actor, **body.model_dump(), now=utcnow())
    return workshop_views.workshop_view(session, plan_id=plan_id, workshop_id=made.id)


@router.post(f"{ONE}/tables", response_model=TableBrief, status_code=201)
def api_add_table(
    plan_id: int, workshop_id: int, body: TableIn, session: SessionDep, principal: CurrentPrincipal
) -> TableBrief:
    """One more table (a group that formed on the day), after the others."""
    table = workshop.add_table(
        session, plan_id=plan_id, workshop_id=workshop_id, actor=principal.actor, name=body.name, now=utcnow()
    )
    return workshop_views.table_brief(table)


# ---- ideas ---------------------------------------------------------------------------------------


@router.post(f"{ONE}/ideas", response_model=IdeaOut, status_code=201)
def api_add_idea(
    plan_id: int, workshop_id: int, body: IdeaIn, session: SessionDep, principal: CurrentPrincipal
) -> IdeaOut:
    """An idea as written on a sticky note at a table, by contributor type (optionally under one of the
    table's themes straight away)."""
    idea = workshop.add_idea(
        session,
        plan_id=plan_id,
        workshop_id=workshop_id,
        actor=principal.actor,
        table_id=body.table_id,
        text=body.text,
        contributor_type=body.contributor_type.value,
        theme_id=body.theme_id,
        now=utcnow(),
    )
    return workshop_views.idea_out(idea)


@router.put(f"{ONE}/ideas", response_model=WorkshopView)
def api_edit_idea(
    plan_id: int, workshop_id: int, body: IdeaEditIn, session: SessionDep, principal: CurrentPrincipal
) -> WorkshopView:
    """Correct an idea as typed: its words or who wrote it."""
    workshop.edit_idea(
        session,
        plan_id=plan_id,
        workshop_id=workshop_id,
        actor=principal.actor,
        idea_id=body.idea_id,
        text=body.text,
        contributor_type=body.contributor_type.value,
        now=utcnow(),
    )
    return workshop_views.workshop_view(session, plan_id=plan_id, workshop_id=workshop_id)


@router.delete(f"{ONE}/ideas", response_model=WorkshopView)
def api_remove_idea(
    plan_id: int, workshop_id: int, body: IdeaRefIn, session: SessionDep, principal: CurrentPrincipal
) -> WorkshopView:
    """Remove an idea typed twice or by mistake (the audit log keeps its words)."""
    workshop.remove_idea(
        session, plan_id=plan_id, workshop_id=workshop_id, actor=principal.actor, idea_id=body.idea_id, now=utcnow()
    )
    return workshop_views.workshop_view(session, plan_id=plan_id, workshop_id=workshop_id)


# ---- themes and top threes -----------------------------------------------------------------------


@router.post(f"{ONE}/themes", response_model=ThemeBrief, status_code=201)
def api_add_theme(
    plan_id: int, workshop_id: int, body: ThemeIn, session: SessionDep, principal: CurrentPrincipal
) -> ThemeBrief:
    """A theme a table named, with the table's ideas it groups (more can be moved in later)."""
    theme = workshop_themes.add_theme(
        session, plan_id=plan_id, workshop_id=workshop_id, actor=principal.actor, **body.model_dump(), now=utcnow()
    )
    return workshop_views.theme_brief(theme)


@router.put(f"{ONE}/themes", response_model=WorkshopView)
def api_edit_theme(
    plan_id: int, workshop_id: int, body: ThemeEditIn, session: SessionDep, principal: CurrentPrincipal
) -> WorkshopView:
    """Rename a theme or change what the table meant by it."""
    workshop_themes.edit_theme(
        session, plan_id=plan_id, workshop_id=workshop_id, actor=principal.actor, **body.model_dump(), now=utcnow()
    )
    return workshop_views.workshop_view(session, plan_id=plan_id, workshop_id=workshop_id)


@router.delete(f"{ONE}/themes", response_model=WorkshopView)
def api_remove_theme(
    plan_id: int, workshop_id: int, body: ThemeRefIn, session: SessionDep, principal: CurrentPrincipal
) -> WorkshopView:
    """Remove a theme; its ideas stay, ungrouped (409 while a recommendation cites it or it has dots)."""
    workshop_themes.remove_theme(
        session, plan_id=plan_id, workshop_id=workshop_id, actor=principal.actor, theme_id=body.theme_id, now=utcnow()
    )
    return workshop_views.workshop_view(session, plan_id=plan_id, workshop_id=workshop_id)


@router.post(f"{ONE}/moves", response_model=WorkshopView)
def api_move_ideas(
    plan_id: int, workshop_id: int, body: MoveIn, session: SessionDep, principal: CurrentPrincipal
) -> WorkshopView:
    """Put ideas under a theme of their own table (``theme_id`` null: out of any theme), all or nothing."""
    workshop_themes.move_ideas(
        session, plan_id=plan_id, workshop_id=workshop_id, actor=principal.actor, **body.model_dump(), now=utcnow()
    )
    return workshop_views.workshop_view(session, plan_id=plan_id, workshop_id=workshop_id)


@router.put(f"{ONE}/top-three", response_model=WorkshopView)
def api_set_top_three(
    plan_id: int, workshop_id: int, body: TopThreeIn, session: SessionDep, principal: CurrentPrincipal
) -> WorkshopView:
    """A table's top three: exactly three of its themes ranked 1, 2 and 3 (``top`` empty clears it)."""
    workshop_themes.set_top_three(
        session,
        plan_id=plan_id,
        workshop_id=workshop_id,
        actor=principal.actor,
        table_id=body.table_id,
        ranks=[(r.theme_id, r.rank) for r in body.top],
        now=utcnow(),
    )
    return workshop_views.workshop_view(session, plan_id=plan_id, workshop_id=workshop_id)


# ---- the dot vote --------------------------------------------------------------------------------


@router.post(f"{ONE}/votes", response_model=WorkshopView, status_code=201)
def api_cast_dots(
    plan_id: int, workshop_id: int, body: DotsIn, session: SessionDep, principal: CurrentPrincipal
) -> WorkshopView:
    """Record one voter's dots on shortlisted themes, all or none; answers the workshop with its results."""
    workshop_voting.cast_dots(
        session, plan_id=plan_id, workshop_id=workshop_id, actor=principal.actor, **body.model_dump(), now=utcnow()
    )
    return workshop_views.workshop_view(session, plan_id=plan_id, workshop_id=workshop_id)


@router.delete(f"{ONE}/votes", response_model=WorkshopView)
def api_withdraw_dots(
    plan_id: int, workshop_id: int, body: VoterIn, session: SessionDep, principal: CurrentPrincipal
) -> WorkshopView:
    """Take back every dot of one voter, so they can be recorded again."""
    workshop_voting.withdraw_dots(
        session, plan_id=plan_id, workshop_id=workshop_id, actor=principal.actor, voter=body.voter, now=utcnow()
    )
    return workshop_views.workshop_view(session, plan_id=plan_id, workshop_id=workshop_id)


# ---- typed-up notes ------------------------------------------------------------------------------


@contextmanager
def _notes_file(csv: str) -> Iterator[Path]:
    """The CSV text as a file in a private temporary folder (the importer reads a path)."""
    with tempfile.TemporaryDirectory(prefix="coproduce-notes-") as folder:
        path = Path(folder) / "notes.csv"
        path.write_text(csv.replace("\r\n", "\n"), encoding="utf-8")
        yield path


def _refused(session: Session, exc: InvalidInput) -> JSONResponse:
    """The 422 body of refused notes, after undoing anything the import wrote (as ``api_imports``)."""
    session.rollback()
    refusal = refusal_of(exc)
    problems = [ProblemOut(line=p.line, column=p.column, problem=p.problem) for p in refusal.problems]
    body = ImportRefusedOut(error=refusal.kind, detail=refusal.detail, problems=problems, total=refusal.total)
    return JSONResponse(body.model_dump(), status_code=422)


@router.post(f"{ONE}/notes", response_model=NotesImportOut, status_code=201, responses=NOTES_REFUSED)
def api_import_notes(
    plan_id: int, workshop_id: int, body: NotesIn, session: SessionDep, principal: CurrentPrincipal
) -> NotesImportOut | JSONResponse:
    """Import notes typed up after the day, all or nothing: CSV text with the columns table, idea,
    contributor_type and (optionally) theme. The same text imported twice is refused (409)."""
    workshop_views.workshop_view(session, plan_id=plan_id, workshop_id=workshop_id)  # 404 before the notes
    try:
        with _notes_file(body.csv) as path:
            summary = workshop_import.import_notes(
                session,
                plan_id=plan_id,
                workshop_id=workshop_id,
                path=path,
                actor=principal.actor,
                now=utcnow(),
                new_tables=body.new_tables,
            )
    except InvalidInput as exc:
        return _refused(session, exc)
    return workshop_views.notes_import_out(summary)
