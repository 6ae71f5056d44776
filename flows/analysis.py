"""The ``analyse-survey`` flow: analyse one closed survey, store the findings, publish them as artifacts.

The lifecycle flow runs it as a subflow for every closed survey of the plan that has no analysis yet,
before it tries the gate, so a plan reaches its recommendations only with its baseline's findings stored.
It is also a deployment (prefect.yaml), so a coordinator can run an analysis again from the Prefect UI
(say after changing the reporting threshold): a re-analysis replaces the last one whole.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from prefect import flow, task

from flows.analysis_artifacts import findings_key, heatmap_key, publish_findings
from plans.db import session_scope
from plans.models import utcnow
from plans.services import analysis, analysis_digest


def retry_unless_bad_input(task: Any, task_run: Any, state: Any) -> bool:
    """Retry database hiccups, not a survey that is missing, still open or whose data the analysis
    refuses: those stay as they are until someone acts."""
    try:
        state.result()
    except (LookupError, ValueError):
        return False
    except Exception:
        return True
    return False


@task(name="analyse-and-store", retries=2, retry_delay_seconds=[5, 30], retry_condition_fn=retry_unless_bad_input)
def analyse_and_store(survey_id: int) -> dict[str, Any]:
    """Analyse the survey (against its baseline for a repeat survey) and store the results."""
    with session_scope() as session:
        return asdict(analysis.analyse_survey(session, survey_id=survey_id, now=utcnow()))


@task(name="publish-findings", retries=2, retry_delay_seconds=[2, 10])
def publish(survey_id: int) -> dict[str, str]:
    """The headline findings and the heatmap as Prefect artifacts."""
    with session_scope() as session:
        digest = analysis_digest.digest(session, survey_id=survey_id)
    markdown_id, table_id = publish_findings(digest)
    return {findings_key(survey_id): str(markdown_id), heatmap_key(survey_id): str(table_id)}


@flow(name="analyse-survey", flow_run_name="survey-{survey_id}", log_prints=True)
def analyse_survey(survey_id: int) -> dict[str, Any]:
    """Analyse one closed survey, store its findings and publish them."""
    outcome = analyse_and_store(survey_id)
    return {**outcome, "artifacts": publish(survey_id)}


def summary(outcome: dict[str, Any]) -> str:
    """One line for the lifecycle run's list of what it did."""
    return (
        f"analysed survey {outcome['survey_id']}: {outcome['respondents']} responses, "
        f"{outcome['findings']} findings stored ({outcome['duration_ms']} ms)"
    )
