"""The survey's Prefect artifacts: a progress artifact, a markdown of the rates and a table of the league,
made inside a flow run against the session's real Prefect API and read back with the client."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from prefect import flow
from prefect.artifacts import Artifact

from flows.artifacts import (
    TEAMS_LISTED,
    league_key,
    percentage,
    progress_key,
    publish_league_table,
    publish_survey_progress,
    teams_key,
    teams_markdown,
)
from plans.survey_views import GroupRate, LeagueRow, LeagueTableView, SurveyHeader, SurveyProgressView, TeamProgress

OPENS, CLOSES = datetime(2027, 3, 1, 9, tzinfo=UTC), datetime(2027, 3, 29, 9, tzinfo=UTC)
HEADER = SurveyHeader(
    survey_id=7301,
    plan_id=3,
    plan_title="Small test plan",
    kind="baseline",
    title="Small survey",
    target_rate=0.5,
    opens_at=OPENS,
    closes_at=CLOSES,
    closed_at=None,
    open=True,
    days_left=12,
)


def _team(team_id: int, name: str, responses: int, eligible: int) -> TeamProgress:
    rate = responses / eligible if eligible else 0.0
    return TeamProgress(
        team_id=team_id,
        team=name,
        code=f"T{team_id}",
        directorate_id=1,
        directorate="Directorate | One",
        manager=None,
        eligible=eligible,
        responses=responses,
        rate=rate,
        below_target=rate < 0.5,
    )


def _progress(teams: list[TeamProgress]) -> SurveyProgressView:
    eligible, responses = sum(t.eligible for t in teams), sum(t.responses for t in teams)
    return SurveyProgressView(
        **HEADER.model_dump(),
        organisation="Small Council",
        eligible=eligible,
        responses=responses,
        rate=responses / eligible,
        below_target=responses / eligible < 0.5,
        directorates=[
            GroupRate(
                team_id=1,
                team="Directorate | One",
                parent_id=None,
                manager="Dan Director",
                teams=len(teams),
                eligible=eligible,
                responses=responses,
                rate=responses / eligible,
                below_target=responses / eligible < 0.5,
            )
        ],
        teams=teams,
        history=[],
    )


LEAGUE = LeagueTableView(
    **HEADER.model_dump(),
    on=date(2027, 3, 17),
    reward_rate=1.0,
    reward_min_eligible=1,
    teams=[
        LeagueRow(
            rank=1, team="Team One", team_id=2, directorate="Directorate | One", manager_id=5, manager="Tess Manager",
            responses=10, eligible=10, rate=1.0, at_target=True, rewarded=True, named=False,
        ),
        LeagueRow(
            rank=2, team="Team Two", team_id=3, directorate="Directorate | One", manager_id=6, manager="Tom Manager",
            responses=2, eligible=12, rate=2 / 12, at_target=False, rewarded=False, named=True,
        ),
    ],
    at_target=1,
    rewarded=1,
    below_target=1,
)  # fmt: skip


class TestWithoutPrefect:
    def test_percentage_is_capped_and_safe(self) -> None:
        assert [percentage(3, 4), percentage(7, 5), percentage(0, 0), percentage(1, 3)] == [75.0, 100.0, 0.0, 33.33]

    def test_markdown_lists_the_lowest_teams_below_target_and_escapes_pipes(self) -> None:
        teams = [_team(i, f"Team {i:03d}", i % 4, 10) for i in range(2, TEAMS_LISTED + 12)] + [_team(99, "Full", 9, 9)]
        text = teams_markdown(_progress(teams))
        assert "| Directorate \\| One |" in text
        rows = [line for line in text.splitlines() if line.startswith("| Team 0")]
        assert len(rows) == TEAMS_LISTED and rows[0].startswith("| Team 004 |")  # 0 of 10 first
        assert f"... and {len(teams) - 1 - TEAMS_LISTED} more" in text and "Full" not in text


class TestPublishedInAFlowRun:
    def test_progress_rates_and_league_read_back_from_the_api(self, prefect_api: str) -> None:
        progress = _progress([_team(2, "Team One", 10, 10), _team(3, "Team Two", 14, 12)])  # 24 of 22

        @flow(name="publish-survey-artifacts")
        def publish() -> None:
            publish_survey_progress(progress)
            publish_league_table(LEAGUE)

        state = publish(return_state=True)
        assert state.is_completed()
        run_id = state.state_details.flow_run_id

        bar = Artifact.get(progress_key(7301), _sync=True)  # type: ignore[call-arg]
        assert bar is not None and bar.type == "progress" and bar.flow_run_id == run_id
        assert bar.data == 100.0  # more responses than the snapshot counted: capped
        assert bar.description is not None and "24 of 22 responded" in bar.description
        rates = Artifact.get(teams_key(7301), _sync=True)  # type: ignore[call-arg]
        assert rates is not None and rates.type == "markdown" and "Small Council" in str(rates.data)
        league = Artifact.get(league_key(7301), _sync=True)  # type: ignore[call-arg]
        assert league is not None and league.type == "table" and league.flow_run_id == run_id
        rows = json.loads(str(league.data))
        assert [(r["place"], r["team"], r["target met"], r["recognised"], r["named"]) for r in rows] == [
            (1, "Team One", "yes", "yes", ""),
            (2, "Team Two", "no", "", "yes"),
        ]
        assert league.description is not None and "1 of 2 teams at the 50% target" in league.description
