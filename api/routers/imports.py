"""The coordinator's import pages: an organisation's staff list (the current list per team, and a new
list uploaded to replace it) and a plan survey's paper responses. An upload is all or nothing: a refused
file re-renders the page with every problem listed by line and column, and nothing is written."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from api.deps import SessionDep
from api.pages import redirect, render
from api.permissions import CurrentPrincipal
from api.routers.inbox import when
from api.uploads import CappedUploadRoute, Refusal, import_paper_upload, import_staff_upload, limit_words, refusal_of
from plans.domain.errors import DomainError
from plans.models import SurveyKind
from plans.services import import_pages

router = APIRouter(include_in_schema=False, route_class=CappedUploadRoute)
Kind = Literal["baseline", "repeat"]
UploadField = Annotated[UploadFile | None, File()]
SheetField = Annotated[str, Form(max_length=100)]
PASSES = frozenset({"forbidden", "unauthenticated"})  # never shown as a problem with the file
STATUS = {"invalid": 422}  # anything else the import refuses (a closed survey): 409


def _refused(session: Session, exc: DomainError) -> tuple[Refusal, int]:
    """Undo whatever the refused import wrote (the request's transaction would otherwise commit it)."""
    if exc.kind in PASSES:
        raise exc
    session.rollback()
    return refusal_of(exc), STATUS.get(exc.kind, 409)


def _staff(
    request: Request,
    session: Session,
    organisation_id: int,
    page: int,
    refusal: Refusal | None = None,
    status: int = 200,
) -> Response:
    view = import_pages.staff_list_page(session, organisation_id=organisation_id, page=page)
    context = {"view": view, "when": when, "refusal": refusal, "limit": limit_words()}
    return render(request, "staff_list.html", context, status=status)


@router.get("/organisations/{organisation_id}/staff", response_class=HTMLResponse)
def staff_list_page(request: Request, organisation_id: int, session: SessionDep, page: int = 1) -> Response:
    """The organisation's staff list per team, its last import, and the form to replace it."""
    return _staff(request, session, organisation_id, page)


@router.post("/organisations/{organisation_id}/staff", response_class=HTMLResponse)
def staff_list_form(
    request: Request,
    organisation_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    file: UploadField = None,
    sheet: SheetField = "",
) -> Response:
    """Replace the staff list from an uploaded file; a refused file re-renders the page with its problems."""
    import_pages.require_organisation(session, organisation_id=organisation_id)  # 404 before anything else
    try:
        summary = import_staff_upload(
            session, organisation_id=organisation_id, upload=file, sheet=sheet, actor=principal.actor
        )
    except DomainError as exc:
        refusal, status = _refused(session, exc)
        return _staff(request, session, organisation_id, 1, refusal, status)
    words = import_pages.staff_summary_words(summary)
    return redirect(f"/organisations/{organisation_id}/staff", words)


@router.get("/plans/{plan_id}/staff", response_class=HTMLResponse)
def plan_staff_page(plan_id: int, session: SessionDep) -> Response:
    """The staff list of the plan's organisation (the plan and survey pages link here)."""
    organisation_id = import_pages.organisation_of_plan(session, plan_id=plan_id)
    return redirect(f"/organisations/{organisation_id}/staff")


def _paper(
    request: Request, session: Session, plan_id: int, kind: Kind, refusal: Refusal | None = None, status: int = 200
) -> Response:
    view = import_pages.paper_page(session, plan_id=plan_id, kind=SurveyKind(kind))
    context = {"view": view, "when": when, "refusal": refusal, "limit": limit_words()}
    return render(request, "paper_responses.html", context, status=status)


@router.get("/plans/{plan_id}/survey/paper", response_class=HTMLResponse)
def paper_responses_page(request: Request, plan_id: int, session: SessionDep, kind: Kind = "baseline") -> Response:
    """The plan survey's paper responses: the columns a file needs, the upload form, recent imports."""
    return _paper(request, session, plan_id, kind)


@router.post("/plans/{plan_id}/survey/paper", response_class=HTMLResponse)
def paper_responses_form(
    request: Request,
    plan_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    kind: Kind = "baseline",
    file: UploadField = None,
    sheet: SheetField = "",
) -> Response:
    """Add paper responses from an uploaded file; a refused file re-renders the page with its problems."""
    import_pages.organisation_of_plan(session, plan_id=plan_id)  # 404 before anything else
    try:
        summary = import_paper_upload(
            session, plan_id=plan_id, kind=SurveyKind(kind), upload=file, sheet=sheet, actor=principal.actor
        )
    except DomainError as exc:
        refusal, status = _refused(session, exc)
        return _paper(request, session, plan_id, kind, refusal, status)
    words = import_pages.paper_summary_words(summary)
    return redirect(f"/plans/{plan_id}/survey/paper?kind={kind}", words)
