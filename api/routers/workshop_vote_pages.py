"""The workshop's dot vote and its typed-up notes: the shortlist (every table's top three) with the form
to record each voter's dots, the voters so far, the results ranked with ties shown; and the page to import
notes typed up after the day, from a file or pasted from a spreadsheet, all or nothing."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile as ReceivedFile

from api.deps import SessionDep
from api.pages import redirect, render
from api.permissions import CurrentPrincipal
from api.routers.workshop_pages import Text, context, form_errors, ids_of, refused
from api.uploads import CappedUploadRoute, Refusal, limit_words, refusal_of, saved_upload
from plans.domain import workshop as rules
from plans.domain.errors import DomainError, InvalidInput
from plans.models import utcnow
from plans.services import workshop_import, workshop_views, workshop_voting

router = APIRouter(include_in_schema=False, route_class=CappedUploadRoute)
IdList = Annotated[list[str], Form()]
MAX_PASTED = 2 * 2**20


def _vote(
    request: Request,
    session: Session,
    plan_id: int,
    workshop_id: int,
    errors: list[dict[str, str]] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    view = workshop_views.workshop_view(session, plan_id=plan_id, workshop_id=workshop_id)
    return render(request, "workshop_vote.html", {"view": view, **context(request, errors, values)}, status)


@router.get("/plans/{plan_id}/workshops/{workshop_id}/vote", response_class=HTMLResponse)
def vote_page(request: Request, plan_id: int, workshop_id: int, session: SessionDep) -> Response:
    """The shortlist, the form to record a voter's dots, the voters so far and the results."""
    return _vote(request, session, plan_id, workshop_id)


@router.post("/plans/{plan_id}/workshops/{workshop_id}/votes", response_class=HTMLResponse)
def vote_form(
    request: Request,
    plan_id: int,
    workshop_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    voter: Text = "",
    theme_id: IdList = [],  # noqa: B006 (FastAPI copies a form list default)
) -> Response:
    try:
        dots = workshop_voting.cast_dots(
            session,
            plan_id=plan_id,
            workshop_id=workshop_id,
            actor=principal.actor,
            voter=voter,
            theme_ids=ids_of(theme_id),
            now=utcnow(),
        )
    except DomainError as exc:
        status = refused(session, exc)
        values = {"voter": voter, "chosen": set(ids_of(theme_id))}
        errors = form_errors(exc, {"voter": "voter", "themes": "themes"}, "voter")
        return _vote(request, session, plan_id, workshop_id, errors, values, status)
    name = dots[0].voter if dots else rules.words(voter)
    words = f"{len(dots)} dot{'s' if len(dots) != 1 else ''} recorded for {name}."
    return redirect(f"/plans/{plan_id}/workshops/{workshop_id}/vote#record-dots", words)


@router.post("/plans/{plan_id}/workshops/{workshop_id}/votes/withdraw", response_class=HTMLResponse)
def withdraw_votes_form(
    request: Request, plan_id: int, workshop_id: int, session: SessionDep, principal: CurrentPrincipal, voter: Text = ""
) -> Response:
    try:
        taken = workshop_voting.withdraw_dots(
            session, plan_id=plan_id, workshop_id=workshop_id, actor=principal.actor, voter=voter, now=utcnow()
        )
    except DomainError as exc:
        status = refused(session, exc)
        errors = form_errors(exc, {"voter": "withdraw-voter"}, "withdraw-voter")
        return _vote(request, session, plan_id, workshop_id, errors, {"withdraw-voter": voter}, status)
    words = f"{taken} dot{'s' if taken != 1 else ''} of {rules.words(voter)} withdrawn; they can vote again."
    return redirect(f"/plans/{plan_id}/workshops/{workshop_id}/vote#voters", words)


# ---- typed-up notes ------------------------------------------------------------------------------


def _import(
    request: Request,
    session: Session,
    plan_id: int,
    workshop_id: int,
    refusal: Refusal | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    view = workshop_views.workshop_view(session, plan_id=plan_id, workshop_id=workshop_id)
    page = {
        "view": view,
        "refusal": refusal,
        "limit": limit_words(workshop_import.MAX_NOTES_BYTES),
        **context(request, [], values),
    }
    return render(request, "workshop_import.html", page, status)


@router.get("/plans/{plan_id}/workshops/{workshop_id}/import", response_class=HTMLResponse)
def notes_import_page(request: Request, plan_id: int, workshop_id: int, session: SessionDep) -> Response:
    """The columns a notes file needs and the form to import one (or to paste its rows)."""
    return _import(request, session, plan_id, workshop_id)


@contextmanager
def notes_file(upload: ReceivedFile | str | None, pasted: str) -> Iterator[Path]:
    """The notes as a file: the uploaded one, or the pasted rows written to a private temporary file."""
    if isinstance(upload, ReceivedFile) and upload.filename:
        with saved_upload(upload) as path:
            yield path
        return
    if not pasted.strip():
        raise InvalidInput("file: choose a CSV (.csv) or Excel (.xlsx) file, or paste the rows")
    with tempfile.TemporaryDirectory(prefix="coproduce-notes-") as folder:
        path = Path(folder) / "pasted rows.csv"
        path.write_text(pasted.replace("\r\n", "\n"), encoding="utf-8")
        yield path


@router.post("/plans/{plan_id}/workshops/{workshop_id}/import", response_class=HTMLResponse)
def notes_import_form(
    request: Request,
    plan_id: int,
    workshop_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    file: Annotated[UploadFile | None, File()] = None,
    pasted: Annotated[str, Form(max_length=MAX_PASTED)] = "",
    new_tables: Annotated[str, Form(max_length=10)] = "",
    sheet: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    workshop_views.workshop_view(session, plan_id=plan_id, workshop_id=workshop_id)  # 404 before the file
    try:
        with notes_file(file, pasted) as path:
            summary = workshop_import.import_notes(
                session,
                plan_id=plan_id,
                workshop_id=workshop_id,
                path=path,
                actor=principal.actor,
                now=utcnow(),
                new_tables=new_tables == "yes",
                sheet=sheet.strip() or None,
            )
    except DomainError as exc:
        status = refused(session, exc)
        values = {"pasted": pasted, "new_tables": new_tables}
        return _import(request, session, plan_id, workshop_id, refusal_of(exc), values, status)
    created = f" New tables: {', '.join(summary.tables_created)}." if summary.tables_created else ""
    themes = f" {len(summary.themes_created)} new theme{'s' if len(summary.themes_created) != 1 else ''}."
    words = f"{summary.ideas} idea{'s' if summary.ideas != 1 else ''} imported from {summary.source}.{themes}{created}"
    return redirect(f"/plans/{plan_id}/workshops/{workshop_id}", words)
