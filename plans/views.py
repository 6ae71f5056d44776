"""Pydantic shapes of what the web pages and the JSON API show beyond a plan's status: the dashboard,
response rates, inboxes, the vision, the panel's outputs, accounts. Outgoing only."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from plans.schemas import PlanStatus
from plans.schemas_gaps import GapChangeOut
from plans.schemas_signoff import PlanDocumentOut


class TeamRate(BaseModel):
    team_id: int
    team: str
    manager: str | None
    eligible: int
    responses: int
    rate: float
    below_target: bool


class SurveyRate(BaseModel):
    """An open survey's live response rate over some teams: counts and rates only, never answers."""

    survey_id: int
    title: str
    kind: str
    target_rate: float
    closes_at: datetime
    eligible: int
    responses: int
    rate: float


class SurveyProgress(SurveyRate):
    """An open survey's live response rate, and the teams (with managers) below its target."""

    teams_below_target: int
    managers_below_target: list[str]


class OverdueItem(BaseModel):
    who: str
    what: str
    since: date


class DashboardRow(PlanStatus):
    overdue: list[OverdueItem]
    survey: SurveyProgress | None


class DashboardPage(BaseModel):
    rows: list[DashboardRow]
    stage: str | None
    page: int
    pages: int
    total: int
    counts: dict[str, int]


class RecommendationOut(BaseModel):
    id: int
    position: int
    title: str
    detail: str
    evidence: list[str]


class DecisionOut(BaseModel):
    approver: str
    decision: str
    comment: str
    version: int
    at: datetime
    content_hash: str | None = None  # of the version decided on (None for decisions made before hashes)


class SignOffView(BaseModel):
    """The plan version out for sign-off (or last sent), its decisions, and who has yet to decide."""

    plan_id: int
    title: str
    summary: str
    stage: str
    version: int
    round_version: int | None
    content_hash: str | None
    deadline: datetime | None
    open: bool
    recommendations: list[RecommendationOut]
    decisions: list[DecisionOut]
    awaiting: list[str]
    sent_by: str | None = None
    # the plan as it stands, with the hash of that content: what a decision form sends back
    document: PlanDocumentOut | None = None


class AuditOut(BaseModel):
    at: datetime
    actor: str
    kind: str
    plan_version: int | None


class MeOut(BaseModel):
    person_id: int
    name: str
    email: str
    roles: list[str]
    via: str


class ApiTokenOut(BaseModel):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class SignOffRequest(BaseModel):
    """A plan version waiting for the signed-in approver's decision."""

    plan_id: int
    title: str
    version: int
    deadline: datetime
    overdue: bool


class PastDecision(BaseModel):
    """A decision the signed-in approver made, on any plan."""

    plan_id: int
    title: str
    version: int
    decision: str
    comment: str
    at: datetime


class TeamSurveyRates(SurveyRate):
    """One open survey's live response rates for a set of teams (a manager's, or a team and those
    below it): counts and rates only, never answers."""

    plan_id: int
    plan_title: str
    below_target: bool
    teams: list[TeamRate]


class TeamLink(BaseModel):
    team_id: int
    team: str
    organisation: str


class PanelWaitingOut(BaseModel):
    """An output published to a citizen panel the person sits on, waiting for their review."""

    plan_id: int
    plan: str
    output: str
    title: str
    published_at: datetime


class ChallengeWaitingOut(BaseModel):
    """A citizen panel challenge on a plan the person coordinates, waiting for their written answer."""

    plan_id: int
    plan: str
    review_id: int
    member: str
    output_title: str
    at: datetime


class InboxView(BaseModel):
    """What is waiting for one person: sign-off requests, their past decisions, their teams' rates, and
    the citizen panel's outputs to review or challenges to answer."""

    sign_off_requests: list[SignOffRequest]
    decisions: list[PastDecision]
    decisions_limited_to: int
    teams: list[TeamLink]
    surveys: list[TeamSurveyRates]
    panel_reviews: list[PanelWaitingOut] = Field(default_factory=list)
    panel_challenges: list[ChallengeWaitingOut] = Field(default_factory=list)


class SignOffReview(BaseModel):
    """The approver's review page: the sign-off view, whether it awaits a decision, and theirs if made."""

    sign_off: SignOffView
    awaiting_decision: bool
    mine: DecisionOut | None


class TeamView(BaseModel):
    """A team and the teams below it, with their live response rates for each open survey."""

    team_id: int
    team: str
    organisation: str
    manager: str | None
    parent_id: int | None
    sub_teams: list[TeamLink]
    surveys: list[TeamSurveyRates]


# the vision ------------------------------------------------------------------------------------------


class VisionCommentOut(BaseModel):
    id: int
    statement_id: int
    author: str
    author_kind: str | None  # "citizen" or "staff"; None once the author has left the working party
    text: str
    created_at: datetime


class VisionStatementOut(BaseModel):
    """A statement as everyone sees it: citizens' and staff's carry the same fields and the same weight."""

    id: int
    kind: str
    text: str
    author: str
    author_kind: str | None
    created_at: datetime
    comments: list[VisionCommentOut]


class VisionMemberOut(BaseModel):
    name: str
    kind: str | None
    contributed: bool
    agreed_at: datetime | None


class VisionView(BaseModel):
    """A plan's vision, its working party's agreement, the vision gate's reasons, and what the viewer
    may do (``can_contribute``: a working party member while the plan is in the vision stage)."""

    plan_id: int
    title: str
    stage: str
    stage_label: str
    open: bool
    aspirations: list[VisionStatementOut]
    current_state: list[VisionStatementOut]
    members: list[VisionMemberOut]
    agreed: list[str]
    not_agreed: list[str]
    citizens_contributed: bool
    staff_contributed: bool
    reasons: list[str]
    viewer_is_member: bool
    can_contribute: bool
    my_agreement: datetime | None


class VisionPlanRow(BaseModel):
    plan_id: int
    title: str
    stage: str
    stage_label: str
    open: bool
    agreed_at: datetime | None


class AgreementOut(BaseModel):
    plan_id: int
    agreed_at: datetime


# the citizen panel's published outputs ------------------------------------------------------------


class CheckpointOut(BaseModel):
    output: str  # the name panel reviews use for it: "formative-<number>"
    number: int
    due_on: date
    recorded_at: datetime
    what_we_did: str
    what_we_learned: str
    what_we_will_change: str
    attendance: int | None


class SummativeReportOut(BaseModel):
    output: str
    what_we_did: str
    what_we_learned: str
    pleased_about: str
    could_have_been_different: str
    recorded_at: datetime


class FindingChangeOut(BaseModel):
    """One question of the repeat survey against the baseline. A figure for a group below the
    reporting threshold is never given: ``suppressed`` findings carry no numbers at all."""

    question_id: str
    question: str
    suppressed: bool
    responses: int | None
    repeat_pct: float | None
    baseline_pct: float | None
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    significant: bool | None
    note: str | None


class ExcludedQuestionOut(BaseModel):
    """A question the comparison leaves out because it changed since the baseline (or was dropped or
    added), with why in words."""

    question_id: str
    question: str
    why: str


class RateChangeOut(BaseModel):
    """The whole organisation's response rate in the repeat survey against the baseline (response counts
    are never suppressed); the change and its 95% interval are None when it could not be tested."""

    responses: int
    eligible: int
    repeat_rate: float | None
    baseline_rate: float | None
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    significant: bool | None


class SurveyComparisonOut(BaseModel):
    title: str
    closed_at: datetime
    threshold: int
    analysed: bool
    findings: list[FindingChangeOut]
    excluded: list[ExcludedQuestionOut] = Field(default_factory=list)
    response_rate: RateChangeOut | None = None
    gaps: list[GapChangeOut] = Field(default_factory=list)


class PanelReviewOut(BaseModel):
    id: int
    output: str
    member: str
    verdict: str
    text: str
    at: datetime
    response: str | None
    responded_by: str | None
    responded_at: datetime | None


class PublicationOut(BaseModel):
    """An output published to the panel: its name (as reviews use it), its title, and when."""

    output: str
    title: str
    published_at: datetime


class PanelPlanView(BaseModel):
    """What a plan has published for its citizen panel, and the panel's reviews of it; nothing else.
    Only published outputs appear; ``can_review`` and ``reviewed_by_me`` are the viewer's."""

    plan_id: int
    title: str
    stage: str
    stage_label: str
    checkpoints: list[CheckpointOut]
    summative_report: SummativeReportOut | None
    repeat_survey: SurveyComparisonOut | None
    reviews: list[PanelReviewOut]
    published: list[PublicationOut] = Field(default_factory=list)
    can_review: bool = False
    reviewed_by_me: list[str] = Field(default_factory=list)


class PanelHome(BaseModel):
    plans: list[PanelPlanView]
