"""SQLAlchemy models, one module per aggregate, re-exported here for Alembic and the repositories."""

from plans.models.access import ApiToken, Password, SignInEvent, SignInLink, WebSession
from plans.models.analysis import SurveyAnalysis, SurveyGroupFinding, SurveyResponseRate, SurveySectionFinding
from plans.models.audit import AuditEvent
from plans.models.base import Base, utcnow
from plans.models.chasing import Chase
from plans.models.evaluation import Checkpoint, Expectation, PanelReview, SummativeReport, Verdict
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

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Base",
    "Capacity",
    "Channel",
    "Chase",
    "Checkpoint",
    "EvidenceKind",
    "EvidenceLink",
    "Expectation",
    "GateOverride",
    "Organisation",
    "OutboxBody",
    "OutboxMessage",
    "PanelReview",
    "Password",
    "Person",
    "PersonRole",
    "Plan",
    "PlanMember",
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
    "Verdict",
    "VisionAgreement",
    "VisionComment",
    "VisionStatement",
    "WebSession",
    "utcnow",
]
