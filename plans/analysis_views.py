"""Pydantic shapes of a survey's stored analysis as the coordinator's analysis page and its JSON twin show
them: headline figures per question, section means, the heatmap of one breakdown's groups against the
organisation, and what suppression hid. Outgoing only.

A suppressed figure is never carried: a hidden cell has the reason it is hidden and nothing else (not
even how many answered that question), a hidden group its respondents, and every field that could show
an answer is null.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

Band = Literal["well_below", "below", "similar", "above", "well_above"]
CellState = Literal["shown", "suppressed", "no_answers"]
SortKey = Literal["name", "n", "difference"]  # n: the groups' respondents
SortOrder = Literal["asc", "desc"]
AnalysisState = Literal["not_opened", "open", "not_analysed", "analysed"]


class QuestionColumn(BaseModel):
    """A question as a column of the heatmap, in the order the survey asked it."""

    question_id: str
    text: str
    section: str = Field(description="the section's id ('' when the survey has none)")
    section_title: str


class SectionSpan(BaseModel):
    """A run of adjacent columns of one section: the heading above them."""

    section: str
    title: str
    span: int


class HeatmapCell(BaseModel):
    """One group's figure for one question against the organisation's."""

    question_id: str
    n: int | None = Field(description="answers given; null when hidden (the group's respondents are on its row)")
    state: CellState
    pct_positive: float | None = Field(description="0..1; null unless shown")
    ci_low: float | None
    ci_high: float | None
    difference: float | None = Field(description="percentage points above (+) or below (-) the organisation")
    band: Band | None = Field(description="null when hidden, or when the organisation has no figure to compare")
    reason: str | None = Field(description="why the cell is hidden")


class ResponseRateView(BaseModel):
    """Responses against the staff eligible in an organisational group (never hidden: who answered is
    published, what they answered is not), and the change against the baseline survey's rate."""

    eligible: int
    responses: int
    rate: float | None = Field(description="null when nobody was eligible")
    baseline_rate: float | None
    difference: float | None = Field(description="repeat minus baseline rate, as a proportion")
    ci_low: float | None
    ci_high: float | None
    significant: bool | None
    why: str | None = Field(description="why the rate is not compared with the baseline's")


class HeatmapRow(BaseModel):
    """A group of the breakdown and its cells, one per column."""

    group: str
    name: str | None = Field(description="the team's or directorate's name, for organisational breakdowns")
    n: int = Field(description="the group's respondents (always shown, hidden or not)")
    mean_difference: float | None = Field(description="mean of the shown cells' differences (points)")
    suppressed: bool
    reason: str | None
    response_rate: ResponseRateView | None = Field(description="organisational breakdowns only")
    cells: list[HeatmapCell]


class Heatmap(BaseModel):
    """One page of a breakdown's groups against the organisation, question by question."""

    breakdown: str
    columns: list[QuestionColumn]
    sections: list[SectionSpan]
    organisation: list[HeatmapCell] = Field(description="the organisation's own figures (differences of 0)")
    rows: list[HeatmapRow]
    sort: SortKey
    order: SortOrder
    page: int
    per_page: int
    pages: int
    groups: int = Field(description="groups in the breakdown, over all pages")
    well_points: float = Field(description="a difference of at least this many points is 'well' above or below")


class ChangeView(BaseModel):
    """The change of one question's % positive against the baseline survey (as the analysis stored it)."""

    comparable: bool
    suppressed: bool = Field(description="one of the two surveys hides the figure, so there is no comparison")
    baseline_pct: float | None
    difference: float | None = Field(description="repeat minus baseline, as a proportion")
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    significant: bool | None
    why: str | None = Field(description="why there is no comparison (not comparable, or hidden in a survey)")


class QuestionHeadline(BaseModel):
    """A question's organisation-wide figure."""

    question_id: str
    text: str
    section: str
    section_title: str
    respondents: int
    n: int | None = Field(description="answers given; null when hidden")
    suppressed: bool
    reason: str | None
    pct_positive: float | None
    ci_low: float | None
    ci_high: float | None
    options: list[str]
    distribution: list[int] | None = Field(description="answers per option, in the options' order")
    change: ChangeView | None = Field(description="null without a baseline")


class SectionMean(BaseModel):
    """The mean of a section's questions' % positive across the organisation."""

    section: str
    title: str
    questions: int
    mean_pct_positive: float | None
    suppressed: bool


class BreakdownSuppression(BaseModel):
    """How many groups of one breakdown suppression hid, and why: their own size (primary) or to stop
    a hidden group being worked out from the others (secondary)."""

    breakdown: str
    groups: int
    shown: int
    primary: int
    secondary: int


class NotComparable(BaseModel):
    """A question of the repeat survey that is not compared with the baseline, and why."""

    question_id: str
    text: str
    why: str


class AnalysisView(BaseModel):
    """A survey's stored analysis: when and how it ran, and what it found."""

    analysed_at: datetime
    threshold: int
    respondents: int
    baseline_survey_id: int | None
    response_rate: ResponseRateView | None = Field(description="the organisation's, when stored")
    breakdowns: list[str] = Field(description="breakdowns with groups to show, in the order analysed")
    headlines: list[QuestionHeadline]
    sections: list[SectionMean]
    suppression: list[BreakdownSuppression]
    not_comparable: list[NotComparable]
    heatmap: Heatmap | None = Field(description="null when the analysis has no breakdown beyond the organisation")


class AnalysisPage(BaseModel):
    """A plan's survey of one kind and its analysis, or the state that keeps it from having one yet."""

    plan_id: int
    plan_title: str
    kind: str
    state: AnalysisState
    survey_id: int | None
    survey_title: str | None
    closed_at: datetime | None
    analysis: AnalysisView | None
