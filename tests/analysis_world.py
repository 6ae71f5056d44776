"""A closed survey with stored responses, written straight into the tables (no plan walk), for the tests
of the analysis's repository, service and flow.

The organisation ANL has three levels of teams and a team on its own:

    D1 (directorate)            D2 (directorate)        SOLO (no parent: its own directorate)
      S1 (sub-directorate)        T3
        T1
      T2

Responses are made from ``(team code, answers, demographics)`` triples; each survey has two agreement
questions in section ``s1`` (A1, A2), a yes/no question in ``s2`` (Y1), a free-text question (C1) and a
multiple-choice question (M1, which the analysis does not read), and asks staff_group and ethnicity.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from plans.db import session_scope
from plans.domain.survey_definition import AGREEMENT, AGREEMENT_POSITIVE, YES_NO
from plans.models import Organisation, Person, Plan, Survey, SurveyKind, SurveyTeam, Team
from plans.repositories.surveys import SurveyRepository

TEAMS = [("D1", None), ("S1", "D1"), ("T1", "S1"), ("T2", "D1"), ("D2", None), ("T3", "D2"), ("SOLO", None)]
QUESTIONS: list[dict[str, Any]] = [
    {"id": "A1", "section": "s1", "type": "agreement", "text": "I am valued.", "answers": list(AGREEMENT),
     "positive": list(AGREEMENT_POSITIVE)},
    {"id": "A2", "section": "s1", "type": "agreement", "text": "I am heard.", "answers": list(AGREEMENT),
     "positive": list(AGREEMENT_POSITIVE)},
    {"id": "Y1", "section": "s2", "type": "yes_no", "text": "I have training.", "answers": list(YES_NO),
     "positive": ["Yes"]},
    {"id": "C1", "section": "s2", "type": "free_text", "text": "Anything else?", "answers": [], "positive": []},
    {"id": "M1", "section": "s2", "type": "multiple_choice", "text": "Which?", "answers": ["a", "b"], "positive": []},
]  # fmt: skip
DEFINITION = {
    "demographics": [
        {"id": "staff_group", "text": "Staff group", "options": ["Nursing", "Admin"]},
        {"id": "ethnicity", "text": "Ethnic group", "options": ["White", "Black", "Asian"]},
    ]
}
CLOSED = datetime(2027, 3, 29, 9, tzinfo=UTC)

Response = tuple[str, dict[str, Any], dict[str, str]]


@dataclass(frozen=True)
class World:
    organisation_id: int
    plan_id: int
    teams: dict[str, int]  # code -> id


def make_world(org_code: str = "ANL") -> World:
    """The organisation, its teams and a plan to hang surveys on."""
    with session_scope() as s:
        org = s.execute(
            insert(Organisation).returning(Organisation.id), {"code": org_code, "name": f"{org_code} Council"}
        ).scalar_one()
        person = s.execute(
            insert(Person).returning(Person.id),
            {"organisation_id": org, "email": f"cora@{org_code.lower()}.example", "name": "Cora"},
        ).scalar_one()
        plan = s.execute(
            insert(Plan).returning(Plan.id),
            {
                "organisation_id": org,
                "slug": f"analysis-{org_code.lower()}",
                "title": "Analysis plan",
                "coordinator_id": person,
                "starts_on": date(2027, 1, 4),
            },
        ).scalar_one()
        teams: dict[str, int] = {}
        for code, parent in TEAMS:
            row = Team(organisation_id=org, code=code, name=f"Team {code}", parent_id=teams.get(parent or ""))
            s.add(row)
            s.flush()
            teams[code] = row.id
        return World(org, plan, teams)


def make_survey(
    world: World,
    responses: Sequence[Response],
    *,
    kind: SurveyKind = SurveyKind.BASELINE,
    eligible: dict[str, int] | None = None,
    questions: list[dict[str, Any]] | None = None,
    baseline_id: int | None = None,
) -> int:
    """A closed survey of the plan with these responses and eligible headcounts; returns its id."""
    with session_scope() as s:
        survey = SurveyRepository(s).add(
            Survey(
                plan_id=world.plan_id,
                kind=kind,
                title=f"Analysis survey ({kind.value})",
                questions=questions or QUESTIONS,
                definition=DEFINITION,
                target_rate=0.5,
                opens_at=CLOSED - timedelta(days=28),
                closes_at=CLOSED,
                closed_at=CLOSED,
                baseline_id=baseline_id,
            )
        )
        if eligible:
            s.execute(
                insert(SurveyTeam),
                [{"survey_id": survey.id, "team_id": world.teams[c], "eligible": n} for c, n in eligible.items()],
            )
        SurveyRepository(s).add_responses(
            [
                {
                    "survey_id": survey.id,
                    "team_id": world.teams[team],
                    "answered_on": CLOSED.date() - timedelta(days=1),
                    "answers": answers,
                    "demographics": demographics,
                }
                for team, answers, demographics in responses
            ]
        )
        return survey.id


def survey_of(survey_id: int) -> Survey:
    with session_scope() as s:
        survey = s.scalar(select(Survey).where(Survey.id == survey_id))
        assert survey is not None
        return survey
