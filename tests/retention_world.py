"""The chase world (tests/chase_world.py) taken through a whole survey, for the retention tests: every
invitee's invitation email queued, two rounds of reminders (with the managers' chases and league tables
the same chase writes), a few answers, a team link, a response and a finding, half the emails sent, the
survey closed on day 28 and the staff list's import recorded 10 days before the survey opened.

``add_repeat`` opens a repeat survey for the same organisation inviting all but one person, whom a later
staff list no longer names (kept only because the baseline's invitation points at them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update

from plans.db import session_scope
from plans.models import (
    AuditEvent,
    OutboxMessage,
    StaffMember,
    Survey,
    SurveyFinding,
    SurveyInvitation,
    SurveyKind,
    SurveyResponse,
    SurveyTeam,
    SurveyTeamDay,
    SurveyTeamLink,
)
from plans.repositories.invitations import InvitationRepository
from plans.repositories.outbox import OutboxRepository
from plans.repositories.staff import NOT_ON_LIST
from plans.services.chasing import chase
from plans.services.survey_tokens import invitation_ref, token_for, token_hash
from tests.chase_world import OPENS, ChaseWorld, answer, build, day

CLOSED = day(28, hour=17)
IMPORTED = OPENS - timedelta(days=10)
STAFF_PREFIXES = ("survey-invitation:", "survey-reminder:")


@dataclass
class RetentionWorld:
    chase: ChaseWorld
    staff: int  # people listed
    repeat_id: int | None = None
    leaver: int | None = None  # the staff member a later list dropped

    @property
    def survey_id(self) -> int:
        return self.chase.survey_id


def build_closed() -> RetentionWorld:
    """The chase world's survey run to its close, as described above."""
    world = build()
    with session_scope() as s:
        body = OutboxRepository(s).body_id("Your survey", "text {link}", "<p>html</p>")
        InvitationRepository(s).invitation_emails(world.survey_id, kind="survey_invitation", body_id=body, now=OPENS)
    for code, i, on in (("A", 0, 2), ("A", 1, 3), ("C", 0, 5)):
        answer(world, world.staff[code][i], day(on).date())
    for n in (7, 14):
        with session_scope() as s:
            chase(s, now=day(n))
    with session_scope() as s:
        s.add(
            SurveyTeamLink(survey_id=world.survey_id, team_id=world.teams["B"], token_hash="b" * 64, created_at=OPENS)
        )
        s.add(
            SurveyResponse(survey_id=world.survey_id, team_id=world.teams["A"], answered_on=day(2).date(), answers={})
        )
        s.add(SurveyFinding(survey_id=world.survey_id, question_id="q1", responses=3, positive=2))
        every_other = select(OutboxMessage.id).where(OutboxMessage.id % 2 == 0)
        s.execute(update(OutboxMessage).where(OutboxMessage.id.in_(every_other)).values(sent_at=day(1)))
        s.execute(update(Survey).where(Survey.id == world.survey_id).values(closed_at=CLOSED))
        s.add(
            AuditEvent(kind="staff_list_imported", actor="test", at=IMPORTED, data={"organisation": "ORG", "rows": 14})
        )
    return RetentionWorld(world, sum(len(ids) for ids in world.staff.values()))


def add_repeat(world: RetentionWorld, *, closed_at: datetime | None = None) -> None:
    """A repeat survey of the same plan's organisation inviting everyone but the leaver, whom a later list
    dropped (``not on the latest list``)."""
    leaver = world.chase.staff["E"][0]
    with session_scope() as s:
        baseline = s.get(Survey, world.survey_id)
        assert baseline is not None
        repeat = Survey(
            plan_id=baseline.plan_id,
            kind=SurveyKind.REPEAT,
            title="Repeat",
            questions=[],
            definition={},
            target_rate=0.6,
            opens_at=CLOSED + timedelta(days=300),
            closes_at=CLOSED + timedelta(days=330),
            closed_at=closed_at,
            baseline_id=baseline.id,
        )
        s.add(repeat)
        s.flush()
        s.execute(
            update(StaffMember)
            .where(StaffMember.id == leaver)
            .values(eligible=False, ineligible_reason=NOT_ON_LIST, line=0)
        )
        rows = [
            {"survey_id": repeat.id, "staff_member_id": sid, "team_id": world.chase.teams[code], "token_hash": ""}
            for code, ids in world.chase.staff.items()
            for sid in ids
            if sid != leaver
        ]
        for row in rows:
            row["token_hash"] = token_hash(token_for(invitation_ref(repeat.id, row["staff_member_id"])))
        s.execute(insert(SurveyInvitation), rows)
        world.repeat_id, world.leaver = repeat.id, leaver


def count(model: Any, *where: Any) -> int:
    with session_scope() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def staff_messages(survey_id: int | None = None) -> int:
    """Invitation and reminder emails (of one survey, or all)."""
    key = OutboxMessage.idempotency_key
    if survey_id is None:
        return count(OutboxMessage, key.like("survey-invitation:%") | key.like("survey-reminder:%"))
    return count(
        OutboxMessage, key.like(f"survey-invitation:{survey_id}:%") | key.like(f"survey-reminder:{survey_id}:%")
    )


def anonymous_counts(survey_id: int) -> tuple[int, int, int, int]:
    """Responses, findings, team-day counters and headcount snapshots of the survey: all kept."""
    return (
        count(SurveyResponse, SurveyResponse.survey_id == survey_id),
        count(SurveyFinding, SurveyFinding.survey_id == survey_id),
        count(SurveyTeamDay, SurveyTeamDay.survey_id == survey_id),
        count(SurveyTeam, SurveyTeam.survey_id == survey_id),
    )
