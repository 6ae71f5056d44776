"""The ``purge-personal-data`` flow in-process against the session's real Prefect API: a run after the
retention period deletes the closed survey's tokens and emails and the staff list, publishes its counts as
an artifact (no address in it), and a second run finds nothing due."""

from __future__ import annotations

from datetime import timedelta

from prefect.artifacts import Artifact

from flows.retention import ARTIFACT_KEY, purge_personal_data
from plans.config import settings
from plans.models import StaffMember, SurveyInvitation
from tests.conftest import Database
from tests.retention_world import CLOSED, build_closed, count, staff_messages


class TestRetentionFlow:
    def test_purges_once_and_publishes_counts(self, prefect_api: str, db: Database) -> None:
        world = build_closed()
        at = CLOSED + timedelta(days=settings.personal_data_retention_days, hours=1)
        dry = purge_personal_data(at=at, dry_run=True)
        assert dry["surveys"][0]["invitations"] == 14 and count(SurveyInvitation) == 14
        first = purge_personal_data(at=at)
        assert [s["survey"] for s in first["surveys"]] == [world.survey_id]
        assert first["staff_lists"][0]["staff"] == world.staff and first["failed"] == []
        assert count(SurveyInvitation) == 0 and count(StaffMember) == 0 and staff_messages() == 0
        artifact = Artifact.get(ARTIFACT_KEY)
        assert artifact is not None and "deleted 14 invitation(s)" in str(artifact.data)
        assert "@" not in str(artifact.data)
        again = purge_personal_data(at=at + timedelta(days=1))
        assert again["surveys"] == [] and again["staff_lists"] == []
