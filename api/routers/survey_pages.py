"""The coordinator's survey page: a plan's baseline or repeat survey, its live response rates by
organisation, directorate and team against the target, responses by day, the league table, and the
design lint's report. Counts and rates only: answers are the analysis's business."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.routing import NoMatchFound

from api.deps import SessionDep
from api.pages import render
from api.routers.inbox import when
from plans.models import utcnow
from plans.services.survey_progress import plan_survey
from plans.survey_views import SurveyPage

router = APIRouter(include_in_schema=False)


@router.get("/plans/{plan_id}/survey", response_class=HTMLResponse)
def survey_page(
    request: Request, plan_id: int, session: SessionDep, kind: Literal["baseline", "repeat"] = "baseline"
) -> Response:
    page = plan_survey(session, plan_id=plan_id, kind=kind, now=utcnow())
    return render(
        request, "survey_progress.html", {"page": page, "when": when, "team_links": _team_links(request, page)}
    )


def _team_links(request: Request, page: SurveyPage) -> str | None:
    """The address of the plan's team links page while the survey is open, if the app has one."""
    if page.progress is None or not page.progress.open:
        return None
    try:
        return str(request.app.url_path_for("team_links_page", plan_id=page.plan_id))
    except NoMatchFound:
        return None
