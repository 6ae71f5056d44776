"""Anonymity as a property of the schema, checked on the migrated databases themselves (SQLite and
PostgreSQL), not only on the models: no column, foreign key or index could link a survey response to a
person, an invitation or a token, and nothing stored about a response carries a time of day.

If this test fails, a change has made it possible to tell who said what. Do not relax it: find another
way to build the feature.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Date, DateTime, func, inspect, select
from sqlalchemy.engine.reflection import Inspector

from plans.db import engine_for, session_scope
from plans.models import Base, SurveyInvitation, utcnow
from plans.services import intake
from tests.conftest import Database
from tests.intake_world import invitation_tokens, open_with_staff

RESPONSES = "survey_responses"
# everything a response may hold: which survey, which team, which day, how it arrived, what was said
RESPONSE_COLUMNS = {"id", "survey_id", "team_id", "answered_on", "channel", "answers", "demographics"}
RESPONSE_TARGETS = {"surveys", "teams"}
# tables that know a person or a secret: a response must not reach them, nor they a response
IDENTIFYING = {
    "people",
    "staff_members",
    "survey_invitations",
    "survey_team_links",
    "web_sessions",
    "sign_in_links",
    "sign_in_events",
    "api_tokens",
    "passwords",
    "outbox_messages",
    "audit_events",
}
SUSPECT_NAME = re.compile(r"person|people|staff|email|token|invit|user|session|ip_|address|link|_at$|time", re.I)


@pytest.fixture
def schema(db: Database) -> Inspector:
    inspector = inspect(engine_for(db.url))
    return inspector


class TestResponseRows:
    def test_hold_only_survey_team_day_channel_and_what_was_said(self, schema: Inspector) -> None:
        columns = {c["name"] for c in schema.get_columns(RESPONSES)}
        assert columns == RESPONSE_COLUMNS, f"survey_responses gained {columns - RESPONSE_COLUMNS}"

    def test_no_column_name_suggests_a_person_a_secret_or_a_time(self, schema: Inspector) -> None:
        suspect = [c["name"] for c in schema.get_columns(RESPONSES) if SUSPECT_NAME.search(c["name"])]
        assert suspect == []

    def test_the_day_is_a_date_and_no_column_holds_a_time(self, schema: Inspector) -> None:
        types = {c["name"]: c["type"] for c in schema.get_columns(RESPONSES)}
        assert isinstance(types["answered_on"], Date) and not isinstance(types["answered_on"], DateTime)
        assert [n for n, t in types.items() if isinstance(t, DateTime)] == []

    def test_foreign_keys_lead_only_to_the_survey_and_the_team(self, schema: Inspector) -> None:
        targets = {fk["referred_table"] for fk in schema.get_foreign_keys(RESPONSES)}
        assert targets <= RESPONSE_TARGETS

    def test_indexes_cover_only_the_allowed_columns(self, schema: Inspector) -> None:
        indexed = {c for ix in schema.get_indexes(RESPONSES) for c in ix["column_names"] if c}
        unique = {c for uq in schema.get_unique_constraints(RESPONSES) for c in uq["column_names"]}
        assert indexed | unique <= RESPONSE_COLUMNS
        assert unique == set(), "a unique key on a response could only serve to find one response again"


class TestNothingPointsAtAResponse:
    def test_no_table_has_a_foreign_key_to_responses(self, schema: Inspector) -> None:
        pointing = [
            (table, fk["constrained_columns"])
            for table in schema.get_table_names()
            for fk in schema.get_foreign_keys(table)
            if fk["referred_table"] == RESPONSES
        ]
        assert pointing == []

    def test_no_identifying_table_names_a_response_column(self, schema: Inspector) -> None:
        names = re.compile(r"response", re.I)
        found = [
            (table, c["name"])
            for table in IDENTIFYING & set(schema.get_table_names())
            for c in schema.get_columns(table)
            if names.search(c["name"])
        ]
        assert found == []


class TestInvitationsRecordOnlyThatTheyWereUsed:
    def test_no_time_of_use_and_no_answer(self, schema: Inspector) -> None:
        columns = {c["name"]: c["type"] for c in schema.get_columns("survey_invitations")}
        assert [n for n, t in columns.items() if isinstance(t, DateTime)] == []
        assert {n for n in columns if re.search(r"used|answer", n)} == {"used"}
        assert not {n for n in columns if re.search(r"answer|response|channel", n)}

    def test_team_links_hold_no_responses(self, schema: Inspector) -> None:
        columns = {c["name"] for c in schema.get_columns("survey_team_links")}
        assert not {n for n in columns if re.search(r"answer|response|used", n)}


class TestCountersCountOnly:
    def test_counters_hold_team_day_and_a_number(self, schema: Inspector) -> None:
        columns = {c["name"] for c in schema.get_columns("survey_team_days")}
        assert columns == {"survey_id", "team_id", "day", "responses"}


def test_the_models_and_the_migrated_database_agree_on_responses(db: Database) -> None:
    """The checks above read the database; the models must say the same, so a model-only change fails too."""
    model = {c.name for c in Base.metadata.tables[RESPONSES].columns}
    assert model == RESPONSE_COLUMNS


def _row_counts(url: str) -> dict[str, int]:
    with engine_for(url).connect() as c:
        return {
            t.name: c.execute(select(func.count()).select_from(t)).scalar_one() for t in Base.metadata.sorted_tables
        }


def test_answering_writes_the_response_its_counter_and_the_used_flag_and_nothing_else(db: Database) -> None:
    """No audit event, log row, email or timestamp per response: a trace with a time of answering
    anywhere would undo what the response table leaves out."""
    _, survey_id = open_with_staff()
    token = invitation_tokens(survey_id)[0]
    with session_scope() as s:
        before_invitations = [r._asdict() for r in s.execute(select(SurveyInvitation.__table__).order_by("id"))]
    before = _row_counts(db.url)
    with session_scope() as s:
        intake.answer(s, token=token, answers={"K1": "Agree"}, demographics={}, now=utcnow())
    after = _row_counts(db.url)
    changed = {t: after[t] - before[t] for t in after if after[t] != before[t]}
    assert changed == {"survey_responses": 1, "survey_team_days": 1}
    with session_scope() as s:
        after_invitations = [r._asdict() for r in s.execute(select(SurveyInvitation.__table__).order_by("id"))]
    differences = [
        {k for k in a if a[k] != b[k]} for a, b in zip(before_invitations, after_invitations, strict=True) if a != b
    ]
    assert differences == [{"used"}]
