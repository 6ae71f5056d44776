"""Opening a survey: fix each team's eligible headcount for it, invite every eligible staff member and
queue their invitation emails, all in the opening's own transaction.

The headcounts come from the organisation's staff list (its eligible people per team) or, when it has
none, from the teams' declared headcounts; without a list nobody can be invited by email, and answers
come by team link or on paper. Each invitation's token is derived from the server secret and the
(survey, staff member) pair, so only its hash is stored; the emails share one stored body, are queued
in one INSERT ... SELECT over the invitations, and get their personal link at send time. Running it
again adds nothing: teams, invitations and emails are all keyed, and the walk reads only staff not yet
invited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from plans.config import settings
from plans.models import Organisation, Survey
from plans.repositories.invitations import InvitationRepository
from plans.repositories.outbox import OutboxRepository
from plans.services.outbox import SURVEY_LINK_PLACEHOLDER, render
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
    """The idempotency key of one invitation email (``InvitationRepository.invitation_emails`` builds
    the same in SQL)."""
    return f"survey-invitation:{survey_id}:{staff_member_id}"


def open_survey(session: Session, *, survey: Survey, organisation_id: int, now: datetime) -> Opening:
    """Fix headcounts, add invitations and queue their emails for a survey just created; idempotent."""
    repo = InvitationRepository(session)
    from_list = repo.has_staff_list(organisation_id)
    teams = repo.snapshot_eligible(survey.id, organisation_id, from_staff_list=from_list)
    invited = _invite(session, repo, survey, organisation_id, now) if from_list else 0
    return Opening(teams, from_list, invited)


def _invite(session: Session, repo: InvitationRepository, survey: Survey, organisation_id: int, now: datetime) -> int:
    added = 0
    # tokens need the server secret, so their hashes are made here, a batch at a time; all else is SQL
    for page in repo.uninvited(survey.id, organisation_id, BATCH):
        rows = [(sid, tid, token_hash(token_for(invitation_ref(survey.id, sid)))) for sid, tid in page]
        added += repo.add_invitations(survey.id, rows)
    organisation = session.get(Organisation, organisation_id)
    definition = survey.definition or {}
    intro = definition.get("introduction") or {}
    body = render(
        "survey_invitation",
        survey_link=SURVEY_LINK_PLACEHOLDER,
        title=survey.title,
        organisation=organisation.name if organisation else "",
        purpose=str(intro.get("purpose") or "") if isinstance(intro, dict) else "",
        anonymous=survey.anonymous,
        closes_on=f"{survey.closes_at:%A %-d %B %Y}",
        threshold=settings.reporting_threshold,
    )
    # one stored body for everyone (the personal link goes in at send time), one email per invitation
    body_id = OutboxRepository(session).body_id(body.subject, body.text, body.html)
    repo.invitation_emails(survey.id, kind=INVITATION_KIND, body_id=body_id, now=now)
    return added
