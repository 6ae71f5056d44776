"""What is waiting for a person, and a team's live response rates.

The inbox gathers, for one signed-in person: the sign-off requests addressed to them, the decisions they
have made, and, if they manage teams, those teams' live response rates in every open survey of their
organisations' plans. The team page shows one team and everything below it the same way. Both reuse the
dashboard's per-team counts and rate rules, so a team's rate reads the same on every page, and both cost
a fixed number of queries however many plans or teams there are. Only counts and rates are shown:
answers never leave the survey analysis.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from plans.domain.errors import NotFound
from plans.domain.stages import Stage
from plans.repositories.dashboard import DashboardRepository, TeamCount
from plans.repositories.inbox import InboxRepository, TeamRow
from plans.repositories.people import PeopleRepository
from plans.repositories.signoff import SignOffRepository
from plans.services import panel
from plans.services.dashboard import team_rates
from plans.services.plan_views import sign_off
from plans.views import (
    DecisionOut,
    InboxView,
    PastDecision,
    SignOffRequest,
    SignOffReview,
    TeamLink,
    TeamSurveyRates,
    TeamView,
)

RECENT_DECISIONS = 50


def _link(row: TeamRow) -> TeamLink:
    return TeamLink(team_id=row.team_id, team=row.name, organisation=row.organisation)


def surveys_for_teams(
    session: Session, *, organisation_ids: Iterable[int], team_ids: set[int], now: datetime
) -> list[TeamSurveyRates]:
    """Live rates of ``team_ids`` in each open survey of these organisations' plans (teams with no
    eligible staff, such as directorates, count through the teams below them)."""
    plans = InboxRepository(session).plans_of_organisations(sorted(set(organisation_ids)))
    repo = DashboardRepository(session)
    surveys = repo.open_surveys(list(plans), now)
    by_survey: dict[int, list[TeamCount]] = defaultdict(list)
    for count in repo.team_counts(surveys):
        if count.team_id in team_ids:
            by_survey[count.survey_id].append(count)
    out = []
    for plan_id, survey in sorted(surveys.items(), key=lambda item: (item[1].closes_at, item[0])):
        rates = team_rates(by_survey[survey.id], survey.target_rate)
        if not rates:
            continue
        eligible = sum(r.eligible for r in rates)
        responses = sum(r.responses for r in rates)
        rate = responses / eligible if eligible else 0.0
        out.append(
            TeamSurveyRates(
                survey_id=survey.id,
                plan_id=plan_id,
                plan_title=plans[plan_id],
                title=survey.title,
                kind=survey.kind.value,
                target_rate=survey.target_rate,
                closes_at=survey.closes_at,
                eligible=eligible,
                responses=responses,
                rate=rate,
                below_target=rate < survey.target_rate,
                teams=rates,
            )
        )
    return out


def inbox(session: Session, *, person_id: int, now: datetime) -> InboxView:
    """The person's sign-off requests, their recent decisions, their teams' live response rates, and what
    the citizen panel is waiting for from them (a review, or an answer to a challenge)."""
    repo = InboxRepository(session)
    requests = [
        SignOffRequest(
            plan_id=r.plan_id, title=r.title, version=r.version, deadline=r.deadline, overdue=r.deadline < now
        )
        for r in repo.open_requests(person_id)
    ]
    decisions = [PastDecision(**vars(d)) for d in repo.decisions_of(person_id, RECENT_DECISIONS)]
    managed = repo.teams_managed_by(person_id)
    surveys: list[TeamSurveyRates] = []
    if managed:
        team_ids = set(PeopleRepository(session).managed_team_ids(person_id))
        surveys = surveys_for_teams(
            session, organisation_ids=[t.organisation_id for t in managed], team_ids=team_ids, now=now
        )
    panel_reviews, panel_challenges = panel.inbox_items(session, person_id=person_id)
    return InboxView(
        sign_off_requests=requests,
        decisions=decisions,
        decisions_limited_to=RECENT_DECISIONS,
        teams=[_link(t) for t in managed],
        surveys=surveys,
        panel_reviews=panel_reviews,
        panel_challenges=panel_challenges,
    )


def team(session: Session, *, team_id: int, now: datetime) -> TeamView:
    """One team with the teams directly below it, and the live rates of it and everything below it."""
    repo = InboxRepository(session)
    row = repo.team(team_id)
    if row is None:
        raise NotFound(f"team {team_id} was not found")
    surveys = surveys_for_teams(
        session, organisation_ids=[row.organisation_id], team_ids=repo.subtree_ids(team_id), now=now
    )
    return TeamView(
        team_id=row.team_id,
        team=row.name,
        organisation=row.organisation,
        manager=row.manager,
        parent_id=row.parent_id,
        sub_teams=[_link(t) for t in repo.sub_teams(team_id)],
        surveys=surveys,
    )


def review(session: Session, *, plan_id: int, person_id: int) -> SignOffReview:
    """An approver's view of a plan's sign-off: the round, whether it awaits a decision, and theirs."""
    view = sign_off(session, plan_id=plan_id, with_document=True)
    awaiting = view.stage == Stage.SIGN_OFF.value and view.open and view.round_version == view.version
    mine = None
    if view.round_version is not None:
        repo = SignOffRepository(session)
        rnd = repo.round_for(plan_id, view.round_version)
        row = repo.decision_of(rnd.id, person_id) if rnd is not None else None
        if row is not None:
            mine = DecisionOut(
                approver="you",
                decision=row.decision.value,
                comment=row.comment,
                version=row.version,
                at=row.at,
                content_hash=row.content_hash,
            )
    return SignOffReview(sign_off=view, awaiting_decision=awaiting, mine=mine)
