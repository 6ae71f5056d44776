"""Prefect artifacts that publish a survey's live progress and its league table in the Prefect UI.

Call these inside a flow or a task (the chasing flow does, once per open survey): Prefect ties an
artifact to the run it is made in, and deprecates making one outside a run. Keys are stable per survey
(``survey-<id>-progress``, ``survey-<id>-teams``, ``survey-<id>-league``), so the UI's artifact page
shows each survey's latest figures with their history across runs. Counts and rates only: the views
passed in never hold an answer.
"""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

from prefect.artifacts import create_markdown_artifact, create_progress_artifact, create_table_artifact

from plans.survey_views import LeagueTableView, SurveyProgressView

# the markdown lists the teams below target lowest first up to this many: an organisation can have
# thousands of teams, and the UI renders the whole document
TEAMS_LISTED = 50


def progress_key(survey_id: int) -> str:
    """The progress artifact's key for a survey (lowercase letters, digits and dashes, as Prefect asks)."""
    return f"survey-{survey_id}-progress"


def teams_key(survey_id: int) -> str:
    return f"survey-{survey_id}-teams"


def league_key(survey_id: int) -> str:
    return f"survey-{survey_id}-league"


def percentage(responses: int, eligible: int) -> float:
    """Responses as a percentage of the eligible headcount, capped at 100 (team links and paper can
    bring more responses than the snapshot counted) and 0 with nobody eligible."""
    if eligible <= 0:
        return 0.0
    return min(100.0, round(responses / eligible * 100, 2))


def _pct(rate: float) -> str:
    return f"{round(rate * 100)}%"


def _describe(p: SurveyProgressView) -> str:
    state = f"{p.days_left} day(s) left" if p.open else "closed"
    return (
        f"{p.title} ({p.plan_title}): {p.responses} of {p.eligible} responded ({_pct(p.rate)}), "
        f"target {_pct(p.target_rate)}; {state}"
    )


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def teams_markdown(p: SurveyProgressView) -> str:
    """The survey's rates as markdown: the organisation, each directorate, and the teams below target."""
    lines = [
        f"# {_cell(p.title)}",
        "",
        f"**{p.organisation}**: {p.responses} of {p.eligible} staff responded ({_pct(p.rate)}), "
        f"target {_pct(p.target_rate)}.",
        "",
    ]
    if p.directorates:
        lines += [
            "## Directorates",
            "",
            "| Directorate | Responses | Eligible | Rate | Target met |",
            "|---|--:|--:|--:|---|",
        ]
        lines += [
            f"| {_cell(g.team)} | {g.responses} | {g.eligible} | {_pct(g.rate)} | {'no' if g.below_target else 'yes'} |"
            for g in p.directorates
        ]
        lines.append("")
    below = sorted((t for t in p.teams if t.eligible > 0 and t.below_target), key=lambda t: (t.rate, t.team))
    lines += [f"## Teams below target ({len(below)})", ""]
    if below:
        lines += ["| Team | Directorate | Responses | Eligible | Rate |", "|---|---|--:|--:|--:|"]
        lines += [
            f"| {_cell(t.team)} | {_cell(t.directorate or '')} | {t.responses} | {t.eligible} | {_pct(t.rate)} |"
            for t in below[:TEAMS_LISTED]
        ]
        if len(below) > TEAMS_LISTED:
            lines += ["", f"... and {len(below) - TEAMS_LISTED} more (the coordinator's survey page lists them all)."]
    else:
        lines.append("Every team has met the target.")
    return "\n".join(lines) + "\n"


def publish_survey_progress(progress: SurveyProgressView) -> UUID:
    """A progress artifact (percentage responded) and a markdown artifact of the rates, for one survey;
    returns the progress artifact's id."""
    artifact_id = cast(
        UUID,
        create_progress_artifact(
            progress=percentage(progress.responses, progress.eligible),
            key=progress_key(progress.survey_id),
            description=_describe(progress),
            _sync=True,  # type: ignore[call-arg]  # the blocking call, even if an event loop runs
        ),
    )
    create_markdown_artifact(
        markdown=teams_markdown(progress),
        key=teams_key(progress.survey_id),
        description=f"Response rates by directorate and team: {progress.title}",
        _sync=True,  # type: ignore[call-arg]
    )
    return artifact_id


def league_rows(table: LeagueTableView) -> list[dict[str, Any]]:
    """The league table as the table artifact's rows."""
    return [
        {
            "place": r.rank,
            "team": r.team,
            "directorate": r.directorate or "",
            "manager": r.manager or "",
            "responses": r.responses,
            "eligible": r.eligible,
            "rate": _pct(r.rate),
            "target met": "yes" if r.at_target else "no",
            "recognised": "yes" if r.rewarded else "",
            "named": "yes" if r.named else "",
        }
        for r in table.teams
    ]


def publish_league_table(table: LeagueTableView) -> UUID:
    """A table artifact of the survey's league table on its day; returns its id."""
    return cast(
        UUID,
        create_table_artifact(
            table=league_rows(table),
            key=league_key(table.survey_id),
            description=(
                f"League table of {table.title} ({table.plan_title}) on {table.on:%d %B %Y}: "
                f"{table.at_target} of {len(table.teams)} teams at the {_pct(table.target_rate)} target"
            ),
            _sync=True,  # type: ignore[call-arg]
        ),
    )
