"""JSON API for answering a survey by link: the questions a link opens, and one response. The token in
the path is the only credential (no sign-in, no API token); it is exempt from the form token because a
request to it carries no ambient authority (api/permissions.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import SessionDep
from plans.db import session_scope
from plans.domain.survey_answers import FREE_TEXT_MAX
from plans.models import utcnow
from plans.services import intake

router = APIRouter(prefix="/api/v1", tags=["survey"])

Answer = str | list[str]


class QuestionOut(BaseModel):
    id: str
    type: str = Field(description="agreement, yes_no, single_choice, multiple_choice or free_text")
    text: str
    help: str | None = None
    answers: list[str] = Field(description="the allowed answers (none for free text)")


class SectionOut(BaseModel):
    id: str
    title: str
    questions: list[QuestionOut]


class DemographicOut(BaseModel):
    id: str
    text: str
    options: list[str] = Field(description="besides these, 'Prefer not to say' is always accepted")
    required: bool


class SurveyLinkOut(BaseModel):
    """The survey a link opens, and whether it can be answered now."""

    state: Literal["open", "used", "closed"]
    channel: Literal["invitation", "team_link"]
    title: str
    anonymous: bool
    closes_at: datetime
    introduction: dict[str, str]
    sections: list[SectionOut]
    demographics: list[DemographicOut]
    prefer_not_to_say: str
    free_text_max: int


class ResponseIn(BaseModel):
    """One response: answers by question id (a list for multiple choice), demographics by id. Questions
    left out are unanswered; at least one must be answered."""

    answers: dict[str, Answer] = Field(max_length=500)
    demographics: dict[str, str] = Field(default_factory=dict, max_length=100)


class ResponseOut(BaseModel):
    recorded: Literal[True] = True
    title: str
    channel: Literal["invitation", "team_link"]


@router.get("/s/{token}", response_model=SurveyLinkOut)
def api_survey_link(token: str, session: SessionDep) -> SurveyLinkOut:
    """The survey this link opens: its introduction, questions by section, demographics, and whether the
    link can answer now ("open"), has answered already ("used") or the survey has "closed". An unknown
    or revoked link is not found."""
    opened = intake.open_link(session, token=token, now=utcnow())
    form = opened.form
    return SurveyLinkOut(
        state=opened.state,  # type: ignore[arg-type]
        channel=opened.channel.value,  # type: ignore[arg-type]
        title=form.title,
        anonymous=form.anonymous,
        closes_at=form.closes_at,
        introduction=form.introduction,
        sections=[SectionOut.model_validate(s) for s in form.sections],
        demographics=[DemographicOut.model_validate(d) for d in form.demographics],
        prefer_not_to_say=form.prefer_not_to_say,
        free_text_max=FREE_TEXT_MAX,
    )


@router.post("/s/{token}", response_model=ResponseOut, status_code=201)
def api_survey_answer(token: str, body: ResponseIn) -> ResponseOut:
    """Answer the survey by this link. Refused with 422 naming each field that does not fit, 409 if the
    link has already answered or the survey has closed, 404 for an unknown or revoked link."""
    # the response's transaction commits here, in the worker thread that took its locks (the team's day
    # counter row): the request session's commit runs later, as a thread-pool task of its own, which
    # under load queued behind requests waiting for those very locks until nothing moved (bench.intake)
    with session_scope() as session:
        receipt = intake.answer(
            session, token=token, answers=body.answers, demographics=body.demographics, now=utcnow()
        )
    return ResponseOut(title=receipt.title, channel=receipt.channel.value)  # type: ignore[arg-type]
