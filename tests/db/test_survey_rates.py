"""Live response rates from the intake's counters, on both databases: per team, rolled up every level of
the hierarchy, the organisation, history by day, and the service's progress and league table."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert

from plans.db import session_scope
from plans.domain.errors import NotFound
from plans.models import Survey, SurveyKind, SurveyTeamDay, utcnow
from plans.repositories.survey_rates import SurveyRatesRepository
from plans.services.survey_progress import league_table, open_surveys, plan_survey, survey_progress, team_progress
from tests.conftest import Database
from tests.survey_world import SurveyWorld, open_survey, set_counts


@pytest.fixture
def world(db: Database) -> SurveyWorld:
    return open_survey()


def _by_code(world: SurveyWorld) -> dict[int, str]:
    return {tid: code for code, tid in world.teams.items()}


class TestTeamCounts:
    def test_every_team_with_a_snapshot_or_a_response(self, world: SurveyWorld) -> None:
        with session_scope() as s:
            counts = SurveyRatesRepository(s).team_counts(world.survey_id)
        codes = _by_code(world)
        got = {codes[c.team_id]: (c.eligible, c.responses) for c in counts}
        assert got == {"T1": (10, 6), "T2": (12, 2), "S1": (4, 1), "T3": (8, 8), "T4": (0, 0), "T5": (0, 1)}
        t1 = next(c for c in counts if c.team_id == world.teams["T1"])
        assert (t1.name, t1.manager, t1.parent_id) == ("Team One", "Tess Manager", world.teams["D1"])

    def test_another_survey_counts_apart(self, world: SurveyWorld) -> None:
        with session_scope() as s:
            base = s.get(Survey, world.survey_id)
            assert base is not None
            other = Survey(
                plan_id=world.plan_id,
                kind=SurveyKind.REPEAT,
                title="Repeat",
                questions=[],
                target_rate=0.5,
                opens_at=base.opens_at,
                closes_at=base.closes_at,
            )
            s.add(other)
            s.flush()
            set_counts(s, other.id, {world.teams["T1"]: 50}, {(world.teams["T1"], world.first_day): 40})
            other_id = other.id
        with session_scope() as s:
            repo = SurveyRatesRepository(s)
            assert [(c.eligible, c.responses) for c in repo.team_counts(other_id)] == [(50, 40)]
            assert sum(c.responses for c in repo.team_counts(world.survey_id)) == 18

    def test_a_survey_with_no_counters_has_no_teams(self, world: SurveyWorld) -> None:
        with session_scope() as s:
            set_counts(s, world.survey_id, {}, {})
            repo = SurveyRatesRepository(s)
            assert repo.team_counts(world.survey_id) == [] and repo.roll_ups(world.survey_id) == []
            assert repo.responses_by_day(world.survey_id) == [] and repo.eligible(world.survey_id) == 0


class TestRollUps:
    def test_every_level_sums_everything_below_it(self, world: SurveyWorld) -> None:
        with session_scope() as s:
            ups = SurveyRatesRepository(s).roll_ups(world.survey_id)
        codes = _by_code(world)
        got = {codes[u.team_id]: (u.teams, u.eligible, u.responses) for u in ups}
        # D1: T1, T2 and the late team; D2: S1 (with its own staff), T3 below S1, and T4 with nobody eligible
        assert got == {"D1": (3, 22, 9), "D2": (3, 12, 9), "S1": (1, 12, 9)}
        d2 = next(u for u in ups if u.team_id == world.teams["D2"])
        assert (d2.name, d2.parent_id) == ("Directorate Two", None)

    def test_a_loop_in_the_hierarchy_ends(self, world: SurveyWorld) -> None:
        from sqlalchemy import update

        from plans.models import Team

        with session_scope() as s:  # D2 above S1 above T3, and now D2 below T3: a loop
            s.execute(update(Team).where(Team.id == world.teams["D2"]).values(parent_id=world.teams["T3"]))
            ups = SurveyRatesRepository(s).roll_ups(world.survey_id)
            s.rollback()
        assert {u.team_id for u in ups} >= {world.teams["D2"], world.teams["S1"]}


class TestHistory:
    def test_organisation_and_one_directorate_by_day(self, world: SurveyWorld) -> None:
        d0 = world.first_day
        with session_scope() as s:
            repo = SurveyRatesRepository(s)
            org = [(d.day, d.responses) for d in repo.responses_by_day(world.survey_id)]
            d2 = [(d.day, d.responses) for d in repo.responses_by_day(world.survey_id, world.teams["D2"])]
            t2 = [(d.day, d.responses) for d in repo.responses_by_day(world.survey_id, world.teams["T2"])]
            assert repo.eligible(world.survey_id) == 34
            assert repo.eligible(world.survey_id, world.teams["D2"]) == 12
            assert repo.eligible(world.survey_id, world.teams["T4"]) == 0
        one, two = d0 + timedelta(days=1), d0 + timedelta(days=2)
        assert org == [(d0, 7), (one, 5), (two, 6)]
        assert d2 == [(d0, 4), (one, 1), (two, 4)]
        assert t2 == [(one, 2)]


class TestSurveyProgress:
    def test_organisation_directorates_teams_and_history(self, world: SurveyWorld) -> None:
        now = utcnow()
        with session_scope() as s:
            view = survey_progress(s, survey_id=world.survey_id, now=now)
        assert (view.eligible, view.responses, view.below_target) == (34, 18, False)  # 53% against 50%
        assert view.organisation == "Small Council" and view.open and 27 <= view.days_left <= 28
        assert [(d.cumulative, round(d.rate, 4)) for d in view.history] == [
            (7, round(7 / 34, 4)),
            (12, round(12 / 34, 4)),
            (18, round(18 / 34, 4)),
        ]
        groups = {g.team: (g.responses, g.eligible, g.below_target) for g in view.directorates}
        assert groups == {
            "Directorate One": (9, 22, True),
            "Directorate Two": (9, 12, False),
            "Sub Directorate": (9, 12, False),
        }
        teams = {t.code: (t.directorate, t.below_target) for t in view.teams}
        assert teams["T3"] == ("Sub Directorate", False) and teams["T2"] == ("Directorate One", True)
        assert teams["T4"] == ("Directorate Two", True)  # nobody eligible: a rate of 0, never a division by 0

    def test_days_left_and_closed(self, world: SurveyWorld) -> None:
        with session_scope() as s:
            survey = s.get(Survey, world.survey_id)
            assert survey is not None
            closes = survey.closes_at
            assert survey_progress(s, survey_id=world.survey_id, now=closes - timedelta(hours=1)).days_left == 1
            late = survey_progress(s, survey_id=world.survey_id, now=closes)
            assert (late.open, late.days_left) == (False, 0)
            assert open_surveys(s, closes - timedelta(seconds=1)) == [world.survey_id]
            assert open_surveys(s, closes) == [] and open_surveys(s, survey.opens_at - timedelta(seconds=1)) == []

    def test_unknown_survey(self, db: Database) -> None:
        with session_scope() as s, pytest.raises(NotFound):
            survey_progress(s, survey_id=424242, now=utcnow())


class TestLeagueTable:
    def test_ranked_with_ties_rewards_and_named(self, world: SurveyWorld) -> None:
        with session_scope() as s:  # T2 to 3 of 12 (25%): the same rate as S1's 1 of 4
            s.execute(
                insert(SurveyTeamDay),
                [{"survey_id": world.survey_id, "team_id": world.teams["T2"], "day": world.first_day, "responses": 1}],
            )
        with session_scope() as s:
            table = league_table(s, survey_id=world.survey_id, now=utcnow(), named=frozenset({world.teams["T2"]}))
        rows = [(r.rank, r.team, r.at_target, r.rewarded, r.named) for r in table.teams]
        assert rows == [
            (1, "Team Three", True, True, False),  # 8 of 8
            (2, "Team One", True, False, False),  # 6 of 10
            (3, "Sub Directorate", False, False, False),  # 1 of 4: ties with Team Two, first by name
            (3, "Team Two", False, False, True),  # 3 of 12
        ]
        assert (table.at_target, table.rewarded, table.below_target) == (2, 1, 2)
        assert table.teams[0].directorate == "Sub Directorate" and table.teams[1].manager == "Tess Manager"

    def test_the_reward_rule_comes_from_the_survey_definition(self, world: SurveyWorld) -> None:
        with session_scope() as s:
            survey = s.get(Survey, world.survey_id)
            assert survey is not None
            survey.definition = {
                **(survey.definition or {}),
                "chasing": {"reward": {"at_rate": 0.6, "min_eligible": 9}},
            }
        with session_scope() as s:
            table = league_table(s, survey_id=world.survey_id, now=utcnow())
        assert [r.team for r in table.teams if r.rewarded] == ["Team One"]  # Team Three has only 8 eligible
        assert (table.reward_rate, table.reward_min_eligible) == (0.6, 9)


class TestForPagesAndTeams:
    def test_plan_survey_by_kind(self, world: SurveyWorld) -> None:
        with session_scope() as s:
            found = plan_survey(s, plan_id=world.plan_id, kind="baseline", now=utcnow())
            assert found.progress is not None and found.league is not None
            assert found.progress.survey_id == world.survey_id and len(found.league.teams) == 4
            assert found.design is not None and {d.level for d in found.design} <= {"error", "warning", "info"}
            repeat = plan_survey(s, plan_id=world.plan_id, kind="repeat", now=utcnow())
            assert (repeat.progress, repeat.league, repeat.plan_title) == (None, None, "Small test plan")
            with pytest.raises(NotFound):
                plan_survey(s, plan_id=world.plan_id, kind="other", now=utcnow())
            with pytest.raises(NotFound):
                plan_survey(s, plan_id=424242, kind="baseline", now=utcnow())

    def test_a_team_sees_itself_and_below_with_places_in_the_whole_league(self, world: SurveyWorld) -> None:
        with session_scope() as s:
            (d2,) = team_progress(s, team_id=world.teams["D2"], now=utcnow())
            (t2,) = team_progress(s, team_id=world.teams["T2"], now=utcnow())
        assert (d2.eligible, d2.responses, d2.league_size) == (12, 9, 4)
        assert [(r.rank, r.team) for r in d2.league] == [(1, "Team Three"), (3, "Sub Directorate")]
        assert [d.responses for d in d2.history] == [4, 1, 4]
        assert (t2.eligible, t2.responses, [(r.rank, r.team) for r in t2.league]) == (12, 2, [(4, "Team Two")])

    def test_sql_places_agree_with_the_league_rule_for_every_team(self, world: SurveyWorld) -> None:
        with session_scope() as s:  # a tie (Team Two 3 of 12, Sub Directorate 1 of 4) and a team at 100%
            s.execute(
                insert(SurveyTeamDay),
                [{"survey_id": world.survey_id, "team_id": world.teams["T2"], "day": world.first_day, "responses": 1}],
            )
        with session_scope() as s:
            table = league_table(s, survey_id=world.survey_id, now=utcnow())
            repo = SurveyRatesRepository(s)
            for code, team_id in world.teams.items():
                below = repo.subtree_ids(team_id)
                (mine,) = team_progress(s, team_id=team_id, now=utcnow())
                expected = [r for r in table.teams if r.team_id in below]
                assert mine.league == expected, code
                assert mine.league_size == len(table.teams) == 4
