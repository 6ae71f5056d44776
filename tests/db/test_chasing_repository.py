"""The SQL twin of the invitee reminder rule agrees with the pure rule, on both databases: on the hand-
worked cases the domain tests use and on every combination of a grid of invitation states, rules and
days. Then the other chase machinery on its own: the sign-off ladder (overdue approvers from the
dashboard's statement), a survey's own configuration, surveys that are closed or configured wrongly."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, insert, select, update

from plans.db import session_scope
from plans.domain.chasing_config import InviteeReminders
from plans.domain.facts import Decision
from plans.domain.ladder import reminder_due
from plans.models import Chase, OutboxMessage, SignOffDecision, SignOffRound, StaffMember, Survey, SurveyInvitation
from plans.repositories.chasing import reminder_due_clause
from plans.services.chasing import chase
from tests.chase_world import OPENS, ChaseWorld, answer, build, day, open_round
from tests.conftest import Database
from tests.domain.test_ladder import REMINDER_CASES

INVITED = OPENS.date()


@pytest.fixture
def world(db: Database) -> ChaseWorld:
    return build()


def _sql_due(world: ChaseWorld, rule: InviteeReminders, today: date) -> set[int]:
    with session_scope() as s:
        stmt = select(SurveyInvitation.staff_member_id).where(
            SurveyInvitation.survey_id == world.survey_id, reminder_due_clause(rule, invited_on=INVITED, today=today)
        )
        return set(s.scalars(stmt))


def _set_state(s, staff_id: int, used: bool, sent: int, last: int | None) -> None:  # type: ignore[no-untyped-def]
    s.execute(
        update(SurveyInvitation)
        .where(SurveyInvitation.staff_member_id == staff_id)
        .values(used=used, reminders_sent=sent, last_reminded_on=None if last is None else INVITED + timedelta(last))
    )


class TestSqlTwin:
    @pytest.mark.parametrize("case", REMINDER_CASES)
    def test_hand_worked_cases(
        self, world: ChaseWorld, case: tuple[bool, int, int | None, int, int, int, bool]
    ) -> None:
        used, sent, last, today, most, apart, due = case
        staff_id = world.staff["A"][0]
        with session_scope() as s:
            _set_state(s, staff_id, used, sent, last)
        got = staff_id in _sql_due(world, InviteeReminders(max=most, min_days_apart=apart), INVITED + timedelta(today))
        assert got is due

    def test_every_state_rule_and_day_of_a_grid(self, world: ChaseWorld) -> None:
        states = list(itertools.product([False, True], range(4), [None, 0, 3, 6, 7, 10]))
        with session_scope() as s:
            s.execute(delete(SurveyInvitation))
            org = s.scalar(select(StaffMember.organisation_id).limit(1))
            ids = list(
                s.scalars(
                    insert(StaffMember).returning(StaffMember.id),
                    [
                        {"organisation_id": org, "team_id": world.teams["A"], "email": f"g{i}@x", "staff_group": "g"}
                        for i in range(len(states))
                    ],
                )
            )
            s.execute(
                insert(SurveyInvitation),
                [
                    {
                        "survey_id": world.survey_id,
                        "staff_member_id": sid,
                        "team_id": world.teams["A"],
                        "token_hash": f"{sid:064d}",
                        "used": used,
                        "reminders_sent": sent,
                        "last_reminded_on": None if last is None else INVITED + timedelta(last),
                    }
                    for sid, (used, sent, last) in zip(ids, states, strict=True)
                ],
            )
        for most, apart, today in itertools.product(range(4), (1, 3, 7), (0, 5, 7, 10, 14, 20)):
            rule, on = InviteeReminders(max=most, min_days_apart=apart), INVITED + timedelta(today)
            expected = {
                sid
                for sid, (used, sent, last) in zip(ids, states, strict=True)
                if reminder_due(
                    rule,
                    used=used,
                    invited_on=INVITED,
                    reminders_sent=sent,
                    last_reminded_on=None if last is None else INVITED + timedelta(last),
                    today=on,
                )
            }
            assert _sql_due(world, rule, on) == expected, (most, apart, today)


def _kinds(since_id: int = 0) -> list[tuple[str, str]]:
    with session_scope() as s:
        stmt = select(OutboxMessage.kind, OutboxMessage.to_address).where(OutboxMessage.id > since_id)
        return sorted((k, to.split("@")[0]) for k, to in s.execute(stmt.order_by(OutboxMessage.id)))


class TestSignOff:
    def test_overdue_approvers_climb_then_stop_when_they_decide(self, world: ChaseWorld) -> None:
        round_id = open_round(world, deadline=day(3, hour=17))
        sent: dict[int, list[tuple[str, str]]] = {}
        for n in range(0, 12):
            if n == 7:  # Ann approves between the second reminder and the escalation
                with session_scope() as s:
                    s.add(
                        SignOffDecision(
                            round_id=round_id,
                            plan_id=world.plan_id,
                            approver_id=world.people["ap1"],
                            version=1,
                            decision=Decision.APPROVE,
                        )
                    )
            with session_scope() as s:
                last = s.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()).limit(1)) or 0
                summary = chase(s, now=day(n, hour=18))
            sent[n] = [k for k in _kinds(last) if k[0].startswith("sign_off")]
            if n == 7:
                assert summary.sign_offs_resolved == 1
        # default ladder: remind on the deadline day, again 3 days later, escalate 3 days after that
        assert sent[3] == [("sign_off_chase", "ap1"), ("sign_off_chase", "ap2")]
        assert sent[6] == [("sign_off_chase", "ap1"), ("sign_off_chase", "ap2")]
        assert sent[9] == [("sign_off_chase", "ap2"), ("sign_off_escalation", "coord")]
        assert all(sent[n] == [] for n in set(range(12)) - {3, 6, 9})
        with session_scope() as s:
            chases = {
                c.subject: (c.step, c.resolved_on) for c in s.scalars(select(Chase).where(Chase.topic == "sign_off"))
            }
        assert chases == {
            f"sign-off:{round_id}:approver:{world.people['ap1']}": (2, day(7).date()),
            f"sign-off:{round_id}:approver:{world.people['ap2']}": (3, None),
        }

    def test_a_closed_round_is_not_chased(self, world: ChaseWorld) -> None:
        round_id = open_round(world, deadline=day(1))
        with session_scope() as s:
            chase(s, now=day(2))
            s.execute(update(SignOffRound).where(SignOffRound.id == round_id).values(closed_at=day(2, hour=12)))
        with session_scope() as s:
            summary = chase(s, now=day(20))
        assert (summary.sign_off_reminders, summary.sign_offs_resolved) == (0, 2)


class TestSurveys:
    def test_the_survey_definition_sets_the_ladder_and_reminders(self, db: Database) -> None:
        build(
            {
                "invitee_reminders": {"max": 1, "min_days_apart": 2},
                "manager_ladder": [{"action": "escalate", "after_days": 1}],
                "league_table": {"weekday": "friday", "leadership": ["board@org.example"]},
            }
        )
        for n in range(0, 8):
            with session_scope() as s:
                chase(s, now=day(n))
        with session_scope() as s:
            rows = s.execute(select(OutboxMessage.kind, OutboxMessage.to_address, OutboxMessage.created_at)).all()
        by_kind: dict[str, list[tuple[str, int]]] = {}
        for kind, to, at in rows:
            by_kind.setdefault(kind, []).append((to.split("@")[0], (at.date() - INVITED).days))
        assert sorted(by_kind) == ["league_table", "survey_chase", "survey_escalation", "survey_reminder"]
        assert {d for _, d in by_kind["survey_reminder"]} == {2} and len(by_kind["survey_reminder"]) == 14
        assert by_kind["league_table"] == [("board", 4)]  # the first Friday
        assert sorted(by_kind["survey_escalation"]) == [("coord", 1), ("dana", 1)]
        assert sorted(by_kind["survey_chase"]) == [("alex", 1), ("cleo", 1), ("eve", 1)]  # copied

    def test_closed_and_misconfigured_surveys_are_left_alone(self, world: ChaseWorld) -> None:
        with session_scope() as s:
            assert chase(s, now=day(28, hour=8)).surveys == 0  # its end date
            s.execute(update(Survey).values(definition={"chasing": {"manager_ladder": "every day"}}))
        with session_scope() as s:
            summary = chase(s, now=day(7))
        assert (summary.surveys, summary.surveys_skipped, summary.messages) == (0, 1, 0)

    def test_nobody_who_answered_is_reminded(self, world: ChaseWorld) -> None:
        for staff_id in world.staff["A"][:4]:
            answer(world, staff_id, day(1).date())
        with session_scope() as s:
            chase(s, now=day(7))
        reminded = {to for kind, to in _kinds() if kind == "survey_reminder"}
        assert reminded == {f"staff.{c}" for c in ("a5", "b1", "b2", "b3", "b4", "c1", "c2", "e1", "e2", "e3")}

    def test_someone_a_later_list_marks_as_gone_is_not_reminded(self, world: ChaseWorld) -> None:
        gone = world.staff["A"][4]  # staff.a5
        with session_scope() as s:
            s.execute(
                update(StaffMember).where(StaffMember.id == gone).values(eligible=False, ineligible_reason="leaver")
            )
        with session_scope() as s:
            chase(s, now=day(7))
        reminded = {to for kind, to in _kinds() if kind == "survey_reminder"}
        assert "staff.a5" not in reminded and "staff.a1" in reminded
