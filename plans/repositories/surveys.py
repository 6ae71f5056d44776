"""Surveys, their anonymous responses and stored findings."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session

from plans.models import Survey, SurveyFinding, SurveyKind, SurveyResponse, SurveyTeam, SurveyTeamDay, Team
from plans.repositories.dialect import upsert_adding


class SurveyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def for_plan(self, plan_id: int, kind: SurveyKind) -> Survey | None:
        return self.session.scalar(select(Survey).where(Survey.plan_id == plan_id, Survey.kind == kind))

    def get(self, survey_id: int, *, lock: bool = False) -> Survey | None:
        """The survey row; with ``lock``, held until the transaction ends where the database can lock."""
        stmt = select(Survey).where(Survey.id == survey_id)
        return self.session.scalar(stmt.with_for_update() if lock else stmt)

    def has_responses(self, survey_id: int, *, hold: bool = False) -> bool:
        """Whether any response exists (one index probe, not a count). With ``hold``, no response can be
        added until this transaction ends: PostgreSQL waits for inserts in flight and blocks new ones
        (SHARE mode; the intake itself takes no lock), so the answer stays true until the commit.
        SQLite allows one writer at a time, which gives the same guarantee."""
        if hold and self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(text("LOCK TABLE survey_responses IN SHARE MODE"))
        stmt = select(SurveyResponse.id).where(SurveyResponse.survey_id == survey_id).limit(1)
        return self.session.scalar(stmt) is not None

    def add(self, survey: Survey) -> Survey:
        self.session.add(survey)
        self.session.flush()
        return survey

    def add_responses(self, rows: Sequence[dict[str, Any]]) -> int:
        """Insert many responses in one statement per thousand rows (never one ORM object each) and
        count them in the per-team, per-day counters the rates read, in the same transaction."""
        for start in range(0, len(rows), 1000):
            self.session.execute(insert(SurveyResponse), list(rows[start : start + 1000]))
        counts = Counter((r["survey_id"], r["team_id"], r["answered_on"]) for r in rows)
        if counts:
            stmt = upsert_adding(self.session, SurveyTeamDay, ["survey_id", "team_id", "day"], "responses")
            self.session.connection().execute(
                stmt,
                [{"survey_id": s, "team_id": t, "day": d, "responses": n} for (s, t, d), n in sorted(counts.items())],
            )
        return len(rows)

    def response_count(self, survey_id: int) -> int:
        """Responses counted so far (the intake's counters, not a scan of the responses)."""
        stmt = select(func.coalesce(func.sum(SurveyTeamDay.responses), 0)).where(SurveyTeamDay.survey_id == survey_id)
        return int(self.session.scalar(stmt) or 0)

    def counts_by_team(self, survey_id: int) -> dict[int, int]:
        stmt = (
            select(SurveyTeamDay.team_id, func.sum(SurveyTeamDay.responses))
            .where(SurveyTeamDay.survey_id == survey_id)
            .group_by(SurveyTeamDay.team_id)
        )
        return {team_id: int(n) for team_id, n in self.session.execute(stmt)}

    def team_rates(self, survey_id: int, organisation_id: int) -> list[tuple[str, str, int, int]]:
        """(team code, team name, responses, eligible) for every team with anyone eligible when the
        survey opened (``organisation_id`` is kept for callers; the snapshot names the teams)."""
        counts = self.counts_by_team(survey_id)
        stmt = (
            select(Team.id, Team.code, Team.name, SurveyTeam.eligible)
            .join(SurveyTeam, SurveyTeam.team_id == Team.id)
            .where(SurveyTeam.survey_id == survey_id, SurveyTeam.eligible > 0)
            .order_by(Team.code)
        )
        return [(code, name, counts.get(tid, 0), eligible) for tid, code, name, eligible in self.session.execute(stmt)]

    def answers(self, survey_id: int) -> list[dict[str, Any]]:
        """Every response's answers (a columnar engine replaces this at national scale)."""
        stmt = select(SurveyResponse.answers).where(SurveyResponse.survey_id == survey_id)
        return list(self.session.scalars(stmt))

    def replace_findings(self, survey_id: int, findings: Sequence[dict[str, Any]]) -> None:
        """Store a survey's findings, replacing any earlier analysis of it (re-runs are safe)."""
        self.session.execute(delete(SurveyFinding).where(SurveyFinding.survey_id == survey_id))
        if findings:
            self.session.execute(insert(SurveyFinding), [{"survey_id": survey_id, **f} for f in findings])
        self.session.flush()

    def findings(self, survey_id: int) -> Sequence[SurveyFinding]:
        stmt = select(SurveyFinding).where(SurveyFinding.survey_id == survey_id).order_by(SurveyFinding.question_id)
        return self.session.scalars(stmt).all()
