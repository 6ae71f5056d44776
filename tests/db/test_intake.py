"""Opening a survey (headcounts fixed, invitations and their emails) and answering it by link: one
response per invitation, nothing in a response but team, day, channel, answers and demographics, every
problem named by its field, closed surveys refused, team links answering many times, and the counters
always equal to the responses. On SQLite and PostgreSQL; the race of one link submitted at once from
many places on PostgreSQL, which has concurrent writers."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from plans.db import session_scope
from plans.domain.errors import NotFound
from plans.domain.survey_answers import AlreadyAnswered, AnswerProblems, SurveyClosed
from plans.models import (
    Channel,
    OutboxMessage,
    Plan,
    StaffMember,
    Survey,
    SurveyInvitation,
    SurveyResponse,
    SurveyTeam,
    SurveyTeamDay,
    Team,
    utcnow,
)
from plans.services import intake, survey_opening, team_links
from plans.services.actors import actor_by_email
from plans.services.outbox import content_of
from plans.services.survey_tokens import invitation_ref, token_for
from tests.conftest import Database
from tests.intake_world import invitation_tokens, open_with_staff

GOOD = {"K1": "Agree", "S1": "Disagree", "E1": "Yes"}


def _answer(token: str, answers: object = GOOD, demographics: object = None, now_offset: float = 0) -> intake.Receipt:
    with session_scope() as s:
        return intake.answer(
            s,
            token=token,
            answers=answers,
            demographics=demographics or {},
            now=utcnow() + timedelta(seconds=now_offset),
        )


def _counts(survey_id: int) -> tuple[int, int]:
    """(responses stored, responses counted) for the survey."""
    with session_scope() as s:
        stored = s.scalar(select(func.count()).where(SurveyResponse.survey_id == survey_id))
        counted = s.scalar(select(func.sum(SurveyTeamDay.responses)).where(SurveyTeamDay.survey_id == survey_id))
    return int(stored or 0), int(counted or 0)


class TestOpening:
    def test_headcounts_invitations_and_emails_come_from_the_staff_list(self, db: Database) -> None:
        _, survey_id = open_with_staff()
        with session_scope() as s:
            eligible = {
                code: n
                for code, n in s.execute(
                    select(Team.code, SurveyTeam.eligible)
                    .join(Team, Team.id == SurveyTeam.team_id)
                    .where(SurveyTeam.survey_id == survey_id)
                )
            }
            invited = s.scalar(select(func.count()).where(SurveyInvitation.survey_id == survey_id))
            messages = list(s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "survey_invitation")))
            first = content_of(s, messages[0])
        assert eligible == {"T1": 5, "T2": 3}  # the leaver is neither counted nor invited
        assert invited == 8 and len(messages) == 8
        assert {m.to_address for m in messages} == {f"staff{i}@small.example" for i in range(8)}
        assert len({m.body_id for m in messages}) == 1  # one stored body, personal links at send time
        with session_scope() as s:  # keys and link references are built in SQL: twins of the Python ones
            pairs = s.execute(select(SurveyInvitation.staff_member_id, StaffMember.email).join(StaffMember)).all()
        by_email = {m.to_address: m for m in messages}
        for staff_id, email in pairs:
            assert by_email[email].idempotency_key == survey_opening.invitation_key(survey_id, staff_id)
            assert by_email[email].link_ref == invitation_ref(survey_id, staff_id)
        assert "anonymous" in first.text and "/s/" in first.text
        assert sum(token in first.text for token in invitation_tokens(survey_id)) == 1

    def test_opening_again_adds_nothing(self, db: Database) -> None:
        plan_id, survey_id = open_with_staff()
        with session_scope() as s:
            survey = s.get(Survey, survey_id)
            org = s.scalar(select(Plan.organisation_id).where(Plan.id == plan_id))
            assert survey is not None and org is not None
            again = survey_opening.open_survey(s, survey=survey, organisation_id=org, now=utcnow())
            messages = s.scalar(select(func.count()).select_from(OutboxMessage))
        assert again == survey_opening.Opening(teams=0, from_staff_list=True, invitations=0)
        assert messages == 8

    def test_without_a_staff_list_the_declared_headcounts_count_and_nobody_is_emailed(self, db: Database) -> None:
        _, survey_id = open_with_staff(staff=[])
        with session_scope() as s:
            eligible = sorted(s.scalars(select(SurveyTeam.eligible).where(SurveyTeam.survey_id == survey_id)))
            invited = s.scalar(select(func.count()).select_from(SurveyInvitation))
            messages = s.scalar(select(func.count()).select_from(OutboxMessage))
        assert eligible == [10, 12] and invited == 0 and messages == 0


class TestAnswer:
    def test_one_response_per_invitation_holding_only_team_day_and_answers(self, db: Database) -> None:
        _, survey_id = open_with_staff()
        token = invitation_tokens(survey_id)[0]
        receipt = _answer(token, demographics={"staff_group": "Housing", "ethnicity": "Prefer not to say"})
        assert receipt.channel is Channel.INVITATION
        with pytest.raises(AlreadyAnswered, match="already been used"):
            _answer(token)
        with session_scope() as s:
            row = s.execute(select(SurveyResponse.__table__)).one()._asdict()
            used = s.scalars(select(SurveyInvitation.used).order_by(SurveyInvitation.staff_member_id)).all()
        assert set(row) == {"id", "survey_id", "team_id", "answered_on", "channel", "answers", "demographics"}
        assert row["answers"] == GOOD and row["demographics"] == {
            "staff_group": "Housing",
            "ethnicity": "Prefer not to say",
        }
        assert row["answered_on"] == utcnow().date() and row["channel"] == Channel.INVITATION
        assert used == [True] + [False] * 7
        assert _counts(survey_id) == (1, 1)

    def test_every_problem_is_named_and_nothing_is_written(self, db: Database) -> None:
        _, survey_id = open_with_staff()
        token = invitation_tokens(survey_id)[0]
        bad = {"K1": "Maybe", "E1": ["Yes"], "Z9": "Yes", "S1": "Agree"}
        with pytest.raises(AnswerProblems) as refused:
            _answer(token, answers=bad, demographics={"staff_group": "Astronaut", "shoe_size": "9"})
        assert refused.value.problems == {
            "answers.K1": "'Maybe' is not one of the question's answers",
            "answers.E1": "Expected one of the question's answers",
            "answers.Z9": "The survey has no such question",
            "demographics.staff_group": "'Astronaut' is not one of the options",
            "demographics.shoe_size": "The survey asks no such question about you",
        }
        with pytest.raises(AnswerProblems, match="Answer at least one question"):
            _answer(token, answers={})
        assert _counts(survey_id) == (0, 0)
        _answer(token)  # the link still works: a refused answer did not use it
        assert _counts(survey_id) == (1, 1)

    def test_a_closed_survey_takes_no_answers(self, db: Database) -> None:
        _, survey_id = open_with_staff()
        first, second = invitation_tokens(survey_id)[:2]
        with session_scope() as s:
            closes_at = s.scalar(select(Survey.closes_at).where(Survey.id == survey_id))
        assert closes_at is not None
        with pytest.raises(SurveyClosed, match="has closed"):
            _answer(first, now_offset=(closes_at - utcnow()).total_seconds() + 1)
        with session_scope() as s:
            s.execute(update(Survey).where(Survey.id == survey_id).values(closed_at=utcnow()))
        with pytest.raises(SurveyClosed):
            _answer(second)
        with session_scope() as s:
            assert intake.open_link(s, token=second, now=utcnow()).state == "closed"
        assert _counts(survey_id) == (0, 0)

    def test_unknown_links_are_not_found(self, db: Database) -> None:
        open_with_staff()
        for token in ("short", "A" * 43, token_for(invitation_ref(999, 1))):
            with pytest.raises(NotFound), session_scope() as s:
                intake.answer(s, token=token, answers=GOOD, demographics={}, now=utcnow())

    def test_a_team_link_answers_many_times_until_revoked(self, db: Database) -> None:
        plan_id, survey_id = open_with_staff()
        with session_scope() as s:
            coordinator = actor_by_email(s, "cora@small.example")
            team_id = s.scalar(select(Team.id).where(Team.code == "T2"))
            assert team_id is not None
            link = team_links.create(
                s, plan_id=plan_id, team_id=team_id, label="Kiosk", actor=coordinator, now=utcnow()
            )
        token = link.url.rsplit("/", 1)[1]
        for _ in range(4):
            assert _answer(token).channel is Channel.TEAM_LINK
        with session_scope() as s:
            listed = team_links.for_plan(s, plan_id=plan_id, now=utcnow()).links
            assert [(v.id, v.url, v.team_code) for v in listed] == [(link.id, link.url, "T2")]
            team_links.revoke(s, plan_id=plan_id, link_id=link.id, actor=coordinator, now=utcnow())
        with pytest.raises(NotFound):
            _answer(token)
        assert _counts(survey_id) == (4, 4)
        with session_scope() as s:
            by_team = s.execute(select(SurveyTeamDay.team_id, SurveyTeamDay.responses)).all()
        assert by_team == [(team_id, 4)]

    def test_counters_equal_the_responses(self, db: Database) -> None:
        _, survey_id = open_with_staff()
        tokens = invitation_tokens(survey_id)
        for token in tokens[:6]:
            _answer(token)
        with session_scope() as s:
            stored = {
                team: n
                for team, n in s.execute(
                    select(SurveyResponse.team_id, func.count())
                    .where(SurveyResponse.survey_id == survey_id)
                    .group_by(SurveyResponse.team_id)
                )
            }
            counted = {
                team: n
                for team, n in s.execute(
                    select(SurveyTeamDay.team_id, func.sum(SurveyTeamDay.responses))
                    .where(SurveyTeamDay.survey_id == survey_id)
                    .group_by(SurveyTeamDay.team_id)
                )
            }
        assert stored == counted and sum(stored.values()) == 6


@pytest.mark.postgres
def test_one_link_submitted_at_once_from_many_places_makes_one_response(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite has one writer at a time: the submissions queue instead of racing")
    _, survey_id = open_with_staff()
    token = invitation_tokens(survey_id)[0]
    start = threading.Barrier(8)
    outcomes: list[str] = []

    def submit() -> None:
        start.wait()
        try:
            _answer(token)
            outcomes.append("recorded")
        except AlreadyAnswered:
            outcomes.append("already")

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["already"] * 7 + ["recorded"]
    assert _counts(survey_id) == (1, 1)
