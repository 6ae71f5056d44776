"""Staff list imports on both databases: headcounts follow the list, every kind of bad row is reported
with its line and column (CSV and XLSX alike), and a refused file writes nothing."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
import yaml
from sqlalchemy import func, insert, select

from plans.db import session_scope
from plans.domain.errors import InvalidInput, NotFound
from plans.domain.row_problems import KEEP, RowProblem, RowProblems
from plans.models import AuditEvent, Organisation, StaffMember, Survey, SurveyInvitation, SurveyKind, SurveyTeam, Team
from plans.repositories.staff import NOT_ON_LIST
from plans.services.staff_lists import import_staff_list, staff_overview
from tests.conftest import EXAMPLE, SMALL_PLAN, Database
from tests.support import create

NOW = datetime(2027, 2, 1, 9, 30, tzinfo=UTC)
HEADER = ["team_code", "email", "staff_group", "name", "status", "Job title"]
GOOD = [
    ["T1", "Ann.One@small.example", "Social care", "Ann One", "", "Social worker"],
    ["T1", "bob@small.example", "Social care", "", "yes", ""],
    ["T1", "cy@small.example", "Housing", "Cy", "leaver", ""],
    ["t2", "dee@small.example", "Housing", "", "Long-term absence", "Officer"],
    ["T2", "eve@small.example", "Other", "", "active", ""],
]


def write(tmp_path: Path, rows: Sequence[Sequence[object]], kind: str = "csv", name: str = "staff") -> Path:
    """A staff file of this kind with these rows (the first is the header)."""
    path = tmp_path / f"{name}.{kind}"
    if kind == "csv":
        with path.open("w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(rows)
    else:
        wb = openpyxl.Workbook()
        ws = wb.active
        assert ws is not None
        for row in rows:
            ws.append(list(row))
        wb.save(path)
    return path


def run(path: Path, organisation: str = "SMALL", **kw: object):  # type: ignore[no-untyped-def]
    with session_scope() as s:
        return import_staff_list(s, organisation_code=organisation, path=path, now=NOW, **kw)  # type: ignore[arg-type]


def headcounts(organisation: str = "SMALL") -> dict[str, int]:
    with session_scope() as s:
        stmt = select(Team.code, Team.eligible_headcount).join(Organisation).where(Organisation.code == organisation)
        return {code: n for code, n in s.execute(stmt)}


def count(model: type) -> int:
    with session_scope() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def refused(path: Path) -> RowProblems:
    """Import a bad file; check it wrote nothing and give back the report."""
    before = (count(StaffMember), count(AuditEvent), headcounts())
    with pytest.raises(RowProblems) as caught:
        run(path)
    assert (count(StaffMember), count(AuditEvent), headcounts()) == before, "a refused file wrote something"
    return caught.value


@pytest.fixture
def small(db: Database) -> int:
    plan_id, _ = create(SMALL_PLAN)
    return plan_id


class TestImport:
    def test_headcounts_follow_the_list(self, small: int, tmp_path: Path) -> None:
        assert headcounts() == {"D1": 0, "T1": 10, "T2": 12}
        summary = run(write(tmp_path, [HEADER, *GOOD]))
        assert (summary.rows, summary.eligible, summary.teams) == (5, 3, 2)
        assert summary.ineligible == {"leaver": 1, "long-term absence": 1}
        assert headcounts() == {"D1": 0, "T1": 2, "T2": 1}
        with session_scope() as s:
            ann = s.scalar(select(StaffMember).where(StaffMember.email == "ann.one@small.example"))
            assert ann is not None and ann.line == 2 and ann.eligible and ann.staff_group == "Social care"
            assert ann.attributes == {"job_title": "Social worker", "name": "Ann One"}
            dee = s.scalar(select(StaffMember).where(StaffMember.email == "dee@small.example"))
            assert dee is not None and not dee.eligible and dee.ineligible_reason == "long-term absence"
            event = s.scalar(select(AuditEvent).where(AuditEvent.kind == "staff_list_imported"))
            assert event is not None and event.data["rows"] == 5 and event.data["eligible"] == 3
        with pytest.raises(NotFound, match=r"no organisation with code 'NOPE'"):
            run(write(tmp_path, [HEADER, *GOOD]), organisation="NOPE")

    def test_a_new_list_replaces_the_old_one(self, small: int, tmp_path: Path) -> None:
        run(write(tmp_path, [HEADER, *GOOD]))
        run(write(tmp_path, [HEADER, ["T2", "zed@small.example", "Other", "", "", ""]], name="second"))
        assert headcounts() == {"D1": 0, "T1": 0, "T2": 1}
        assert count(StaffMember) == 1
        with session_scope() as s:
            teams, reasons = staff_overview(s, organisation_code="SMALL")
        assert [(t.code, t.eligible_headcount, t.listed_eligible, t.listed_ineligible) for t in teams] == [
            ("D1", 0, 0, 0),
            ("T1", 0, 0, 0),
            ("T2", 1, 1, 0),
        ]
        assert reasons == {}

    def test_xlsx_with_other_spellings_and_numbers(self, small: int, tmp_path: Path) -> None:
        rows = [
            ["Team", "E-mail address", "Group", "Eligible", "Grade", None],
            ["T1", "a@small.example", "Housing", "Y", 7, None],
            [None, None, None, None, None, None],
            ["T1", "b@small.example", "Housing", "FALSE", 7.0, None],
            ["T2", "c@small.example", "Housing", None, datetime(2027, 1, 4), None],
        ]
        summary = run(write(tmp_path, rows, "xlsx"))
        assert (summary.rows, summary.eligible) == (3, 2)
        assert headcounts() == {"D1": 0, "T1": 1, "T2": 1}
        with session_scope() as s:
            stored = {m.email: (m.line, m.attributes, m.ineligible_reason) for m in s.scalars(select(StaffMember))}
        assert stored == {
            "a@small.example": (2, {"grade": "7"}, None),
            "b@small.example": (4, {"grade": "7"}, "marked ineligible"),
            "c@small.example": (5, {"grade": "2027-01-04"}, None),
        }

        # a named sheet of a workbook whose first sheet is something else
        path = tmp_path / "book.xlsx"
        wb = openpyxl.Workbook()
        assert wb.active is not None
        wb.active.append(["notes"])
        ws = wb.create_sheet("Staff")
        for row in [HEADER, *GOOD]:
            ws.append(row)
        wb.save(path)
        assert run(path, sheet="Staff").rows == 5
        with pytest.raises(InvalidInput, match=r"no sheet named 'Nope'.*'Sheet', 'Staff'"):
            run(path, sheet="Nope")

    def test_invited_people_keep_their_rows_and_open_surveys_their_snapshot(self, small: int, tmp_path: Path) -> None:
        run(write(tmp_path, [HEADER, *GOOD]))
        with session_scope() as s:
            ann = s.scalar(select(StaffMember).where(StaffMember.email == "ann.one@small.example"))
            bob = s.scalar(select(StaffMember).where(StaffMember.email == "bob@small.example"))
            assert ann is not None and bob is not None
            ids = {"ann": ann.id, "bob": bob.id}
            survey = Survey(
                plan_id=small,
                kind=SurveyKind.BASELINE,
                title="s",
                questions=[],
                target_rate=0.5,
                opens_at=NOW,
                closes_at=NOW,
            )
            s.add(survey)
            s.flush()
            t1 = ann.team_id
            s.execute(insert(SurveyTeam), [{"survey_id": survey.id, "team_id": t1, "eligible": 2}])
            s.execute(
                insert(SurveyInvitation),
                [{"survey_id": survey.id, "staff_member_id": ids[p], "team_id": t1, "token_hash": p * 10} for p in ids],
            )
        # the new list drops Ann and moves Bob to T2
        second = [HEADER, ["T2", "BOB@small.example", "Housing", "", "", ""], ["T2", "new@small.example", "Other"]]
        second[2] += ["", "", ""]
        summary = run(write(tmp_path, second, name="second"))
        assert summary.kept_not_listed == 1 and summary.ineligible == {NOT_ON_LIST: 1}
        assert headcounts() == {"D1": 0, "T1": 0, "T2": 2}
        with session_scope() as s:
            members = {m.email: m for m in s.scalars(select(StaffMember))}
            assert set(members) == {"ann.one@small.example", "bob@small.example", "new@small.example"}
            assert members["ann.one@small.example"].id == ids["ann"]
            assert not members["ann.one@small.example"].eligible
            assert members["ann.one@small.example"].ineligible_reason == NOT_ON_LIST
            assert members["bob@small.example"].id == ids["bob"] and members["bob@small.example"].eligible
            assert members["bob@small.example"].staff_group == "Housing"
            assert s.scalar(select(SurveyTeam.eligible)) == 2  # the open survey's snapshot is untouched
            assert s.scalar(select(func.count()).select_from(SurveyInvitation)) == 2


def test_example_list_gives_the_declared_headcounts(db: Database) -> None:
    """examples/staff-list.csv belongs to the example plan: importing it changes no team's headcount."""
    create(EXAMPLE)
    declared = headcounts("EXC")
    summary = run(EXAMPLE.parent / "staff-list.csv", organisation="EXC")
    assert headcounts("EXC") == declared
    assert summary.eligible == sum(declared.values()) == 1199
    assert sum(summary.ineligible.values()) >= 10 and {"leaver", "long-term absence"} <= set(summary.ineligible)
    plan = yaml.safe_load(EXAMPLE.read_text())
    assert summary.teams == sum(1 for t in plan["teams"] if t.get("eligible_headcount"))


BAD = [
    HEADER,
    ["T1", "ok@small.example", "Housing", "", "", ""],  # 2: fine
    ["NOPE", "a@small.example", "Housing", "", "", ""],  # 3: unknown team
    ["T1", "not-an-email", "Housing", "", "", ""],  # 4: malformed email
    ["T1", "OK@small.example", "Housing", "", "", ""],  # 5: duplicate of line 2
    ["", "", "", "", "", ""],  # 6: blank, skipped
    ["T2", "b@small.example", "", "", "", ""],  # 7: missing staff group
    ["", "c@small.example", "Housing", "", "", ""],  # 8: missing team
    ["T2", "d@small.example", "Housing", "", "retired", ""],  # 9: unknown status
    ["T2", "e@small.example", "Housing", "", "", "", "stray"],  # 10: a value beyond the header
    ["T2", "f@small.example", "x" * 101, "", "", ""],  # 11: staff group too long
]
EXPECTED = [
    (3, "team_code", "no team with code 'NOPE' in SMALL"),
    (4, "email", "'not-an-email' is not an email address"),
    (5, "email", "ok@small.example is also on line 2"),
    (7, "staff_group", "missing"),
    (8, "team_code", "missing"),
    (9, "status", "'retired' is not a status we know"),
    (10, "", "1 value(s) to the right of the last named column"),
    (11, "staff_group", "longer than 100 characters"),
]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
class TestBadRows:
    def test_every_kind_of_bad_row_is_named(self, small: int, tmp_path: Path, kind: str) -> None:
        report = refused(write(tmp_path, BAD, kind))
        assert report.total == len(EXPECTED)
        found = [(p.line, p.column, p.problem) for p in report.problems]
        for (line, column, words), (f_line, f_column, f_problem) in zip(EXPECTED, found, strict=True):
            assert (f_line, f_column) == (line, column) and words in f_problem, found
        assert "line 9, column status: 'retired'" in report.message
        assert report.message.startswith(f"staff.{kind}: 8 problems, nothing was imported")

    def test_header_problems_and_a_list_without_rows(self, small: int, tmp_path: Path, kind: str) -> None:
        report = refused(
            write(tmp_path, [["Team", "Email", "Status", "eligible"], ["T1", "a@b.example", "", ""]], kind)
        )
        assert [p.line for p in report.problems] == [1, 1]
        assert "'Status' and 'eligible' both give the status" in report.message
        assert "no staff_group column" in report.message
        report = refused(write(tmp_path, [HEADER], kind, name="empty"))
        assert (report.problems[0].line, report.problems[0].column) == (2, "")
        assert "header but no staff" in report.problems[0].problem


def test_many_bad_rows_are_counted_not_all_listed(small: int, tmp_path: Path) -> None:
    rows = [HEADER, *[["NOPE", f"p{i}@small.example", "Housing", "", "", ""] for i in range(KEEP + 500)]]
    report = refused(write(tmp_path, rows))
    assert report.total == KEEP + 500 and len(report.problems) == KEEP
    assert report.problems[0] == RowProblem(2, "team_code", "no team with code 'NOPE' in SMALL")
    assert f"... and {KEEP + 500 - 50} more problem(s)" in report.message
    assert report.message.count("\n") < 60
