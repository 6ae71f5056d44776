"""Team links: one address a whole team can answer the open survey at (a kiosk, a shared screen, a
round of paper handed out with the address on it), counted for that team, many responses each.

A link's token is derived from the server secret and the link's id, so the coordinator can be shown it
again at any time while the database holds only its hash. Revoking a link makes it answer like an
address that never existed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from plans.domain.errors import InvalidInput, StageLocked
from plans.models import Role, Survey, SurveyTeamLink
from plans.repositories.audit import AuditRepository
from plans.repositories.invitations import InvitationRepository
from plans.repositories.people import PeopleRepository
from plans.services.actors import Actor
from plans.services.lifecycle import load_plan
from plans.services.survey_tokens import survey_url, team_link_ref, token_for, token_hash

MAX_LABEL = 100


@dataclass(frozen=True)
class TeamLinkView:
    """A team link as the coordinator sees it, with its address (derived, never stored)."""

    id: int
    team_code: str
    team_name: str
    label: str
    created_at: datetime
    revoked_at: datetime | None
    url: str


def _open_survey(session: Session, plan_id: int, now: datetime) -> Survey:
    survey = InvitationRepository(session).open_survey_of(plan_id)
    if survey is None or not (survey.opens_at <= now < survey.closes_at):
        raise StageLocked(f"plan {plan_id} has no survey open, so it can have no team links")
    return survey


def _audit(
    session: Session, *, plan_id: int, version: int, actor: Actor, kind: str, now: datetime, data: dict[str, object]
) -> None:
    AuditRepository(session).record(
        plan_id=plan_id,
        kind=kind,
        actor=actor.label,
        actor_id=actor.person_id,
        plan_version=version,
        at=now,
        data=data,
    )


def create(session: Session, *, plan_id: int, team_id: int, label: str, actor: Actor, now: datetime) -> TeamLinkView:
    """A new link for one team of the plan's organisation to answer the plan's open survey."""
    actor.require(Role.COORDINATOR, "creating a team link")
    plan = load_plan(session, plan_id)
    survey = _open_survey(session, plan_id, now)
    team = PeopleRepository(session).team(team_id)
    if team is None or team.organisation_id != plan.organisation_id:
        raise InvalidInput(f"team: no team {team_id} in the plan's organisation")
    label = label.strip()
    if len(label) > MAX_LABEL:
        raise InvalidInput(f"label: write at most {MAX_LABEL} characters")
    repo = InvitationRepository(session)
    # the token needs the link's id, so the row goes in with a random placeholder hash first
    link = repo.add_team_link(
        SurveyTeamLink(
            survey_id=survey.id, team_id=team.id, token_hash=secrets.token_hex(32), label=label, created_at=now
        )
    )
    token = token_for(team_link_ref(link.id))
    link.token_hash = token_hash(token)
    session.flush()
    data: dict[str, object] = {"survey": survey.kind.value, "link": link.id, "team": team.code, "label": label}
    _audit(session, plan_id=plan.id, version=plan.version, actor=actor, kind="team_link_created", now=now, data=data)
    return TeamLinkView(link.id, team.code, team.name, label, now, None, survey_url(token))


def revoke(session: Session, *, plan_id: int, link_id: int, actor: Actor, now: datetime) -> None:
    """Stop a team link answering; revoking one already revoked changes nothing."""
    actor.require(Role.COORDINATOR, "revoking a team link")
    plan = load_plan(session, plan_id)
    repo = InvitationRepository(session)
    link = repo.team_link(link_id)
    survey = session.get(Survey, link.survey_id) if link is not None else None
    if link is None or survey is None or survey.plan_id != plan.id:
        raise InvalidInput(f"link_id: the plan has no team link {link_id}")
    if link.revoked_at is not None:
        return
    link.revoked_at = now
    session.flush()
    data: dict[str, object] = {"survey": survey.kind.value, "link": link.id}
    _audit(session, plan_id=plan.id, version=plan.version, actor=actor, kind="team_link_revoked", now=now, data=data)


@dataclass(frozen=True)
class TeamLinksPage:
    """A plan's team links: its open survey (if any), the teams a link can be for, and the links."""

    plan_id: int
    plan_title: str
    survey_title: str | None
    closes_at: datetime | None
    teams: list[tuple[int, str, str]]  # (id, code, name)
    links: list[TeamLinkView]


def for_plan(session: Session, *, plan_id: int, now: datetime) -> TeamLinksPage:
    """The plan's open survey and its team links, newest first, with their addresses."""
    plan = load_plan(session, plan_id)
    repo = InvitationRepository(session)
    survey = repo.open_survey_of(plan_id)
    if survey is None or not (survey.opens_at <= now < survey.closes_at):
        return TeamLinksPage(plan.id, plan.title, None, None, [], [])
    links = [
        TeamLinkView(
            link.id,
            code,
            name,
            link.label,
            link.created_at,
            link.revoked_at,
            survey_url(token_for(team_link_ref(link.id))),
        )
        for link, code, name in repo.team_links(survey.id)
    ]
    teams = [(t.id, t.code, t.name) for t in PeopleRepository(session).teams(plan.organisation_id)]
    return TeamLinksPage(plan.id, plan.title, survey.title, survey.closes_at, teams, links)
