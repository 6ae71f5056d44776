"""A small plan with its baseline survey open and the intake's counters set by hand, for the tests of
live rates, the league table and their pages.

The small plan's teams (D1 above T1 and T2) get company: a second directorate D2 with a sub-directorate
S1 that has staff of its own and Team Three below it, Team Four with nobody eligible, and a Late Team
under D1 that has a response but no eligible snapshot (as a team link made after opening could give).
The counters are written directly (the intake keeps them in real use), replacing any the opening wrote:

    team   eligible  day 0  day 1  day 2  total
    T1         10       3      2      1     6
    T2         12       .      2      .     2
    S1          4       .      1      .     1
    T3          8       4      .      4     8
    T4          0       .      .      .     0
    T5          -       .      .      1     1   (no snapshot row)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import delete, insert, select

from plans.db import session_scope
from plans.domain.stages import Stage
from plans.models import Organisation, Survey, SurveyKind, SurveyTeam, SurveyTeamDay, Team
from tests.conftest import SMALL_PLAN
from tests.support import create, walk_to

EXTRA_TEAMS = [  # code, name, parent code, eligible headcount
    ("D2", "Directorate Two", None, 0),
    ("S1", "Sub Directorate", "D2", 4),
    ("T3", "Team Three", "S1", 8),
    ("T4", "Team Four", "D2", 0),
    ("T5", "Late Team", "D1", 0),
]
ELIGIBLE = {"T1": 10, "T2": 12, "S1": 4, "T3": 8, "T4": 0}
BY_DAY = {"T1": [3, 2, 1], "T2": [0, 2, 0], "S1": [0, 1, 0], "T3": [4, 0, 4], "T5": [0, 0, 1]}


@dataclass(frozen=True)
class SurveyWorld:
    plan_id: int
    survey_id: int
    teams: dict[str, int]  # code -> id
    first_day: date


def open_survey(slug: str | None = None) -> SurveyWorld:
    """The small plan at the evidence survey stage, with the extra teams and the counters above."""
    plan_id, people = create(SMALL_PLAN, slug=slug)
    walk_to(plan_id, people, Stage.EVIDENCE_SURVEY)
    with session_scope() as s:
        survey = s.scalar(select(Survey).where(Survey.plan_id == plan_id, Survey.kind == SurveyKind.BASELINE))
        assert survey is not None
        org_id = s.scalar(select(Organisation.id).where(Organisation.code == "SMALL"))
        teams = {code: tid for code, tid in s.execute(select(Team.code, Team.id).where(Team.organisation_id == org_id))}
        for code, name, parent, headcount in EXTRA_TEAMS:
            if code not in teams:
                row = Team(
                    organisation_id=org_id,
                    code=code,
                    name=name,
                    parent_id=teams[parent] if parent else None,
                    eligible_headcount=headcount,
                )
                s.add(row)
                s.flush()
                teams[code] = row.id
        first = survey.opens_at.date()
        set_counts(s, survey.id, {teams[c]: n for c, n in ELIGIBLE.items()}, by_day(teams, first))
        return SurveyWorld(plan_id, survey.id, teams, first)


def by_day(teams: dict[str, int], first: date) -> dict[tuple[int, date], int]:
    return {
        (teams[code], first + timedelta(days=i)): n for code, days in BY_DAY.items() for i, n in enumerate(days) if n
    }


def set_counts(s, survey_id: int, eligible: dict[int, int], days: dict[tuple[int, date], int]) -> None:  # type: ignore[no-untyped-def]
    """Replace the survey's eligible snapshot and day counters with these."""
    s.execute(delete(SurveyTeamDay).where(SurveyTeamDay.survey_id == survey_id))
    s.execute(delete(SurveyTeam).where(SurveyTeam.survey_id == survey_id))
    if eligible:
        s.execute(
            insert(SurveyTeam), [{"survey_id": survey_id, "team_id": t, "eligible": n} for t, n in eligible.items()]
        )
    if days:
        s.execute(
            insert(SurveyTeamDay),
            [{"survey_id": survey_id, "team_id": t, "day": d, "responses": n} for (t, d), n in days.items()],
        )
    s.flush()
