"""Retention on both databases (plans.services.retention): a closed survey's invitations, team links and
emails to its invitees go a period after it closes, and the staff list once no survey needs it; responses,
counters, headcounts, findings, rates and league tables stay; the run is idempotent, records counts
only, keeps what an open repeat survey needs, writes nothing in a dry run, and two runs at once do the
work once."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from plans.db import session_scope
from plans.models import AuditEvent, OutboxMessage, StaffMember, Survey, SurveyInvitation, SurveyTeamLink
from plans.services import retention
from plans.services.retention import STAFF_LIST_PURGED, SURVEY_PURGED, RetentionReport
from plans.services.survey_progress import league_table, survey_progress
from tests.conftest import Database
from tests.retention_world import (
    CLOSED,
    RetentionWorld,
    add_repeat,
    anonymous_counts,
    build_closed,
    count,
    staff_messages,
)

DAYS = 90
DUE = CLOSED + timedelta(days=DAYS, hours=1)


@pytest.fixture
def world(db: Database) -> RetentionWorld:
    return build_closed()


def run(now: datetime = DUE, *, dry_run: bool = False) -> RetentionReport:
    return retention.run(session_scope, now=now, retention_days=DAYS, dry_run=dry_run)


def events(kind: str) -> list[AuditEvent]:
    with session_scope() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.kind == kind).order_by(AuditEvent.id)))


def rates(survey_id: int, now: datetime) -> tuple[dict[str, object], dict[str, object]]:
    with session_scope() as s:
        progress = survey_progress(s, survey_id=survey_id, now=now).model_dump()
        league = league_table(s, survey_id=survey_id, now=now).model_dump()
    return progress, league


def everything() -> tuple[int, ...]:
    """Row counts of every table retention touches, and of the audit log."""
    return (
        count(SurveyInvitation),
        count(SurveyTeamLink),
        count(OutboxMessage),
        count(StaffMember),
        count(AuditEvent),
    )


class TestBeforeThePeriod:
    def test_a_day_early_nothing_goes_and_the_run_says_until_when(self, world: RetentionWorld) -> None:
        before = everything()
        report = run(CLOSED + timedelta(days=DAYS - 1))
        assert report.surveys == [] and report.staff_lists == [] and report.failed == []
        assert everything() == before
        until = f"kept until {(CLOSED + timedelta(days=DAYS)):%Y-%m-%d}"
        assert f"survey {world.survey_id}: closed {CLOSED:%Y-%m-%d}; {until}" in report.kept
        assert any(k.startswith("staff list of organisation") and until in k for k in report.kept)

    def test_a_survey_not_closed_keeps_everything_however_old(self, world: RetentionWorld) -> None:
        with session_scope() as s:
            survey = s.get(Survey, world.survey_id)
            assert survey is not None
            survey.closed_at = None  # past its end date, never closed by a lifecycle run
        before = everything()
        report = run(CLOSED + timedelta(days=3000))
        assert everything() == before and report.surveys == [] and report.staff_lists == []
        assert f"survey {world.survey_id}: the survey is not closed" in report.kept


class TestPurge:
    def test_personal_data_goes_and_the_anonymous_data_and_rates_stay(self, world: RetentionWorld) -> None:
        sid = world.survey_id
        kept = anonymous_counts(sid)
        rates_before = rates(sid, DUE)
        others = count(OutboxMessage) - staff_messages()
        assert staff_messages(sid) == 14 + 11 + 11  # invitations, and two reminders to the 11 who did not answer
        report = run()
        assert report.failed == []
        assert count(SurveyInvitation) == 0 and count(SurveyTeamLink) == 0 and staff_messages() == 0
        assert count(StaffMember) == 0
        assert count(OutboxMessage) == others > 0, "manager chases and league tables are not staff's emails"
        assert anonymous_counts(sid) == kept and all(kept)
        assert rates(sid, DUE) == rates_before
        (done,) = report.surveys
        assert (done.invitations, done.team_links, done.leavers) == (14, 1, 0)
        assert done.messages_sent + done.messages_unsent == 36 and done.messages_sent > 0
        (gone,) = report.staff_lists
        assert gone.staff == world.staff and gone.organisation == "ORG"

    def test_each_purge_is_one_audit_event_with_counts_and_no_address(self, world: RetentionWorld) -> None:
        report = run()
        (survey_event,) = events(SURVEY_PURGED)
        assert survey_event.plan_id == world.chase.plan_id and survey_event.actor == "coproduce"
        assert survey_event.data["invitations"] == 14 and survey_event.data["retention_days"] == DAYS
        assert survey_event.data == {**report.surveys[0].as_data(), "retention_days": DAYS}
        (list_event,) = events(STAFF_LIST_PURGED)
        assert list_event.plan_id is None and list_event.data["staff"] == world.staff
        for event in (survey_event, list_event):
            assert "@" not in json.dumps(event.data)

    def test_a_second_run_finds_nothing_and_records_nothing(self, world: RetentionWorld) -> None:
        run()
        after = everything()
        again = run(DUE + timedelta(days=1))
        assert again.surveys == [] and again.staff_lists == [] and again.failed == []
        assert everything() == after

    def test_small_batches_delete_the_same(self, world: RetentionWorld, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(retention, "BATCH", 3)
        report = run()
        assert report.surveys[0].invitations == 14 and report.staff_lists[0].staff == world.staff
        assert count(SurveyInvitation) == 0 and staff_messages() == 0 and count(StaffMember) == 0

    def test_a_fresh_import_keeps_the_list_but_not_the_tokens(self, world: RetentionWorld) -> None:
        with session_scope() as s:
            s.add(
                AuditEvent(
                    kind="staff_list_imported", actor="t", at=DUE - timedelta(days=5), data={"organisation": "ORG"}
                )
            )
        report = run()
        assert len(report.surveys) == 1 and report.staff_lists == []
        assert count(SurveyInvitation) == 0 and count(StaffMember) == world.staff
        assert any("imported" in k and "kept until" in k for k in report.kept)


class TestOpenRepeatSurvey:
    def test_the_baseline_tokens_go_the_list_and_the_repeat_invitations_stay(self, world: RetentionWorld) -> None:
        add_repeat(world)
        assert world.repeat_id is not None and world.leaver is not None
        report = run()
        assert report.failed == [] and [p.survey_id for p in report.surveys] == [world.survey_id]
        assert count(SurveyInvitation, SurveyInvitation.survey_id == world.survey_id) == 0
        assert count(SurveyInvitation, SurveyInvitation.survey_id == world.repeat_id) == world.staff - 1
        # the list stays for the repeat survey, but for the leaver the baseline alone kept
        assert report.staff_lists == [] and report.surveys[0].leavers == 1
        assert count(StaffMember) == world.staff - 1 and count(StaffMember, StaffMember.id == world.leaver) == 0
        assert f"survey {world.repeat_id}: the survey is not closed" in report.kept

    def test_once_the_repeat_closes_and_its_period_passes_everything_goes(self, world: RetentionWorld) -> None:
        add_repeat(world, closed_at=DUE)
        assert run().staff_lists == []  # the repeat just closed: the list waits for its period
        final = run(DUE + timedelta(days=DAYS))
        assert [p.survey_id for p in final.surveys] == [world.repeat_id] and final.staff_lists[
            0
        ].staff == world.staff - 1
        assert count(SurveyInvitation) == 0 and count(StaffMember) == 0


class TestDryRun:
    def test_it_writes_nothing_and_counts_what_the_run_deletes(self, world: RetentionWorld) -> None:
        add_repeat(world, closed_at=CLOSED)
        before = everything()
        dry = run(dry_run=True)
        assert dry.dry_run and everything() == before
        real = run()
        assert [p.as_data() for p in dry.surveys] == [p.as_data() for p in real.surveys]
        assert [p.as_data() for p in dry.staff_lists] == [p.as_data() for p in real.staff_lists]
        assert len(real.surveys) == 2 and real.staff_lists[0].staff == world.staff - 1 == count(StaffMember) + 13


class TestConcurrentRuns:
    def test_two_runs_at_once_do_the_work_once(self, world: RetentionWorld) -> None:
        add_repeat(world, closed_at=CLOSED)
        barrier = threading.Barrier(2)
        reports: list[RetentionReport] = []
        errors: list[BaseException] = []

        def one() -> None:
            try:
                barrier.wait(timeout=30)
                reports.append(run())
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=one) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert errors == [] and all(r.failed == [] for r in reports), (errors, [r.failed for r in reports])
        assert sorted(p.survey_id for r in reports for p in r.surveys) == sorted([world.survey_id, world.repeat_id])
        leavers = sum(p.leavers for r in reports for p in r.surveys)
        assert leavers == 1 and sum(p.staff for r in reports for p in r.staff_lists) == world.staff - leavers
        assert len(events(SURVEY_PURGED)) == 2 and len(events(STAFF_LIST_PURGED)) == 1
        assert count(SurveyInvitation) == 0 and count(StaffMember) == 0 and staff_messages() == 0


class TestFailure:
    def test_a_failed_purge_is_rolled_back_whole_and_the_others_go_on(
        self, world: RetentionWorld, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        add_repeat(world, closed_at=CLOSED)
        real = retention.RetentionRepository.team_links

        def failing(self: retention.RetentionRepository, survey_id: int, *, delete_them: bool) -> int:
            if survey_id == world.repeat_id and delete_them:
                raise RuntimeError("the disk is full")
            return real(self, survey_id, delete_them=delete_them)

        monkeypatch.setattr(retention.RetentionRepository, "team_links", failing)
        report = run()
        assert [p.survey_id for p in report.surveys] == [world.survey_id]
        assert report.failed[0] == f"survey {world.repeat_id}: RuntimeError: the disk is full"
        # the repeat's invitations, deleted before the failure, came back with the rollback
        assert count(SurveyInvitation, SurveyInvitation.survey_id == world.repeat_id) == world.staff - 1
        # so the list waits: deleting around the repeat's invitations would leave it half there
        assert report.staff_lists == [] and "invitations remain" in report.failed[1]
        assert count(StaffMember) == world.staff - 1 and len(events(SURVEY_PURGED)) == 1
        monkeypatch.setattr(retention.RetentionRepository, "team_links", real)
        retry = run()
        assert [p.survey_id for p in retry.surveys] == [world.repeat_id] and retry.staff_lists[0].staff == 13
