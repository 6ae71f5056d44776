"""Retention: deleting survey tokens, staff emails and staff lists once no survey needs them, and keeping
the anonymous responses, counts and findings (``docs/retention.md``; the rules: ``plans.domain.retention``).

Each survey, and each organisation's staff list, is purged in a transaction of its own, so nothing is ever
half-deleted, and under ``hold_organisation``: facts are read again under the lock and the rules asked
again, so two runs at once (or a run and a staff import) do the work once; the second finds nothing due.
A purge records one audit event with counts only, never an address.

A survey's purge deletes, in batches of its invitations (a range of the survey's staff members each):
the emails written to those invitees (the invitation and each reminder, looked up by their idempotency
keys), sent or not, since a link whose invitation is gone opens nothing and a survey closed that long
must not write to anyone; then the invitations; then the survey's team links; then staff a later list no
longer named, kept until now only because this survey's invitations pointed at them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from plans.domain.retention import Decision, decide, staff_list_verdict, survey_verdict
from plans.repositories.retention import RetentionRepository
from plans.services.audit_trail import record_system_about
from plans.services.survey_opening import invitation_key

log = logging.getLogger(__name__)

BATCH = 5000  # invitations per batch (with their emails), staff ids per DELETE
SURVEY_PURGED = "survey_personal_data_deleted"
STAFF_LIST_PURGED = "staff_list_deleted"


def reminder_key(survey_id: int, staff_member_id: int, number: int) -> str:
    """The idempotency key of an invitee's reminder ``number`` (1, 2, ...): the twin of the key
    ``ChasingRepository.remind_invitees`` builds in SQL."""
    return f"survey-reminder:{survey_id}:{staff_member_id}:{number}"


def period_of(days: int) -> timedelta:
    return timedelta(days=days)


@dataclass
class SurveyPurge:
    """What a survey's purge deleted (or, in a dry run, would delete)."""

    survey_id: int
    plan_id: int
    organisation_id: int
    kind: str
    closed_at: datetime | None
    reason: str
    invitations: int = 0
    team_links: int = 0
    messages_sent: int = 0
    messages_unsent: int = 0
    leavers: int = 0

    def as_data(self) -> dict[str, Any]:
        """Counts and dates only: the audit event's data."""
        return {
            "survey": self.survey_id,
            "kind": self.kind,
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
            "reason": self.reason,
            "invitations": self.invitations,
            "team_links": self.team_links,
            "messages_sent": self.messages_sent,
            "messages_unsent": self.messages_unsent,
            "leavers": self.leavers,
        }


@dataclass
class StaffListPurge:
    """What a staff list's purge deleted (or would delete)."""

    organisation_id: int
    organisation: str
    reason: str
    staff: int = 0

    def as_data(self) -> dict[str, Any]:
        return {"organisation": self.organisation, "reason": self.reason, "staff": self.staff}


@dataclass
class RetentionReport:
    """One run: what went (or would go), what is kept and until when, and what failed."""

    now: datetime
    retention_days: int
    dry_run: bool
    surveys: list[SurveyPurge] = field(default_factory=list)
    staff_lists: list[StaffListPurge] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def as_data(self) -> dict[str, Any]:
        """JSON-ready: the flow's result and ``coproduce retention run --json``."""
        return {
            "now": self.now.isoformat(),
            "retention_days": self.retention_days,
            "dry_run": self.dry_run,
            "surveys": [p.as_data() for p in self.surveys],
            "staff_lists": [{**p.as_data(), "organisation_id": p.organisation_id} for p in self.staff_lists],
            "kept": self.kept,
            "failed": self.failed,
        }

    def lines(self) -> list[str]:
        """The run in a few lines of counts (the flow's log and artifact, the CLI's output)."""
        verb = "would delete" if self.dry_run else "deleted"
        out = [
            f"retention {self.retention_days} day(s), as of {self.now:%Y-%m-%d %H:%M} UTC"
            + (" (dry run)" if self.dry_run else "")
            + ":"
        ]
        for s in self.surveys:
            out.append(
                f"- survey {s.survey_id} ({s.kind}, {s.reason}): {verb} {s.invitations} invitation(s), "
                f"{s.team_links} team link(s), {s.messages_sent} sent and {s.messages_unsent} unsent email(s) to "
                f"invitees, {s.leavers} leaver(s) from the staff list"
            )
        out += [f"- staff list of {o.organisation} ({o.reason}): {verb} {o.staff} staff" for o in self.staff_lists]
        if not self.surveys and not self.staff_lists:
            out.append("- nothing is due")
        out += [f"- kept: {k}" for k in self.kept]
        out += [f"- FAILED: {f}" for f in self.failed]
        return out


def review(session: Session, *, now: datetime, period: timedelta) -> Decision:
    """The verdict on every survey holding personal data and every staff list, as of ``now``."""
    repo = RetentionRepository(session)
    return decide(repo.survey_facts(), repo.staff_list_facts(), now=now, period=period)


def purge_survey(
    session: Session, *, survey_id: int, now: datetime, period: timedelta, dry_run: bool = False
) -> SurveyPurge | None:
    """Delete the survey's invitations, team links and emails to its invitees if they are due (checked
    again under the organisation's lock); None when they are not (any more). A dry run only counts."""
    repo = RetentionRepository(session)
    row = repo.survey(survey_id)
    if row is None:
        return None
    if not dry_run:
        repo.hold_organisation(row.organisation_id)
    facts = [f for f in repo.survey_facts(row.organisation_id) if f.survey_id == survey_id]
    verdict = survey_verdict(facts[0], now=now, period=period) if facts else None
    if verdict is None or not verdict.due:
        return None
    purge = SurveyPurge(survey_id, row.plan_id, row.organisation_id, row.kind.value, row.closed_at, verdict.reason)
    after = 0
    while batch := repo.invitation_batch(survey_id, after, BATCH):
        keys = [invitation_key(survey_id, sid) for sid, _ in batch]
        keys += [reminder_key(survey_id, sid, n) for sid, sent in batch for n in range(1, sent + 1)]
        sent, unsent = repo.messages(keys, delete_them=not dry_run)
        purge.messages_sent += sent
        purge.messages_unsent += unsent
        upto = batch[-1][0]
        purge.invitations += len(batch) if dry_run else repo.delete_invitations(survey_id, after=after, upto=upto)
        after = upto
    purge.team_links = repo.team_links(survey_id, delete_them=not dry_run)
    purge.leavers = repo.leavers(row.organisation_id, survey_id=survey_id, delete_them=not dry_run)
    if not dry_run:
        data = {**purge.as_data(), "retention_days": period.days}
        record_system_about(session, plan_id=row.plan_id, plan_version=None, kind=SURVEY_PURGED, now=now, data=data)
    return purge


def purge_staff_list(
    session: Session, *, organisation_id: int, now: datetime, period: timedelta, dry_run: bool = False
) -> StaffListPurge | None:
    """Delete the organisation's staff list if no survey needs it (checked again under the lock); None
    when it is not due (any more). A dry run only counts, and counts the due surveys' invitations as gone."""
    repo = RetentionRepository(session)
    if not dry_run:
        repo.hold_organisation(organisation_id)
    facts = repo.staff_list_facts(organisation_id)
    if not facts:
        return None
    verdict = staff_list_verdict(facts[0], repo.survey_facts(organisation_id), now=now, period=period)
    if not verdict.due:
        return None
    purge = StaffListPurge(organisation_id, repo.organisation_code(organisation_id) or "", verdict.reason)
    if dry_run:
        purge.staff = repo.count_staff(organisation_id)
        return purge
    if repo.invitations_remain(organisation_id):
        # a due survey's purge failed earlier in this run: deleting around its invitations would leave
        # the list half there, so the list waits for the next run
        raise RuntimeError(f"organisation {purge.organisation}: invitations remain; its surveys are purged first")
    span = repo.staff_id_range(organisation_id)
    if span is not None:
        for first in range(span[0], span[1] + 1, BATCH):
            purge.staff += repo.delete_staff(organisation_id, first=first, last=first + BATCH - 1)
    if purge.staff:
        data = {**purge.as_data(), "retention_days": period.days}
        record_system_about(session, plan_id=None, plan_version=None, kind=STAFF_LIST_PURGED, now=now, data=data)
    return purge


def run(
    transaction: Callable[[], AbstractContextManager[Session]],
    *,
    now: datetime,
    retention_days: int,
    dry_run: bool = False,
) -> RetentionReport:
    """Every purge due as of ``now``: the surveys first (their invitations point at the staff lists), each
    in a ``transaction()`` of its own (the edge's boundary, which commits); one that fails is reported
    and does not stop the others. Idempotent: a second run finds nothing due."""
    period = period_of(retention_days)
    report = RetentionReport(now, retention_days, dry_run)
    with transaction() as session:
        decision = review(session, now=now, period=period)
    for survey_id in decision.surveys_due():
        try:
            with transaction() as session:
                if (
                    done := purge_survey(session, survey_id=survey_id, now=now, period=period, dry_run=dry_run)
                ) is not None:
                    report.surveys.append(done)
        except Exception as exc:  # one survey's failure leaves the others to go; the run reports it
            log.exception("retention: survey %s", survey_id)
            report.failed.append(f"survey {survey_id}: {type(exc).__name__}: {exc}")
    for organisation_id in decision.staff_lists_due():
        try:
            with transaction() as session:
                kw: dict[str, Any] = {"organisation_id": organisation_id, "now": now, "period": period}
                if (gone := purge_staff_list(session, dry_run=dry_run, **kw)) is not None:
                    if dry_run:  # the run deletes the surveys' leavers first: the list is that much shorter
                        gone.staff -= sum(p.leavers for p in report.surveys if p.organisation_id == organisation_id)
                    report.staff_lists.append(gone)
        except Exception as exc:
            log.exception("retention: staff list of organisation %s", organisation_id)
            report.failed.append(f"staff list of organisation {organisation_id}: {type(exc).__name__}: {exc}")
    report.kept = _kept(decision)
    return report


def _kept(decision: Decision) -> list[str]:
    """What holds personal data and stays, with why (and until when)."""
    out = [f"survey {sid}: {v.reason}" for sid, v in sorted(decision.surveys.items()) if not v.due]
    out += [
        f"staff list of organisation {oid}: {v.reason}" for oid, v in sorted(decision.staff_lists.items()) if not v.due
    ]
    return out
