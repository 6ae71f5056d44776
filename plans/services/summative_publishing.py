"""The summative report as a Prefect markdown artifact: published once when its retrospective is written
(a draft: the panel's review and the repeat survey are still to come) and once more when the plan
closes (final), under the stable key ``plan-<id>-summative``, so the Prefect UI shows both versions
in the artifact's history.

The daily chase publishes what is due in one task (``flows.summative_artifacts``); each publication is
noted in the audit log with a dedupe key, so a re-run publishes nothing twice and one that failed to
publish leaves the report for the next run.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from plans.repositories.audit import AuditRepository
from plans.repositories.summative import SummativeRepository
from plans.schemas_report import FinalReport
from plans.services.audit_trail import record_once
from plans.services.final_report import final_report
from plans.services.lifecycle import load_plan


def artifact_key(plan_id: int) -> str:
    """The Prefect artifact key of a plan's summative report."""
    return f"plan-{plan_id}-summative"


def _published_key(plan_id: int, final: bool) -> str:
    return f"plan:{plan_id}:summative:{'final' if final else 'draft'}:artifact"


def to_publish(session: Session, *, now: datetime) -> list[FinalReport]:
    """Every summative report with a version not yet published: the draft once written, the final
    once the plan has closed."""
    audit = AuditRepository(session)
    return [
        final_report(session, plan_id=plan_id, now=now)
        for plan_id, closed in SummativeRepository(session).plans_reported()
        if not audit.exists(_published_key(plan_id, closed))
    ]


def mark_published(session: Session, *, plan_id: int, final: bool, now: datetime) -> bool:
    """Note that the plan's summative report (draft or final) is published; False if a run noted it first."""
    plan = load_plan(session, plan_id)
    return record_once(
        session,
        plan=plan,
        kind="summative_report_published",
        now=now,
        data={"final": final, "artifact": artifact_key(plan.id)},
        dedupe_key=_published_key(plan.id, final),
    )
