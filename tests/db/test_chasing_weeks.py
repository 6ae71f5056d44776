"""Four simulated weeks of a survey with a real SMTP server: the chase runs every day (twice on some),
the outbox is delivered after each run, and the server receives exactly the expected messages.

Time is moved by the test (``now`` passed in), never slept. The world: teams A (5 staff) and B (4),
both managed by Alex, under Dana's directorate; C (2, Cleo) answers in full on day 1; E (3, Eve) has no
parent team, so its escalation goes to the coordinator. Default chasing configuration: two invitee
reminders 7 days apart; the ladder remind +7, remind +5, escalate +5, name +2; league table on Mondays
(the survey opens on a Monday); target 60%.
"""

from __future__ import annotations

from collections import Counter
from email.message import EmailMessage

import pytest

from plans.db import session_scope
from plans.delivery import deliver_due
from plans.models import OutboxMessage
from plans.services.chasing import ChaseSummary, chase
from plans.services.survey_tokens import survey_url, token_for
from tests.chase_world import ChaseWorld, answer, build, day
from tests.conftest import Database
from tests.mail_server import Mailbox


def _kind(message: EmailMessage) -> str:
    subject = str(message["Subject"])
    for marker, kind in (
        ("Last reminder:", "reminder"),
        ("Reminder:", "reminder"),
        ("league table", "league"),
        ("can you help?", "escalation"),
        ("everyone has answered", "reward"),
        ("of staff have answered the survey", "chase"),
        ("teams are below the survey target", "chase"),
    ):
        if marker in subject:
            return kind
    raise AssertionError(f"unexpected subject {subject!r}")


def _run(n: int, mailbox: Mailbox) -> tuple[ChaseSummary, list[EmailMessage]]:
    before = len(mailbox.messages)
    with session_scope() as s:
        summary = chase(s, now=day(n))
    deliver_due(now=day(n, hour=10))
    return summary, mailbox.messages[before:]


def _who(world: ChaseWorld, messages: list[EmailMessage]) -> Counter[tuple[str, str]]:
    names = {email: short for short, email in world.emails.items()}
    names.update({email: f"staff:{email.split('@')[0][6:]}" for email in world.staff_email.values()})
    return Counter((_kind(m), names.get(str(m["To"]), str(m["To"]))) for m in messages)


def _staff(world: ChaseWorld, code: str, *indexes: int) -> list[str]:
    return [f"staff:{code.lower()}{i}" for i in indexes]


@pytest.fixture
def world(db: Database) -> ChaseWorld:
    return build()


class TestFourWeeks:
    def test_exactly_the_expected_messages(self, world: ChaseWorld, smtp_server: Mailbox) -> None:
        a, b, c, e = (world.staff[k] for k in "ABCE")
        answers = {
            1: c,  # C in full: recognised once
            2: [a[0], b[0], b[1]],  # A 1/5, B 2/4
            10: [b[2]],  # B 3/4 = 75%: reaches target, stops being chased
            22: e,  # E in full, after being named
        }
        leadership = {("league", "ap1"), ("league", "ap2"), ("league", "coord")}
        got: dict[int, Counter[tuple[str, str]]] = {}
        summaries: dict[int, ChaseSummary] = {}
        for n in range(0, 29):
            for staff_id in answers.get(n, []):
                answer(world, staff_id, day(n).date())
            summaries[n], messages = _run(n, smtp_server)
            got[n] = _who(world, messages)
            if n in (7, 17, 22):  # again the same day: nothing new
                again, more = _run(n, smtp_server)
                assert (again.messages, more) == (0, []), n
                assert again.teams_climbed == 0 and again.teams_resolved == 0

        expected: dict[int, set[tuple[str, str]]] = {
            0: leadership,
            1: {("reward", "cleo")},
            7: leadership
            | {("chase", "alex"), ("chase", "eve")}
            | {
                ("reminder", w)
                for w in _staff(world, "A", 2, 3, 4, 5) + _staff(world, "B", 3, 4) + _staff(world, "E", 1, 2, 3)
            },
            12: {("chase", "alex"), ("chase", "eve")},
            14: leadership
            | {
                ("reminder", w)
                for w in _staff(world, "A", 2, 3, 4, 5) + _staff(world, "B", 4) + _staff(world, "E", 1, 2, 3)
            },
            17: {("chase", "alex"), ("escalation", "dana"), ("chase", "eve"), ("escalation", "coord")},
            19: {("chase", "alex"), ("chase", "eve")},
            21: leadership,
            22: {("reward", "eve")},
        }
        for n in range(0, 29):
            assert set(got[n]) == expected.get(n, set()), f"day {n}: {sorted(got[n])}"
            assert all(count == 1 for count in got[n].values()), f"day {n}: {got[n]}"

        assert summaries[7].invitee_reminders == 9 and summaries[14].invitee_reminders == 8
        assert (summaries[7].teams_climbed, summaries[7].manager_chases) == (3, 2)  # A and B in one letter
        assert summaries[10].teams_resolved == 1 and summaries[12].teams_climbed == 2
        assert summaries[19].teams_named == 2 and summaries[22].teams_resolved == 1

    def test_the_words_of_each_step(self, world: ChaseWorld, smtp_server: Mailbox) -> None:
        a = world.staff["A"]
        for staff_id in [a[0], *world.staff["C"]]:
            answer(world, staff_id, day(2).date())
        mail: dict[int, list[EmailMessage]] = {n: _run(n, smtp_server)[1] for n in range(0, 22)}
        text = Mailbox.text

        reminder = next(m for m in mail[7] if m["To"] == world.staff_email[a[1]])
        assert survey_url(token_for(f"invitation:{world.survey_id}:{a[1]}")) in text(reminder)
        assert str(reminder["Subject"]).startswith("Reminder: Citizen voice staff survey closes on Monday 30 March")
        last = next(m for m in mail[14] if m["To"] == world.staff_email[a[1]])
        assert str(last["Subject"]).strip().startswith("Last reminder:") and "last reminder we will send" in text(last)

        (first,) = [m for m in mail[7] if m["To"] == world.emails["alex"]]
        assert str(first["Subject"]).strip() == "2 of your teams are below the survey target"
        assert (
            "Team A (Citizen voice staff survey): 1 of 5 staff have answered (20%); the target is 60%. 21 days left."
            in text(first)
        )
        assert "Team B" in text(first) and "This is our reminder." in text(first)
        (second,) = [m for m in mail[12] if m["To"] == world.emails["alex"]]
        assert "This is our second reminder." in text(second)

        (escalation,) = [m for m in mail[17] if m["To"] == world.emails["dana"]]
        assert "managed by Alex Manager: 1 of 5 staff have answered (20%)" in text(escalation)
        copy = text(next(m for m in mail[17] if m["To"] == world.emails["alex"]))
        assert "We have now asked Dana Director to help" in copy
        coordinator = text(next(m for m in mail[17] if m["To"] == world.emails["coord"]))
        assert "Team E" in coordinator and "managed by Eve Manager" in coordinator

        league = next(m for m in mail[21] if m["To"] == world.emails["ap1"])
        body = text(league)
        assert (
            str(league["Subject"]).strip() == "Citizen voice staff survey: league table for the week of 23 March 2026"
        )
        assert "Named this week" in body
        named = body.split("Named this week")[1].split("All teams")[0]
        assert "Team A (Adult care), manager Alex Manager: 1 of 5 (20%)" in named and "Team E" in named
        assert "Team C" not in named

    def test_a_reminder_is_written_with_the_link_reference_and_a_shared_body(self, world: ChaseWorld) -> None:
        with session_scope() as s:
            chase(s, now=day(7))
        with session_scope() as s:
            rows = s.query(OutboxMessage).filter(OutboxMessage.kind == "survey_reminder").all()
            assert len(rows) == 14  # nobody answered
            assert len({r.body_id for r in rows}) == 1 and all(r.subject is None for r in rows)
            sid = world.staff["A"][0]
            row = next(r for r in rows if r.to_address == world.staff_email[sid])
            assert row.idempotency_key == f"survey-reminder:{world.survey_id}:{sid}:1"
            assert row.link_ref == f"invitation:{world.survey_id}:{sid}"
