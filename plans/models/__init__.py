"""SQLAlchemy models, one module per aggregate, re-exported here for Alembic and the repositories."""

from plans.models.access import ApiToken, Password, SignInEvent, SignInLink, WebSession
from plans.models.analysis import SurveyAnalysis, SurveyGroupFinding, SurveyResponseRate, SurveySectionFinding
from plans.models.audit import AuditEvent
from plans.models.base import Base, utcnow
from plans.models.chasing import Chase
from plans.models.coproduction import CoproductionRecord
from plans.models.delivery_evidence import (
    BenefitClaim,
    EvidenceItem,
    EvidenceRequest,
    EvidenceType,
    Milestone,
    ObjectiveProgress,
    PanelPublication,
    Rag,
)
from plans.models.evaluation import Checkpoint, Expectation, PanelReview, SummativeReport, Verdict
from plans.models.learning_plan import (
    ActivityKind,
    Aim,
    InvestmentItem,
    InvestmentKind,
    LearningActivity,
    Objective,
    ObjectiveRecommendation,
)
from plans.models.outbox import OutboxBody, OutboxMessage
from plans.models.people import Organisation, Person, PersonRole, Role, Team
from plans.models.plan import (
    Capacity,
    GateOverride,
    Plan,
    PlanMember,
    StageEntry,
    StatementKind,
    VisionAgreement,
    VisionComment,
    VisionStatement,
)
from plans.models.signoff import EvidenceKind, EvidenceLink, Recommendation, SignOffDecision, SignOffRound
from plans.models.staff import StaffMember
from plans.models.survey import (
    Channel,
    Survey,
    SurveyFinding,
    SurveyInvitation,
    SurveyKind,
    SurveyResponse,
    SurveyTeam,
    SurveyTeamDay,
    SurveyTeamLink,
)
from plans.models.workshop import ContributorType, Idea, Theme, ThemeVote, Workshop, WorkshopTable

__all__ = [
    "ActivityKind",
    "Aim",
    "ApiToken",
    "AuditEvent",
    "Base",
    "BenefitClaim",
    "Capacity",
    "Channel",
    "Chase",
    "Checkpoint",
    "ContributorType",
    "CoproductionRecord",
    "EvidenceItem",
    "EvidenceKind",
    "EvidenceLink",
    "EvidenceRequest",
    "EvidenceType",
    "Expectation",
    "GateOverride",
    "Idea",
    "InvestmentItem",
    "InvestmentKind",
    "LearningActivity",
    "Milestone",
    "Objective",
    "ObjectiveProgress",
    "ObjectiveRecommendation",
    "Organisation",
    "OutboxBody",
    "OutboxMessage",
    "PanelPublication",
    "PanelReview",
    "Password",
    "Person",
    "PersonRole",
    "Plan",
    "PlanMember",
    "Rag",
    "Recommendation",
    "Role",
    "SignInEvent",
    "SignInLink",
    "SignOffDecision",
    "SignOffRound",
    "StaffMember",
    "StageEntry",
    "StatementKind",
    "SummativeReport",
    "Survey",
    "SurveyAnalysis",
    "SurveyFinding",
    "SurveyGroupFinding",
    "SurveyInvitation",
    "SurveyKind",
    "SurveyResponse",
    "SurveyResponseRate",
    "SurveySectionFinding",
    "SurveyTeam",
    "SurveyTeamDay",
    "SurveyTeamLink",
    "Team",
    "Theme",
    "ThemeVote",
    "Verdict",
    "VisionAgreement",
    "VisionComment",
    "VisionStatement",
    "WebSession",
    "Workshop",
    "WorkshopTable",
    "utcnow",
]
