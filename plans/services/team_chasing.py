"""Managers of teams below a survey's target climb the survey's ladder: reminders to the manager, an
escalation to the manager's line manager (the parent team's manager, else the plan's coordinator), then
the team is named in the weekly league table. A team that reaches the target stops being chased; a
team at the reward rate is recognised once.

All teams of all open surveys are read in one query and decided in memory by the pure ladder (60,000
teams is a few hundred milliseconds); the rungs taken are saved and the letters written in batches."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from plans.domain.chasing_config import ChasingConfig, Rung
from plans.domain.ladder import ChaseState, due_rung, is_named, rung_label
from plans.domain.league import meets
from plans.repositories.chasing import SURVEY_TEAM, ChasingRepository, Contact, OpenSurvey, TeamRow, team_subject
from plans.services.chase_letters import Letters, link, percent
from plans.services.outbox import render

REWARD_KIND = "survey_reward"


@dataclass
class TeamChaseResult:
    """What the ladder did today, and which teams stand named (per survey) for the league table."""

    climbed: int = 0
    manager_letters: int = 0
    escalation_letters: int = 0
    newly_named: int = 0
    resolved: int = 0
    rewards: int = 0
    named: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))


def reward_key(survey_id: int, team_id: int) -> str:
    """The idempotency key of a team's recognition: once per team and survey, ever."""
    return f"survey-reward:{survey_id}:{team_id}"


def _item(row: TeamRow, survey: OpenSurvey, today: date) -> dict[str, Any]:
    return {
        "survey": survey.title,
        "team": row.team,
        "manager": row.manager.name if row.manager else None,
        "responses": row.responses,
        "eligible": row.eligible,
        "percent": percent(row.responses / row.eligible),
        "target": percent(survey.target_rate),
        "days_left": max(0, (survey.closes_at.date() - today).days),
        "link": link(f"/teams/{row.team_id}"),
    }


def chase_teams(
    session: Session,
    *,
    surveys: list[OpenSurvey],
    configs: dict[int, ChasingConfig],
    today: date,
    now: datetime,
) -> TeamChaseResult:
    """Climb the ladder for every team below target in these surveys, resolve teams at target, and
    recognise teams at the reward rate."""
    result = TeamChaseResult()
    repo = ChasingRepository(session)
    by_id = {s.id: s for s in surveys}
    coordinators = repo.contacts(s.coordinator_id for s in surveys)
    managers = Letters("survey_chase", "chase_manager", "survey-chase")
    escalations = Letters("survey_escalation", "chase_escalation", "survey-escalation")
    steps: list[dict[str, Any]] = []
    resolve: list[int] = []
    rewards: list[tuple[TeamRow, OpenSurvey]] = []
    for row in repo.team_rows(list(by_id)):
        survey, config = by_id[row.survey_id], configs[row.survey_id]
        reward = config.reward
        if row.manager and row.eligible >= reward.min_eligible and meets(row.responses, row.eligible, reward.at_rate):
            rewards.append((row, survey))
        if row.resolved_on is not None:
            continue
        if meets(row.responses, row.eligible, survey.target_rate):
            if row.chase_id is not None:
                resolve.append(row.chase_id)
            continue
        ladder, step = config.manager_ladder, row.step
        rung = due_rung(ladder, ChaseState(row.step, row.last_step_on, survey.opens_at.date()), today)
        if rung is not None:
            step = rung + 1
            subject = team_subject(row.survey_id, row.team_id)
            steps.append(
                {
                    "subject": subject,
                    "plan_id": survey.plan_id,
                    "person_id": row.manager.id if row.manager else None,
                    "step": step,
                    "last_step_on": today,
                }
            )
            action = ladder[rung].action
            item = _item(row, survey, today) | {"action": action.value, "label": rung_label(ladder, rung)}
            if action is Rung.ESCALATE:
                above = _line_manager(row, coordinators.get(survey.coordinator_id))
                item["escalated_to"] = above.name if above else "the survey's coordinator"
                if above is not None:
                    escalations.add(above, subject, rung, item)
            if action is Rung.NAME:
                result.newly_named += 1
            if row.manager is not None:
                managers.add(row.manager, subject, rung, item)
        if is_named(config.manager_ladder, step):
            result.named[row.survey_id].add(row.team_id)
    repo.save_steps(SURVEY_TEAM, steps)
    result.climbed = len(steps)
    result.resolved = repo.resolve(resolve, today)
    result.manager_letters = managers.write(session, today=today, now=now)
    result.escalation_letters = escalations.write(session, today=today, now=now)
    result.rewards = _recognise(session, rewards, configs, now)
    return result


def _line_manager(row: TeamRow, coordinator: Contact | None) -> Contact | None:
    """Who an escalation goes to: the parent team's manager, unless that is the manager themself or
    there is none, then the plan's coordinator."""
    line = row.line_manager
    if line is None or (row.manager is not None and line.id == row.manager.id):
        return coordinator
    return line


def _recognise(
    session: Session, teams: list[tuple[TeamRow, OpenSurvey]], configs: dict[int, ChasingConfig], now: datetime
) -> int:
    """One recognition per team at the reward rate, to its manager; teams already recognised are
    found by key first, so a daily run renders nothing for them."""
    if not teams:
        return 0
    keys = [reward_key(row.survey_id, row.team_id) for row, _ in teams]
    done = ChasingRepository(session).existing_keys(keys)
    rows = []
    for key, (team, survey) in zip(keys, teams, strict=True):
        if key in done or team.manager is None:
            continue
        body = render(
            "reward",
            name=team.manager.name,
            team=team.team,
            title=survey.title,
            responses=team.responses,
            eligible=team.eligible,
            message=configs[survey.id].reward.message,
            full=team.responses >= team.eligible,
            percent=percent(team.responses / team.eligible),
        )
        rows.append(
            {
                "idempotency_key": key,
                "kind": REWARD_KIND,
                "to_address": team.manager.email,
                "subject": body.subject,
                "body_text": body.text,
                "body_html": body.html,
                "created_at": now,
                "next_attempt_at": now,
                "attempts": 0,
            }
        )
    ChasingRepository(session).add_messages(rows)
    return len(rows)
