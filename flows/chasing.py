"""The ``chase`` flow, daily: reminders to invitees who have not answered, managers of teams below
target up the survey's ladder, the weekly league table, recognition for full teams and overdue approvers
chased (``plans.services.chasing``), then each open survey's progress and league table published as
Prefect artifacts. One task does the whole chase set-wise in one transaction (never a task per person
or team); running it twice the same day writes nothing the second time. The same task asks evidence owners
whose formative checkpoint's window has opened and chases overdue ones; a last task publishes every
recorded formative report not yet published as a markdown artifact (``flows.formative_artifacts``), and
another each summative report's draft and final versions (``flows.summative_artifacts``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import flow, get_run_logger, task

from flows.artifacts import publish_league_table, publish_survey_progress
from flows.formative_artifacts import publish_formative_report
from flows.summative_artifacts import publish_summative_report
from plans.db import session_scope
from plans.models import utcnow
from plans.repositories.chasing import ChasingRepository
from plans.services import chasing, formative, summative_publishing
from plans.services.survey_progress import league_table, survey_progress


@task(name="chase", retries=2, retry_delay_seconds=30)
def run_chase(at: datetime) -> dict[str, Any]:
    """The day's chase in one transaction; counts per kind."""
    with session_scope() as session:
        return chasing.chase(session, now=at).model_dump()


@task(name="publish-survey-artifacts", retries=1, retry_delay_seconds=10)
def publish_artifacts(at: datetime) -> int:
    """Each open survey's live progress and league table (named teams marked) in the Prefect UI."""
    published = 0
    with session_scope() as session:
        for survey in ChasingRepository(session).open_surveys(at):
            config = chasing.config_of(survey)
            named = chasing.named_teams(session, survey_id=survey.id, config=config) if config else frozenset()
            publish_survey_progress(survey_progress(session, survey_id=survey.id, now=at))
            publish_league_table(league_table(session, survey_id=survey.id, now=at, named=named))
            published += 1
    return published


@task(name="publish-formative-reports", retries=1, retry_delay_seconds=10)
def publish_formative_reports(at: datetime) -> int:
    """Each recorded formative report without an artifact yet, in one task; each is noted as published
    in its own transaction once its artifact exists, so a failure part-way leaves the rest for a retry."""
    with session_scope() as session:
        reports = formative.unpublished_everywhere(session)
    for report in reports:
        publish_formative_report(report)
        with session_scope() as session:
            formative.mark_published(session, plan_id=report.plan_id, number=report.number, now=at)
    return len(reports)


@task(name="publish-summative-reports", retries=1, retry_delay_seconds=10)
def publish_summative_reports(at: datetime) -> int:
    """Each summative report with a version not yet published (the draft once written, the final once
    the plan closes), each noted as published in its own transaction once its artifact exists."""
    with session_scope() as session:
        reports = summative_publishing.to_publish(session, now=at)
    for report in reports:
        publish_summative_report(report)
        with session_scope() as session:
            summative_publishing.mark_published(session, plan_id=report.plan_id, final=report.closed, now=at)
    return len(reports)


@flow(name="chase")
def chase(at: datetime | None = None, artifacts: bool = True) -> dict[str, Any]:
    """Chase everything due today (``at``: the moment to chase as of; default now)."""
    now = at or utcnow()
    summary = run_chase(now)
    summary["artifacts"] = publish_artifacts(now) if artifacts else 0
    summary["formative_reports"] = publish_formative_reports(now) if artifacts else 0
    summary["summative_reports"] = publish_summative_reports(now) if artifacts else 0
    get_run_logger().info("chase: %s", summary)
    return summary
