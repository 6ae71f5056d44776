"""Shapes in and out for the citizen panel's review: a member's verdict, the coordinator's answer and
publish action, the coordinator's view of the panel, the "you said, we did" exchanges, and the panel's
record that the final report reads."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from plans.views import PublicationOut

MAX_WORDS = 4000


class PanelReviewIn(BaseModel):
    """A member's verdict on one published output; words are required to comment or challenge."""

    output: str = Field(min_length=1, max_length=60, description="formative-<n>, summative or repeat-comparison")
    verdict: Literal["endorse", "comment", "challenge"]
    text: str = Field(default="", max_length=MAX_WORDS)


class PanelResponseIn(BaseModel):
    """The coordinator's written answer to one challenge (or comment)."""

    review_id: int = Field(ge=1, le=2**31 - 1)
    response: str = Field(min_length=1, max_length=MAX_WORDS)


class PublishIn(BaseModel):
    """Publish one output to the panel, or every ready one when ``output`` is left out."""

    output: str | None = Field(default=None, min_length=1, max_length=60)


class ExchangeOut(BaseModel):
    """One review with words, and the coordinator's answer if there is one ("you said, we did")."""

    review_id: int
    output: str
    output_title: str
    member: str
    verdict: Literal["endorse", "comment", "challenge"]
    text: str
    at: datetime
    response: str | None
    responded_by: str | None
    responded_at: datetime | None

    @property
    def awaiting_answer(self) -> bool:
        """A challenge with no answer yet: the plan cannot close while there is one."""
        return self.verdict == "challenge" and self.response is None


class OutputVerdicts(BaseModel):
    """The panel's verdicts on one published output, counted; who has not reviewed it yet."""

    output: str
    title: str
    published_at: datetime | None  # None: reviewed before publishing was recorded
    endorse: int
    comment: int
    challenge: int
    unanswered_challenges: int
    not_reviewed: list[str]


class PanelRecord(BaseModel):
    """The panel's review of a plan as the final report tells it: verdicts per published output, in the
    plan's order, and every exchange (reviews with words, and the answers) in the order they were made."""

    plan_id: int
    title: str
    members: list[str]
    outputs: list[OutputVerdicts]
    exchanges: list[ExchangeOut]
    unanswered_challenges: int


class OutputName(BaseModel):
    """An output by name and title (one ready to publish)."""

    output: str
    title: str


class PublishedOut(BaseModel):
    """What a publish action published now (empty when everything ready was published already)."""

    published: list[PublicationOut]


class PanelAdminView(BaseModel):
    """The coordinator's page: the record, what is ready to publish, and what awaits an answer."""

    plan_id: int
    title: str
    stage: str
    stage_label: str
    record: PanelRecord
    ready_to_publish: list[OutputName]
    awaiting: list[ExchangeOut]


class YouSaidWeDid(BaseModel):
    """Every challenge and comment of the panel, with the coordinator's answers, oldest first."""

    plan_id: int
    title: str
    exchanges: list[ExchangeOut]
