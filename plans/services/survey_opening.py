"""Opening a survey: fix each team's eligible headcount for it, invite every eligible staff member and
queue their invitation emails, all in the opening's own transaction.

The headcounts come from the organisation's staff list (its eligible people per team) or, when it has
none, from the teams' declared headcounts; without a list nobody can be invited by email, and answers
come by team link or on paper. Each invitation's token is derived from the server secret and the
(survey, staff member) pair, so only its hash is stored; the emails share one stored body and get
their personal link at send time. Running it again adds nothing: teams, invitations and emails are
all keyed, and the walk reads only staff not yet invited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from plans.config import settings
from plans.models import Organisation, Survey
from plans.repositories.invitations import InvitationRepository
from plans.services.outbox import Recipient, enqueue_shared
from plans.services.survey_tokens import invitation_ref, token_for, token_hash

BATCH = 5000
INVITATION_KIND = "survey_invitation"


@dataclass(frozen=True)
class Opening:
    """What opening did: teams whose headcount it fixed, where the headcounts came from, and the
    invitations (each with its email) it added."""

    teams: int
    from_staff_list: bool
    invitations: int


def invitation_key(survey_id: int, staff_member_id: int) -> str:
    """The idempotency key of one invitation email."""
    return f"survey-invitation:{survey_id}:{staff_member_id}"


def open_survey(session: Session, *, survey: Survey, organisation_id: int, now: datetime) -> Opening:
    """Fix headcounts, add invitations and queue their emails for a survey just created; idempotent."""
    repo = InvitationRepository(session)
    from_list = repo.has_staff_list(organisation_id)
    teams = repo.snapshot_eligible(survey.id, organisation_id, from_staff_list=from_list)
    invited = _invite(session, repo, survey, organisation_id, now) if from_list else 0
    return Opening(teams, from_list, invited)


def _invite(session: Session, repo: InvitationRepository, survey: Survey, organisation_id: int, now: datetime) -> int:
    organisation = session.get(Organisation, organisation_id)
    definition = survey.definition or {}
    intro = definition.get("introduction") or {}
    context = {
        "title": survey.title,
        "organisation": organisation.name if organisation else "",
        "purpose": str(intro.get("purpose") or "") if isinstance(intro, dict) else "",
        "anonymous": survey.anonymous,
        "closes_on": f"{survey.closes_at:%A %-d %B %Y}",
        "threshold": settings.reporting_threshold,
    }
    added, after = 0, 0
    while page := repo.uninvited(survey.id, organisation_id, after, BATCH):
        after = page[-1][0]
        refs = [(staff_id, team_id, email, invitation_ref(survey.id, staff_id)) for staff_id, team_id, email in page]
        added += repo.add_invitations(
            [
                {
                    "survey_id": survey.id,
                    "staff_member_id": staff_id,
                    "team_id": team_id,
                    "token_hash": token_hash(token_for(ref)),
                }
                for staff_id, team_id, _, ref in refs
            ]
        )
        enqueue_shared(
            session,
            kind=INVITATION_KIND,
            template="survey_invitation",
            recipients=[Recipient(invitation_key(survey.id, staff_id), email, ref) for staff_id, _, email, ref in refs],
            now=now,
            **context,
        )
    return added
