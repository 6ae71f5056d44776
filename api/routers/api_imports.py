"""JSON API for imports: an organisation's staff list (read a page of it, or replace it from a CSV or XLSX
file) and a plan survey's paper responses. Uploads are multipart/form-data with the file in ``file``;
all or nothing: a refused file answers 422 with every problem by line and column, having written nothing."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from api.deps import SessionDep
from api.permissions import CurrentPrincipal
from api.uploads import CappedUploadRoute, import_paper_upload, import_staff_upload, limit_words, refusal_of
from plans.domain.errors import InvalidInput
from plans.models import SurveyKind
from plans.services import import_pages

Kind = Literal["baseline", "repeat"]


class ProblemOut(BaseModel):
    line: int = Field(description="the line in the file (1 is the header; an XLSX sheet's row number)")
    column: str = Field(description="the column's header name, or '' for the row as a whole")
    problem: str


class ImportRefusedOut(BaseModel):
    """A refused import: why, and (when the file's rows were at fault) every problem by line and column."""

    error: str = Field(description="invalid (the file), http (413: the upload is too large), ...")
    detail: str
    problems: list[ProblemOut] = Field(default_factory=list, description="the first 1,000 problems, in file order")
    total: int = Field(default=0, description="how many problems were found in all")


class FieldProblemOut(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class UploadRequestProblems(BaseModel):
    """A request that does not fit the operation's parameters (not a file's problems), field by field."""

    detail: list[FieldProblemOut]


class StaffImportOut(BaseModel):
    organisation: str = Field(description="the organisation's code")
    source: str = Field(description="the uploaded file's name")
    rows: int
    eligible: int
    ineligible: dict[str, int] = Field(description="staff not eligible, by reason")
    teams: int = Field(description="teams with anyone eligible")
    kept_not_listed: int = Field(description="invited people missing from the list, kept as not eligible")


class TeamStaffOut(BaseModel):
    code: str
    name: str
    headcount: int = Field(description="the team's eligible headcount (what response rates divide by)")
    eligible: int = Field(description="eligible staff listed for the team")
    ineligible: dict[str, int] = Field(description="staff listed for the team but not eligible, by reason")


class LastImportOut(BaseModel):
    at: datetime
    actor: str
    source: str


class StaffListOut(BaseModel):
    organisation_id: int
    code: str
    name: str
    eligible: int
    ineligible: dict[str, int]
    teams: list[TeamStaffOut] = Field(description="a page of the organisation's teams, by code")
    team_total: int
    page: int
    pages: int
    last_import: LastImportOut | None


class PaperImportOut(BaseModel):
    plan_id: int
    survey_id: int
    kind: str
    source: str
    day: date = Field(description="the day the responses are dated (the import day; never a time)")
    responses: int
    by_team: dict[str, int] = Field(description="responses added, by team code")


FileField = Annotated[UploadFile | None, File(description=f"a .csv (UTF-8) or .xlsx file of at most {limit_words()}")]
SheetField = Annotated[str, Form(max_length=100, description="the XLSX sheet to read (default: the first)")]
REFUSALS: dict[int | str, dict[str, Any]] = {
    413: {"model": ImportRefusedOut, "description": f"The upload is larger than {limit_words()}; nothing was read"},
    422: {
        "model": ImportRefusedOut | UploadRequestProblems,
        "description": "The file is refused (every problem listed) or the request does not fit; nothing was written",
    },
}
router = APIRouter(prefix="/api/v1", tags=["imports"], route_class=CappedUploadRoute)


def _refused(session: Session, exc: InvalidInput) -> JSONResponse:
    """The 422 body of a refused file, after undoing anything the import wrote."""
    session.rollback()
    refusal = refusal_of(exc)
    body = ImportRefusedOut(
        error=refusal.kind,
        detail=refusal.detail,
        problems=[ProblemOut(line=p.line, column=p.column, problem=p.problem) for p in refusal.problems],
        total=refusal.total,
    )
    return JSONResponse(body.model_dump(), status_code=422)


@router.get("/organisations/{organisation_id}/staff", response_model=StaffListOut)
def api_staff_list(organisation_id: int, session: SessionDep, page: Annotated[int, Query(ge=1)] = 1) -> StaffListOut:
    """The organisation's staff list: totals, ineligible staff by reason, the last import, and a page of
    200 teams with their eligible headcount and listed staff."""
    view = import_pages.staff_list_page(session, organisation_id=organisation_id, page=page)
    last = view.last_import
    return StaffListOut(
        organisation_id=view.organisation_id,
        code=view.code,
        name=view.name,
        eligible=view.eligible,
        ineligible=view.ineligible,
        teams=[TeamStaffOut(**asdict(t)) for t in view.teams],
        team_total=view.team_total,
        page=view.page,
        pages=view.pages,
        last_import=LastImportOut(at=last.at, actor=last.actor, source=last.source) if last else None,
    )


@router.post("/organisations/{organisation_id}/staff", response_model=StaffImportOut, responses=REFUSALS)
def api_import_staff(
    organisation_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    file: FileField = None,
    sheet: SheetField = "",
) -> StaffImportOut | JSONResponse:
    """Replace the organisation's staff list from a file and recompute its teams' eligible headcounts,
    all or nothing. Columns: team_code, email, staff_group; optional name, status and any others."""
    import_pages.require_organisation(session, organisation_id=organisation_id)  # 404 before the file
    try:
        summary = import_staff_upload(
            session, organisation_id=organisation_id, upload=file, sheet=sheet, actor=principal.actor
        )
    except InvalidInput as exc:
        return _refused(session, exc)
    return StaffImportOut(**summary.as_data())


@router.post("/plans/{plan_id}/survey/paper", response_model=PaperImportOut, responses=REFUSALS)
def api_import_paper(
    plan_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    kind: Kind = "baseline",
    file: FileField = None,
    sheet: SheetField = "",
) -> PaperImportOut | JSONResponse:
    """Add paper responses to the plan's open survey of this kind, all or nothing. Columns: team_code and
    one per question id (and demographic id) of the survey. 404 until the survey has opened, 409 once it
    has closed."""
    import_pages.organisation_of_plan(session, plan_id=plan_id)  # 404 before the file
    try:
        summary = import_paper_upload(
            session, plan_id=plan_id, kind=SurveyKind(kind), upload=file, sheet=sheet, actor=principal.actor
        )
    except InvalidInput as exc:
        return _refused(session, exc)
    return PaperImportOut(
        plan_id=summary.plan_id,
        survey_id=summary.survey_id,
        kind=summary.kind,
        source=summary.source,
        day=summary.day,
        responses=summary.responses,
        by_team=summary.by_team,
    )
