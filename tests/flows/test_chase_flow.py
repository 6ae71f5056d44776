"""The ``chase`` flow in-process against the session's real Prefect API: one run chases and publishes
each open survey's artifacts; a second run the same day writes nothing."""

from __future__ import annotations

from prefect.artifacts import Artifact

from flows.artifacts import league_key, progress_key
from flows.chasing import chase
from tests.chase_world import build, day
from tests.conftest import Database


class TestChaseFlow:
    def test_chases_publishes_and_repeats_nothing(self, prefect_api: str, db: Database) -> None:
        world = build()
        first = chase(at=day(7))
        assert first["invitee_reminders"] == 14 and first["manager_chases"] == 3
        assert first["league_tables"] == 3 and first["artifacts"] == 1
        again = chase(at=day(7, hour=15), artifacts=False)
        written = ("invitee_reminders", "manager_chases", "escalations", "rewards", "league_tables")
        assert [again[k] for k in written] == [0] * len(written)
        league = Artifact.get(league_key(world.survey_id))
        assert league is not None and "Team A" in str(league.data)
        assert Artifact.get(progress_key(world.survey_id)) is not None
