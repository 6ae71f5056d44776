"""All SQL for chasing: open surveys, invitee reminders written set-wise (one INSERT ... SELECT and one
UPDATE per survey, no row through Python), each team's rate with its ladder state and managers, the
ladder's state saved in batches, and overdue approvers through the dashboard's own statement.

``reminder_due_clause`` is the SQL twin of ``plans.domain.ladder.reminder_due``: the same rule over
``survey_invitations``, held to the same cases by the tests."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, String, and_, any_, bindparam, case, cast, func, literal, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, aliased

from plans.domain.chasing_config import InviteeReminders
from plans.models import (
    Capacity,
    Chase,
    OutboxMessage,
    Person,
    Plan,
    PlanMember,
    SignOffRound,
    StaffMember,
    Survey,
    SurveyInvitation,
    SurveyTeam,
    SurveyTeamDay,
    Team,
)
from plans.models.base import UTCDateTime
from plans.repositories.dashboard import undecided_approvers_of
from plans.repositories.dialect import insert_ignoring_conflicts, upsert_setting
from plans.repositories.outbox import OutboxRepository

BATCH = 2000
SURVEY_TEAM = "survey_team"
SIGN_OFF = "sign_off"


@dataclass(frozen=True)
class OpenSurvey:
    id: int
    plan_id: int
    title: str
    definition: dict[str, Any] | None
    anonymous: bool
    target_rate: float
    opens_at: datetime
    closes_at: datetime
    coordinator_id: int


@dataclass(frozen=True)
class Contact:
    """Someone to write to."""

    id: int
    name: str
    email: str


@dataclass(frozen=True)
class TeamRow:
    """One team of an open survey: its rate's parts, its managers and where its chase stands."""

    survey_id: int
    team_id: int
    team: str
    eligible: int
    responses: int
    manager: Contact | None
    line_manager: Contact | None
    chase_id: int | None
    step: int
    last_step_on: date | None
    resolved_on: date | None


@dataclass(frozen=True)
class OverdueApprover:
    plan_id: int
    plan_title: str
    round_id: int
    version: int
    deadline: datetime
    approver: Contact
    coordinator: Contact


def team_subject(survey_id: int, team_id: int) -> str:
    """The chase subject of a team in a survey (built the same way in SQL by ``_team_subject_sql``)."""
    return f"survey:{survey_id}:team:{team_id}"


def _text(value: Any) -> Any:
    return cast(value, String)


def _team_subject_sql(survey_id: Any, team_id: Any) -> Any:
    return literal("survey:") + _text(survey_id) + literal(":team:") + _text(team_id)


def reminder_due_clause(rule: InviteeReminders, *, invited_on: date, today: date) -> ColumnElement[bool]:
    """SQL twin of ``plans.domain.ladder.reminder_due`` for the invitations of one survey."""
    cutoff = today - timedelta(days=rule.min_days_apart)
    inv = SurveyInvitation
    return and_(
        inv.used.is_(False),
        inv.reminders_sent < rule.max,
        func.coalesce(inv.last_reminded_on, invited_on) <= cutoff,
    )


def _contact(cid: int | None, name: str | None, email: str | None) -> Contact | None:
    return Contact(cid, name or "", email) if cid is not None and email else None


class ChasingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def open_surveys(self, now: datetime) -> list[OpenSurvey]:
        """Surveys open now: opened, not closed, and before their end date."""
        stmt = (
            select(Survey, Plan.coordinator_id)
            .join(Plan, Plan.id == Survey.plan_id)
            .where(Survey.closed_at.is_(None), Survey.opens_at <= now, Survey.closes_at > now)
            .order_by(Survey.id)
        )
        return [
            OpenSurvey(
                s.id, s.plan_id, s.title, s.definition, s.anonymous, s.target_rate, s.opens_at, s.closes_at, coordinator
            )
            for s, coordinator in self.session.execute(stmt)
        ]

    # invitee reminders ---------------------------------------------------------------------------------

    def remind_invitees(
        self,
        *,
        survey_id: int,
        rule: InviteeReminders,
        invited_on: date,
        today: date,
        body_ids: Sequence[int],
        now: datetime,
    ) -> int:
        """Write a reminder for every invitee of the survey due one (``body_ids[n - 1]`` holds the words
        of reminder ``n``), then count it on their invitations; how many messages were new."""
        if rule.max <= 0 or not body_ids:
            return 0
        inv = SurveyInvitation
        due = and_(inv.survey_id == survey_id, reminder_due_clause(rule, invited_on=invited_on, today=today))
        number = inv.reminders_sent + 1
        source = (
            select(
                literal("survey-reminder:")
                + _text(inv.survey_id)
                + literal(":")
                + _text(inv.staff_member_id)
                + literal(":")
                + _text(number),
                literal("survey_reminder"),
                StaffMember.email,
                case({n: body_id for n, body_id in enumerate(body_ids)}, value=inv.reminders_sent),
                literal("invitation:") + _text(inv.survey_id) + literal(":") + _text(inv.staff_member_id),
                literal(now, UTCDateTime()),
                literal(now, UTCDateTime()),
                literal(0, Integer()),
            )
            .join(StaffMember, StaffMember.id == inv.staff_member_id)
            # someone a later staff list marks as gone (a leaver, long-term absence) is not reminded; their
            # invitation still counts the reminder, so they are not picked up again if they come back
            .where(due, StaffMember.eligible.is_(True))
        )
        columns = ["idempotency_key", "kind", "to_address", "body_id", "link_ref", "created_at", "next_attempt_at"]
        added = OutboxRepository(self.session).add_from_select([*columns, "attempts"], source)
        self.session.execute(
            update(inv).where(due).values(reminders_sent=inv.reminders_sent + 1, last_reminded_on=today),
            execution_options={"synchronize_session": False},
        )
        return added

    # the managers' ladder ------------------------------------------------------------------------------

    def team_rows(self, survey_ids: Sequence[int]) -> list[TeamRow]:
        """Every team with anyone eligible in these surveys: eligible, responses so far (the intake's
        daily counters), manager, line manager (the parent team's) and its survey_team chase."""
        if not survey_ids:
            return []
        responses = (
            select(SurveyTeamDay.survey_id, SurveyTeamDay.team_id, func.sum(SurveyTeamDay.responses).label("n"))
            .where(SurveyTeamDay.survey_id.in_(survey_ids))
            .group_by(SurveyTeamDay.survey_id, SurveyTeamDay.team_id)
            .subquery()
        )
        manager, parent, line = aliased(Person), aliased(Team), aliased(Person)
        st = SurveyTeam
        stmt = (
            select(st.survey_id, st.team_id, Team.name, st.eligible, func.coalesce(responses.c.n, 0))
            .add_columns(manager.id, manager.name, manager.email, line.id, line.name, line.email)
            .add_columns(Chase.id, Chase.step, Chase.last_step_on, Chase.resolved_on)
            .join(Team, Team.id == st.team_id)
            .outerjoin(responses, and_(responses.c.survey_id == st.survey_id, responses.c.team_id == st.team_id))
            .outerjoin(manager, manager.id == Team.manager_id)
            .outerjoin(parent, parent.id == Team.parent_id)
            .outerjoin(line, line.id == parent.manager_id)
            .outerjoin(
                Chase, and_(Chase.topic == SURVEY_TEAM, Chase.subject == _team_subject_sql(st.survey_id, st.team_id))
            )
            .where(st.survey_id.in_(survey_ids), st.eligible > 0)
        )
        return [
            TeamRow(
                r[0],
                r[1],
                r[2],
                r[3],
                int(r[4]),
                _contact(*r[5:8]),
                _contact(*r[8:11]),
                r[11],
                r[12] or 0,
                r[13],
                r[14],
            )
            for r in self.session.execute(stmt)
        ]

    def named_teams(self, survey_id: int, past_step: int) -> frozenset[int]:
        """Teams of the survey whose unresolved chase has climbed more than ``past_step`` rungs."""
        prefix = f"survey:{survey_id}:team:"
        stmt = select(Chase.subject).where(
            Chase.topic == SURVEY_TEAM,
            Chase.subject.startswith(prefix, autoescape=True),
            Chase.resolved_on.is_(None),
            Chase.step > past_step,
        )
        return frozenset(int(subject.removeprefix(prefix)) for subject in self.session.scalars(stmt))

    def contacts(self, person_ids: Iterable[int]) -> dict[int, Contact]:
        """People by id, to write to."""
        wanted = sorted(set(person_ids))
        out: dict[int, Contact] = {}
        for start in range(0, len(wanted), BATCH):
            stmt = select(Person.id, Person.name, Person.email).where(Person.id.in_(wanted[start : start + BATCH]))
            out.update({pid: Contact(pid, name, email) for pid, name, email in self.session.execute(stmt)})
        return out

    def save_steps(self, topic: str, rows: Sequence[dict[str, Any]]) -> None:
        """Record rungs taken: each row's (subject, plan_id, person_id, step, last_step_on) as absolute
        values, so the same state written twice is the same row."""
        stmt = upsert_setting(self.session, Chase, ["topic", "subject"], ["step", "last_step_on", "person_id"])
        conn = self.session.connection()
        for start in range(0, len(rows), BATCH):
            conn.execute(stmt, [{"topic": topic, **r} for r in rows[start : start + BATCH]])

    def resolve(self, chase_ids: Sequence[int], today: date) -> int:
        """Stop these chases (their team reached target, their approver decided)."""
        done = 0
        for start in range(0, len(chase_ids), BATCH):
            done += (
                self.session.execute(
                    update(Chase)
                    .where(Chase.id.in_(chase_ids[start : start + BATCH]), Chase.resolved_on.is_(None))
                    .values(resolved_on=today),
                    execution_options={"synchronize_session": False},
                ).rowcount
                or 0
            )
        return done

    def existing_keys(self, keys: Sequence[str]) -> set[str]:
        """Which of these idempotency keys the outbox holds already (on PostgreSQL one array parameter
        for them all, not thousands of placeholders)."""
        key = OutboxMessage.idempotency_key
        if not keys:
            return set()
        if self.session.get_bind().dialect.name == "postgresql":
            wanted = bindparam("keys", list(keys), type_=postgresql.ARRAY(String))
            return set(self.session.scalars(select(key).where(key == any_(wanted))))
        found: set[str] = set()
        for start in range(0, len(keys), 500):
            found.update(self.session.scalars(select(key).where(key.in_(keys[start : start + 500]))))
        return found

    def add_messages(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert messages whose keys were just found absent (``existing_keys``), skipping any that a
        concurrent run added since. Executed as a plain executemany: thousands of letters with their own
        bodies, where a RETURNING to count them would make the driver parse megabytes of VALUES."""
        stmt = insert_ignoring_conflicts(self.session, OutboxMessage, ["idempotency_key"])
        conn = self.session.connection()
        for start in range(0, len(rows), BATCH):
            conn.execute(stmt, list(rows[start : start + BATCH]))

    def leadership(self, plan_id: int) -> list[Contact]:
        """The plan's approvers and coordinator: the league table's readers unless the survey names them."""
        approvers = select(PlanMember.person_id).where(
            PlanMember.plan_id == plan_id, PlanMember.capacity == Capacity.APPROVER
        )
        coordinator = select(Plan.coordinator_id).where(Plan.id == plan_id)
        stmt = (
            select(Person.id, Person.name, Person.email)
            .where(Person.id.in_(approvers.union(coordinator)))
            .order_by(Person.id)
        )
        return [Contact(pid, name, email) for pid, name, email in self.session.execute(stmt)]

    # sign-off ------------------------------------------------------------------------------------------

    def overdue_approvers(self, now: datetime) -> list[OverdueApprover]:
        """Approvers with no decision on an open round whose deadline has passed (the dashboard's list)."""
        late = (
            select(SignOffRound.plan_id, SignOffRound.id.label("round_id"))
            .where(SignOffRound.closed_at.is_(None), SignOffRound.deadline < now)
            .subquery()
        )
        undecided = undecided_approvers_of(late).subquery()
        coordinator = aliased(Person)
        stmt = (
            select(undecided, Plan.title, SignOffRound.version, SignOffRound.deadline)
            .add_columns(
                coordinator.id.label("c_id"), coordinator.name.label("c_name"), coordinator.email.label("c_email")
            )
            .join(SignOffRound, SignOffRound.id == undecided.c.round_id)
            .join(Plan, Plan.id == undecided.c.plan_id)
            .join(coordinator, coordinator.id == Plan.coordinator_id)
            .order_by(undecided.c.plan_id, undecided.c.person_id)
        )
        return [
            OverdueApprover(
                r.plan_id,
                r.title,
                r.round_id,
                r.version,
                r.deadline,
                Contact(r.person_id, r.name, r.email),
                Contact(r.c_id, r.c_name, r.c_email),
            )
            for r in self.session.execute(stmt)
        ]

    def chases(self, topic: str) -> list[tuple[int, str, int, date | None, date | None]]:
        """(id, subject, step, last_step_on, resolved_on) of every chase of a topic."""
        stmt = select(Chase.id, Chase.subject, Chase.step, Chase.last_step_on, Chase.resolved_on).where(
            Chase.topic == topic
        )
        return [(cid, subject, step, last, done) for cid, subject, step, last, done in self.session.execute(stmt)]

    def reopen(self, chase_ids: Sequence[int]) -> None:
        """Chases overdue again after being resolved (an approver removed and added back) carry on."""
        if chase_ids:
            self.session.execute(
                update(Chase).where(Chase.id.in_(chase_ids)).values(resolved_on=None),
                execution_options={"synchronize_session": False},
            )
