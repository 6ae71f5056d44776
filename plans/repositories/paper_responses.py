"""Paper responses: inserted in batches with the per-team daily counters they add to.

Kept apart from the online intake (``plans.repositories.intake``): that one writes one response per
request, this one a whole checked file at once, a statement per thousand responses and one counter
statement per team and day (never one per response).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from plans.models import Channel, SurveyResponse, SurveyTeam, SurveyTeamDay, Team
from plans.repositories.dialect import upsert_adding

BATCH = 1000


class PaperResponseRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def team_ids_by_code(self, organisation_id: int) -> dict[str, int]:
        """Every team of the organisation, by code."""
        stmt = select(Team.code, Team.id).where(Team.organisation_id == organisation_id)
        return {code: tid for code, tid in self.session.execute(stmt)}

    def survey_team_ids(self, survey_id: int) -> set[int]:
        """The teams in the survey's snapshot (empty when the survey opened without one)."""
        return set(self.session.scalars(select(SurveyTeam.team_id).where(SurveyTeam.survey_id == survey_id)))

    def add(self, survey_id: int, day: date, responses: Sequence[tuple[int, dict[str, Any], dict[str, Any]]]) -> None:
        """Insert (team id, answers, demographics) responses on ``day`` and add them to the counters."""
        rows = [
            {
                "survey_id": survey_id,
                "team_id": team_id,
                "answered_on": day,
                "channel": Channel.PAPER,
                "answers": answers,
                "demographics": demographics,
            }
            for team_id, answers, demographics in responses
        ]
        for start in range(0, len(rows), BATCH):
            self.session.execute(insert(SurveyResponse), rows[start : start + BATCH])
        per_team = Counter(team_id for team_id, _, _ in responses)
        if per_team:
            stmt = upsert_adding(self.session, SurveyTeamDay, ["survey_id", "team_id", "day"], "responses")
            counters = [{"survey_id": survey_id, "team_id": t, "day": day, "responses": n} for t, n in per_team.items()]
            self.session.execute(stmt, counters)
