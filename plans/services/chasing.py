"""The daily chase, for every open survey and every overdue sign-off:

1. reminders to invitees who have not answered (set-wise: one INSERT ... SELECT and one UPDATE per
   survey; the words are stored once per survey and reminder number, the personal link goes in at send
   time);
2. managers of teams below target up the survey's ladder, teams at target resolved, full teams
   recognised once (``plans.services.team_chasing``);
3. the weekly league table to the leadership group, naming the teams at the ladder's top;
4. approvers past a sign-off deadline up the settings' ladder, escalating to the plan's coordinator;
5. evidence owners asked for a formative checkpoint's evidence, and chased once it is overdue
   (``plans.services.evidence_chasing``).

Every message has an idempotency key and every rung taken is recorded with the messages, in the
caller's transaction, so running the chase twice the same day writes nothing the second time.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from plans.config import settings
from plans.domain.chasing_config import ChasingConfig, Rung, Weekday
from plans.domain.ladder import ChaseState, due_rung, rung_label
from plans.repositories.audit import AuditRepository
from plans.repositories.chasing import SIGN_OFF, ChasingRepository, OpenSurvey
from plans.repositories.outbox import OutboxRepository
from plans.services.actors import SYSTEM
from plans.services.chase_letters import Letters, link
from plans.services.evidence_chasing import chase_evidence
from plans.services.outbox import SURVEY_LINK_PLACEHOLDER, Recipient, enqueue_shared, render
from plans.services.survey_progress import league_table
from plans.services.team_chasing import chase_teams

log = logging.getLogger(__name__)
WEEKDAYS = list(Weekday)  # Monday first, as date.weekday() counts


class ChaseSummary(BaseModel):
    """What one chase run did: messages written per kind, and the ladders' moves."""

    surveys: int = 0
    surveys_skipped: int = 0
    invitee_reminders: int = 0
    manager_chases: int = 0
    escalations: int = 0
    teams_climbed: int = 0
    teams_named: int = 0
    teams_resolved: int = 0
    rewards: int = 0
    league_tables: int = 0
    sign_off_reminders: int = 0
    sign_off_escalations: int = 0
    sign_offs_climbed: int = 0
    sign_offs_resolved: int = 0
    evidence_requests: int = 0
    evidence_reminders: int = 0
    evidence_escalations: int = 0
    evidence_climbed: int = 0
    evidence_resolved: int = 0

    @property
    def messages(self) -> int:
        """Outbox rows written."""
        return (
            self.invitee_reminders
            + self.manager_chases
            + self.escalations
            + self.rewards
            + self.league_tables
            + self.sign_off_reminders
            + self.sign_off_escalations
            + self.evidence_requests
            + self.evidence_reminders
            + self.evidence_escalations
        )


def config_of(survey: OpenSurvey) -> ChasingConfig | None:
    """The survey's chasing configuration (defaults when its definition has none); None if invalid."""
    section = (survey.definition or {}).get("chasing")
    try:
        return ChasingConfig.model_validate(section) if section else ChasingConfig()
    except ValidationError as exc:  # stored before today's rules: chase nothing rather than guess
        log.warning("survey %s: chasing configuration is not valid, not chasing it: %s", survey.id, exc)
        return None


def chase(session: Session, *, now: datetime) -> ChaseSummary:
    """Run the day's chase for ``now`` (flushes; the caller commits)."""
    today = now.date()
    repo = ChasingRepository(session)
    summary = ChaseSummary()
    surveys, configs = [], {}
    for survey in repo.open_surveys(now):
        config = config_of(survey)
        if config is None:
            summary.surveys_skipped += 1
            continue
        surveys.append(survey)
        configs[survey.id] = config
        summary.invitee_reminders += remind_invitees(session, survey=survey, config=config, today=today, now=now)
    summary.surveys = len(surveys)
    teams = chase_teams(session, surveys=surveys, configs=configs, today=today, now=now)
    summary.teams_climbed, summary.teams_named, summary.teams_resolved = (
        teams.climbed,
        teams.newly_named,
        teams.resolved,
    )
    summary.manager_chases, summary.escalations, summary.rewards = (
        teams.manager_letters,
        teams.escalation_letters,
        teams.rewards,
    )
    for survey in surveys:
        summary.league_tables += send_league_table(
            session, survey=survey, config=configs[survey.id], named=frozenset(teams.named.get(survey.id, ())), now=now
        )
    chase_sign_off(session, summary=summary, today=today, now=now)
    evidence = chase_evidence(session, today=today, now=now)
    summary.evidence_requests, summary.evidence_reminders = evidence.asked, evidence.reminders
    summary.evidence_escalations, summary.evidence_climbed = evidence.escalations, evidence.climbed
    summary.evidence_resolved = evidence.resolved
    session.flush()
    return summary


def named_teams(session: Session, *, survey_id: int, config: ChasingConfig) -> frozenset[int]:
    """Teams of the survey that stand named (their chase has passed a "name" rung and they are still
    below target), for the league table's pages and artifacts."""
    rungs = [i for i, step in enumerate(config.manager_ladder) if step.action is Rung.NAME]
    if not rungs:
        return frozenset()
    return ChasingRepository(session).named_teams(survey_id, past_step=rungs[0])


def _closes_on(survey: OpenSurvey) -> str:
    return f"{survey.closes_at:%A %-d %B %Y}"


def remind_invitees(session: Session, *, survey: OpenSurvey, config: ChasingConfig, today: date, now: datetime) -> int:
    """Reminders to the survey's invitees due one today; how many were written."""
    rule = config.invitee_reminders
    if rule.max <= 0:
        return 0
    outbox = OutboxRepository(session)
    bodies = []
    for number in range(1, rule.max + 1):
        words = render(
            "survey_reminder",
            survey_link=SURVEY_LINK_PLACEHOLDER,
            title=survey.title,
            closes_on=_closes_on(survey),
            anonymous=survey.anonymous,
            number=number,
            last=rule.max,
        )
        bodies.append(outbox.body_id(words.subject, words.text, words.html))
    return ChasingRepository(session).remind_invitees(
        survey_id=survey.id, rule=rule, invited_on=survey.opens_at.date(), today=today, body_ids=bodies, now=now
    )


def league_key(survey_id: int, week: str, address: str) -> str:
    """The idempotency key of one league table email: survey, ISO week, recipient."""
    key = f"survey-league:{survey_id}:{week}:{address.lower()}"
    return (
        key
        if len(key) <= 200
        else f"survey-league:{survey_id}:{week}:{hashlib.sha256(address.lower().encode()).hexdigest()}"
    )


def send_league_table(
    session: Session, *, survey: OpenSurvey, config: ChasingConfig, named: frozenset[int], now: datetime
) -> int:
    """On the configured weekday, the survey's league table to its leadership group (the configured
    addresses, else the plan's approvers and coordinator), once per ISO week; how many were written."""
    today = now.date()
    if WEEKDAYS.index(config.league_table.weekday) != today.weekday():
        return 0
    repo = ChasingRepository(session)
    addresses = list(config.league_table.leadership) or [c.email for c in repo.leadership(survey.plan_id)]
    iso = today.isocalendar()
    week = f"{iso.year}-W{iso.week:02d}"
    recipients = {league_key(survey.id, week, a): Recipient(league_key(survey.id, week, a), a) for a in addresses}
    sent = repo.existing_keys(list(recipients))
    fresh = [r for key, r in recipients.items() if key not in sent]
    if not fresh:
        return 0
    table = league_table(session, survey_id=survey.id, now=now, named=named)
    eligible = sum(t.eligible for t in table.teams)
    responses = sum(t.responses for t in table.teams)
    return enqueue_shared(
        session,
        kind="league_table",
        template="league_table",
        recipients=fresh,
        now=now,
        table=table,
        named=[t for t in table.teams if t.named],
        on=f"{today:%A %-d %B %Y}",
        week_of=f"{date.fromisocalendar(iso.year, iso.week, 1):%-d %B %Y}",
        closes_on=_closes_on(survey),
        eligible=eligible,
        responses=responses,
        percent=f"{responses / eligible:.0%}" if eligible else "0%",
        target=f"{survey.target_rate:.0%}",
    )


def sign_off_subject(round_id: int, person_id: int) -> str:
    """The chase subject of an approver on a sign-off round."""
    return f"sign-off:{round_id}:approver:{person_id}"


def chase_sign_off(session: Session, *, summary: ChaseSummary, today: date, now: datetime) -> None:
    """Approvers past a round's deadline climb the sign-off ladder, each step recorded in the plan's audit
    log; chases of approvers who decided (or whose round closed) are resolved."""
    repo = ChasingRepository(session)
    ladder = settings.sign_off_ladder
    overdue = {sign_off_subject(a.round_id, a.approver.id): a for a in repo.overdue_approvers(now)}
    known = {subject: (cid, step, last, resolved) for cid, subject, step, last, resolved in repo.chases(SIGN_OFF)}
    summary.sign_offs_resolved = repo.resolve(
        [cid for subject, (cid, _, _, resolved) in known.items() if resolved is None and subject not in overdue], today
    )
    repo.reopen([known[s][0] for s in overdue if s in known and known[s][3] is not None])
    approvers = Letters("sign_off_chase", "sign_off_chase", "sign-off-chase")
    coordinators = Letters("sign_off_escalation", "sign_off_chase", "sign-off-escalation")
    steps: list[dict[str, Any]] = []
    for subject, late in overdue.items():
        _, step, last, _ = known.get(subject, (None, 0, None, None))
        rung = due_rung(ladder, ChaseState(step, last, late.deadline.date()), today)
        if rung is None:
            continue
        steps.append(
            {
                "subject": subject,
                "plan_id": late.plan_id,
                "person_id": late.approver.id,
                "step": rung + 1,
                "last_step_on": today,
            }
        )
        item = {
            "plan": late.plan_title,
            "version": late.version,
            "deadline": f"{late.deadline:%-d %B %Y}",
            "days_overdue": max(0, (today - late.deadline.date()).days),
            "approver": late.approver.name,
            "action": ladder[rung].action.value,
            "label": rung_label(ladder, rung),
            "escalated_to": late.coordinator.name,
            "link": link(f"/inbox/sign-off/{late.plan_id}"),
        }
        approvers.add(late.approver, subject, rung, item)
        escalated = ladder[rung].action is Rung.ESCALATE
        if escalated:
            coordinators.add(late.coordinator, subject, rung, item)
        # on the plan's own record: who was chased for which version, and when the coordinator was told
        AuditRepository(session).record(
            plan_id=late.plan_id,
            kind="sign_off_escalated" if escalated else "sign_off_chased",
            actor=SYSTEM.label,
            actor_id=None,
            plan_version=late.version,
            at=now,
            data={
                "approver": late.approver.name,
                "approver_id": late.approver.id,
                "version": late.version,
                "deadline": late.deadline.isoformat(),
                "days_overdue": item["days_overdue"],
                "step": rung + 1,
                "escalated_to": late.coordinator.name if escalated else None,
            },
            dedupe_key=f"plan:{late.plan_id}:{subject}:step:{rung + 1}:{today.isoformat()}",
        )
    repo.save_steps(SIGN_OFF, steps)
    summary.sign_offs_climbed = len(steps)
    summary.sign_off_reminders = approvers.write(session, today=today, now=now, escalation=False)
    summary.sign_off_escalations = coordinators.write(session, today=today, now=now, escalation=True)
