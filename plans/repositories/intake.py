"""All SQL of answering a survey by link: find what a token opens, mark an invitation used, store the
response and count it. The intake is the hottest path of the app (a national survey's first morning),
so each statement is built once per database dialect and every call is one round trip, no ORM objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Date,
    Executable,
    Integer,
    bindparam,
    false,
    insert,
    literal_column,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from plans.models import Channel, Survey, SurveyInvitation, SurveyResponse, SurveyTeamDay, SurveyTeamLink


@dataclass(frozen=True)
class TokenRow:
    """What a token opens: its channel, survey and team, whether it is spent (an invitation used, a
    team link revoked), and the survey's window."""

    channel: Channel
    survey_id: int
    team_id: int
    spent: bool
    opens_at: datetime
    closes_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True)
class SurveySource:
    """The parts of a survey its public page and the intake's checks are built from."""

    id: int
    title: str
    questions: list[dict[str, Any]]
    definition: dict[str, Any] | None
    anonymous: bool
    closes_at: datetime
    answered: bool  # any response counted yet: from then on the questions cannot change


def _find() -> Executable:
    h = bindparam("h")
    window = (Survey.opens_at, Survey.closes_at, Survey.closed_at)
    invitations = (
        select(
            literal_column("'invitation'").label("channel"),
            SurveyInvitation.survey_id,
            SurveyInvitation.team_id,
            SurveyInvitation.used.label("spent"),
            *window,
        )
        .join(Survey, Survey.id == SurveyInvitation.survey_id)
        .where(SurveyInvitation.token_hash == h)
    )
    links = (
        select(
            literal_column("'team_link'"),
            SurveyTeamLink.survey_id,
            SurveyTeamLink.team_id,
            SurveyTeamLink.revoked_at.is_not(None),
            *window,
        )
        .join(Survey, Survey.id == SurveyTeamLink.survey_id)
        .where(SurveyTeamLink.token_hash == h)
    )
    return union_all(invitations, links)


_FIND = _find()
_MARK_USED = (
    update(SurveyInvitation)
    .where(SurveyInvitation.token_hash == bindparam("h"), SurveyInvitation.used == false())
    .values(used=True)
)
_ADD_RESPONSE = insert(SurveyResponse)
_SOURCE = select(
    Survey.id,
    Survey.title,
    Survey.questions,
    Survey.definition,
    Survey.anonymous,
    Survey.closes_at,
    select(SurveyTeamDay.survey_id).where(SurveyTeamDay.survey_id == Survey.id).exists(),
).where(Survey.id == bindparam("survey_id"))
# the counter as plain SQL (the same on SQLite and PostgreSQL): the dialect's ON CONFLICT construct has no
# cache key, so SQLAlchemy would compile it again for every response
_COUNT = text(
    "INSERT INTO survey_team_days (survey_id, team_id, day, responses) VALUES (:survey_id, :team_id, :day, 1) "
    "ON CONFLICT (survey_id, team_id, day) DO UPDATE SET responses = survey_team_days.responses + 1"
).bindparams(bindparam("survey_id", type_=Integer), bindparam("team_id", type_=Integer), bindparam("day", type_=Date))


class IntakeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, token_hash: str) -> TokenRow | None:
        """The invitation or team link whose token has this hash, with its survey's window."""
        row = self.session.connection().execute(_FIND, {"h": token_hash}).first()
        if row is None:
            return None
        channel, survey_id, team_id, spent, opens_at, closes_at, closed_at = row
        return TokenRow(Channel(channel), survey_id, team_id, bool(spent), opens_at, closes_at, closed_at)

    def source(self, survey_id: int) -> SurveySource | None:
        row = self.session.connection().execute(_SOURCE, {"survey_id": survey_id}).first()
        return SurveySource(*row) if row is not None else None

    def mark_used(self, token_hash: str) -> bool:
        """Mark an unused invitation used; False if it was used already (by this or a racing request)."""
        return bool(self.session.connection().execute(_MARK_USED, {"h": token_hash}).rowcount)

    def add_response(
        self,
        *,
        survey_id: int,
        team_id: int,
        day: date,
        channel: Channel,
        answers: dict[str, Any],
        demographics: dict[str, str],
    ) -> None:
        """Store one response and count it for its team and day, in the caller's transaction."""
        connection = self.session.connection()
        connection.execute(
            _ADD_RESPONSE,
            {
                "survey_id": survey_id,
                "team_id": team_id,
                "answered_on": day,
                "channel": channel,
                "answers": answers,
                "demographics": demographics,
            },
        )
        connection.execute(_COUNT, {"survey_id": survey_id, "team_id": team_id, "day": day})
