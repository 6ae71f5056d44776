"""SQLAlchemy models, one module per aggregate, re-exported here for Alembic and the repositories."""

from plans.models.access import ApiToken, OutboxMessage, Password, SignInEvent, SignInLink, WebSession
from plans.models.audit import AuditEvent
from plans.models.base import Base, utcnow
from plans.models.evaluation import Checkpoint, Expectation, PanelReview, SummativeReport, Verdict
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
from plans.models.survey import Survey, SurveyFinding, SurveyKind, SurveyResponse

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Base",
    "Capacity",
    "Checkpoint",
    "EvidenceKind",
    "EvidenceLink",
    "Expectation",
    "GateOverride",
    "Organisation",
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
    "StageEntry",
    "StatementKind",
    "SummativeReport",
    "Survey",
    "SurveyFinding",
    "SurveyKind",
    "SurveyResponse",
    "Team",
    "Verdict",
    "VisionAgreement",
    "VisionComment",
    "VisionStatement",
    "WebSession",
    "utcnow",
]
