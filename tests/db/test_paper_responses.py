"""Paper responses imported into an open survey on both databases: answers checked by the online
intake's rules, every bad cell reported with line and column (CSV and XLSX), nothing written on
failure; on success the responses are dated the import day and counted once per team."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from plans.db import session_scope
from plans.domain.errors import NotFound, StageLocked
from plans.domain.row_problems import RowProblems
from plans.domain.survey_definition import SurveyDefinition, flatten
from plans.models import AuditEvent, Channel, Survey, SurveyKind, SurveyResponse, SurveyTeam, SurveyTeamDay, Team
from plans.services.paper_responses import import_paper_responses
from tests.conftest import SMALL_PLAN, Database
from tests.db.test_staff_lists import write
from tests.support import create

NOW = datetime(2027, 2, 3, 16, 45, tzinfo=UTC)
DEFINITION = SurveyDefinition.model_validate(
    {
        "title": "Paper test survey",
        "sections": [{"id": "k", "title": "Knowledge", "kind": "knowledge"}],
        "questions": [
            {"id": "K1", "section": "k", "type": "agreement", "text": "I know."},
            {"id": "E1", "section": "k", "type": "yes_no", "text": "I have."},
            {"id": "C1", "section": "k", "type": "single_choice", "text": "How often?", "answers": ["Daily", "Never"]},
            {
                "id": "M1",
                "section": "k",
                "type": "multiple_choice",
                "text": "How?",
                "answers": ["Meetings", "Surveys", "Co-design"],
            },
            {"id": "F1", "section": "k", "type": "free_text", "text": "Anything else?"},
        ],
        "demographics": [
            {"id": "staff_group", "text": "Group", "options": ["Social care", "Housing", "Other"], "required": True},
            {"id": "ethnicity", "text": "Ethnicity", "options": ["White", "Black and minority ethnic"]},
        ],
    }
)
HEADER = ["team_code", "K1", "E1", "C1", "M1", "F1", "staff_group", "ethnicity"]


@pytest.fixture
def survey(db: Database) -> dict[str, int]:
    return open_paper_survey()


def open_paper_survey() -> dict[str, int]:
    """The small plan with an open baseline survey of DEFINITION over T1 and T2 (not D1), and 5
    responses counted for T1 today; ids by name (plan, survey, team codes)."""
    plan_id, _ = create(SMALL_PLAN)
    with session_scope() as s:
        teams = {code: tid for code, tid in s.execute(select(Team.code, Team.id))}
        row = Survey(
            plan_id=plan_id,
            kind=SurveyKind.BASELINE,
            title=DEFINITION.title,
            questions=flatten(DEFINITION),
            definition=DEFINITION.model_dump(mode="json"),
            target_rate=0.5,
            opens_at=NOW - timedelta(days=3),
            closes_at=NOW + timedelta(days=25),
        )
        s.add(row)
        s.flush()
        s.execute(
            insert(SurveyTeam), [{"survey_id": row.id, "team_id": teams[c], "eligible": 10} for c in ("T1", "T2")]
        )
        s.execute(
            insert(SurveyTeamDay), [{"survey_id": row.id, "team_id": teams["T1"], "day": NOW.date(), "responses": 5}]
        )
        return {"plan": plan_id, "survey": row.id, **teams}


def run(plan_id: int, path: Path, kind: SurveyKind = SurveyKind.BASELINE):  # type: ignore[no-untyped-def]
    with session_scope() as s:
        return import_paper_responses(s, plan_id=plan_id, path=path, kind=kind, now=NOW)


def state() -> tuple[int, int, int, int]:
    """Responses, counter rows, counted responses, audit events."""
    with session_scope() as s:
        return (
            int(s.scalar(select(func.count()).select_from(SurveyResponse)) or 0),
            int(s.scalar(select(func.count()).select_from(SurveyTeamDay)) or 0),
            int(s.scalar(select(func.sum(SurveyTeamDay.responses))) or 0),
            int(s.scalar(select(func.count()).select_from(AuditEvent)) or 0),
        )


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
class TestImport:
    def test_responses_stored_dated_and_counted(self, survey: dict[str, int], tmp_path: Path, kind: str) -> None:
        rows = [
            HEADER,
            ["T1", "agree", "YES", "daily", "Meetings; co-design", "More time, please", "housing", ""],
            ["t2", "Strongly disagree", "", "", "", "", "Prefer not to say", "White"],
            ["T1", "", "", "", "Surveys", "", "Other", ""],
        ]
        summary = run(survey["plan"], write(tmp_path, rows, kind, "paper"))
        assert (summary.responses, summary.by_team, summary.day) == (3, {"T1": 2, "T2": 1}, NOW.date())
        with session_scope() as s:
            stored = s.scalars(select(SurveyResponse)).all()
            assert {r.channel for r in stored} == {Channel.PAPER}
            assert {r.answered_on for r in stored} == {NOW.date()}
            answers = [(r.team_id, r.answers, r.demographics) for r in stored]
            counters = {t: n for t, n in s.execute(select(SurveyTeamDay.team_id, SurveyTeamDay.responses))}
            event = s.scalar(select(AuditEvent).where(AuditEvent.kind == "paper_responses_imported"))
        full = {"K1": "Agree", "E1": "Yes", "C1": "Daily", "M1": ["Meetings", "Co-design"], "F1": "More time, please"}
        assert {"K1": "Strongly disagree"} in [a for _, a, _ in answers]
        assert (survey["T1"], full, {"staff_group": "Housing"}) in answers
        assert (
            survey["T2"],
            {"K1": "Strongly disagree"},
            {"staff_group": "Prefer not to say", "ethnicity": "White"},
        ) in answers
        assert (survey["T1"], {"M1": ["Surveys"]}, {"staff_group": "Other"}) in answers
        assert counters == {survey["T1"]: 5 + 2, survey["T2"]: 1}
        assert event is not None and event.plan_id == survey["plan"] and event.data["responses"] == 3

    def test_every_bad_cell_is_named(self, survey: dict[str, int], tmp_path: Path, kind: str) -> None:
        rows = [
            HEADER,
            ["T1", "Agree", "", "", "", "", "Housing", ""],  # 2: fine
            ["NOPE", "Agree", "", "", "", "", "Housing", ""],  # 3
            ["D1", "Agree", "", "", "", "", "Housing", ""],  # 4
            ["", "Agree", "", "", "", "", "Housing", ""],  # 5
            ["T1", "Sort of", "", "", "", "", "Housing", ""],  # 6
            ["T1", "", "", "", "Meetings;Letters", "", "Housing", ""],  # 7
            ["T1", "", "", "", "Meetings; meetings", "", "Housing", ""],  # 8
            ["T1", "", "", "", "", "x" * 2001, "Housing", ""],  # 9
            ["T1", "Agree", "", "", "", "", "Nurse", ""],  # 10
            ["T1", "Agree", "", "", "", "", "", ""],  # 11
            ["T1", "", "", "", "", "", "Housing", ""],  # 12
            ["T1", "Agree", "Maybe", "Weekly", "", "", "Housing", "Green", "stray"],  # 13
        ]
        expected = [
            (3, "team_code", "no team with code 'NOPE'"),
            (4, "team_code", "team 'D1' is not part of this survey"),
            (5, "team_code", "missing"),
            (6, "K1", "'Sort of' is not one of the question's answers"),
            (7, "M1", "'Letters' is not one of the question's answers"),
            (8, "M1", "ticked more than once"),
            (9, "F1", "write at most 2,000 characters"),
            (10, "staff_group", "'Nurse' is not one of the options"),
            (11, "staff_group", "choose an option"),
            (12, "", "Answer at least one question"),
            (13, "", "1 value(s) to the right"),
            (13, "E1", "'Maybe' is not one of"),
            (13, "C1", "'Weekly' is not one of"),
            (13, "ethnicity", "'Green' is not one of the options"),
        ]
        before = state()
        with pytest.raises(RowProblems) as caught:
            run(survey["plan"], write(tmp_path, rows, kind, "paper"))
        assert state() == before, "a refused file wrote something"
        found = [(p.line, p.column, p.problem) for p in caught.value.problems]
        assert len(found) == len(expected), found
        for line, column, words in expected:
            assert any(f[:2] == (line, column) and words.lower() in f[2].lower() for f in found), (line, column, words)
        assert caught.value.message.startswith(f"paper.{kind}: 14 problems, nothing was imported")


class TestRefused:
    def test_closed_survey(self, survey: dict[str, int], tmp_path: Path) -> None:
        with session_scope() as s:
            s.get_one(Survey, survey["survey"]).closed_at = NOW - timedelta(days=1)
        path = write(tmp_path, [HEADER, ["T1", "Agree", "", "", "", "", "Housing", ""]], "csv", "paper")
        with pytest.raises(StageLocked, match=r"closed on 2027-02-02"):
            run(survey["plan"], path)
        with pytest.raises(NotFound, match=r"no repeat survey"):
            run(survey["plan"], path, SurveyKind.REPEAT)
        with pytest.raises(NotFound, match=r"plan 999"):
            run(999, path)

    def test_header_that_does_not_fit_the_survey(self, survey: dict[str, int], tmp_path: Path) -> None:
        before = state()
        with pytest.raises(RowProblems) as caught:
            run(survey["plan"], write(tmp_path, [["K1", "Q9"], ["Agree", "x"]], "xlsx", "paper"))
        assert state() == before
        problems = {(p.line, p.column): p.problem for p in caught.value.problems}
        assert problems[(1, "Q9")].startswith("not a question or demographic of this survey (its ids: K1, E1")
        assert "no team_code column" in problems[(1, "")]
