"""The import pages and their JSON twins on both databases: an organisation's staff list and a plan
survey's paper responses, uploaded as CSV or XLSX. A good file is imported with a summary; a bad one
re-renders the page with every problem by line and column (422 with the same problems as JSON) and
writes nothing; files too large or of the wrong kind are refused before the importers see them; the
form token is required and a manager is refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api import uploads
from plans.db import session_scope
from plans.models import AuditEvent, Organisation, Plan, StaffMember, SurveyResponse, Team
from plans.repositories.people import PeopleRepository
from tests.conftest import SMALL_PLAN, Database
from tests.db.test_paper_responses import HEADER as PAPER_HEADER
from tests.db.test_paper_responses import open_paper_survey
from tests.db.test_staff_lists import GOOD
from tests.db.test_staff_lists import HEADER as STAFF_HEADER
from tests.db.test_staff_lists import write as write_table
from tests.matrix_world import token_of, with_token
from tests.support import create
from tests.web import signed_in

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BAD_STAFF = [
    ["T9", "ann@small.example", "Social care", "", "", ""],  # line 2: no such team
    ["T1", "not-an-email", "Housing", "", "", ""],  # line 3
    ["T1", "ann@small.example", "", "", "", ""],  # line 4: the same email again, no staff group
    ["T2", "bob@small.example", "Other", "", "retired", ""],  # line 5: unknown status
]


def _person(email: str) -> int:
    with session_scope() as s:
        return PeopleRepository(s).people_by_email([email])[email].id


def _state() -> tuple[int, ...]:
    """Staff, audit events, paper responses and the headcounts: what a refused upload must leave alone."""
    with session_scope() as s:
        counts = [int(s.scalar(select(func.count()).select_from(m)) or 0) for m in (StaffMember, AuditEvent)]
        counts.append(int(s.scalar(select(func.count()).select_from(SurveyResponse)) or 0))
        heads = s.scalars(select(Team.eligible_headcount).order_by(Team.id)).all()
    return (*counts, *heads)


def _organisation(plan_id: int) -> int:
    with session_scope() as s:
        found = s.scalar(select(Plan.organisation_id).where(Plan.id == plan_id))
    assert found is not None
    return found


def _upload(path: Path, name: str | None = None) -> dict[str, tuple[str, bytes, str]]:
    kind = XLSX if path.suffix == ".xlsx" else "text/csv"
    return {"file": (name or path.name, path.read_bytes(), kind)}


def _cells(html: str) -> list[tuple[str, str, str]]:
    """(line, column, problem) of each row of the page's problems table."""
    table = html.split('id="problems"', 1)[1]
    rows = re.findall(r'<tr class="nhsuk-table__row" role="row">(.*?)</tr>', table, re.S)
    out = []
    for row in rows:
        cells = re.findall(r'aria-hidden="true">[^<]*</span>(.*?)</td>', row, re.S)
        if len(cells) == 3:
            out.append((cells[0].strip(), cells[1].strip(), cells[2].strip()))
    return out


@pytest.fixture
def coordinator(db: Database) -> tuple[TestClient, str, int]:
    """The small plan's coordinator, signed in: (client, form token, plan id)."""
    plan_id, _ = create(SMALL_PLAN)
    c, csrf = signed_in(_person("cora@small.example"))
    return c, csrf, plan_id


class TestStaffListPage:
    def test_import_a_list_then_see_it_per_team(self, coordinator: tuple[TestClient, str, int], tmp_path: Path) -> None:
        c, csrf, plan_id = coordinator
        org = _organisation(plan_id)
        to_page = c.get(f"/plans/{plan_id}/staff")
        assert to_page.status_code == 303 and to_page.headers["location"] == f"/organisations/{org}/staff"
        before = c.get(f"/organisations/{org}/staff")
        assert before.status_code == 200
        assert "Small Council (SMALL)" in before.text and "Never: the headcounts are the ones declared" in before.text
        assert 'enctype="multipart/form-data"' in before.text and "at most 64 MB" in before.text
        assert f'href="/plans/{plan_id}/staff"' in c.get(f"/plans/{plan_id}").text  # the plan page links to it

        done = c.post(
            f"/organisations/{org}/staff",
            data={"csrf_token": csrf},
            files=_upload(write_table(tmp_path, [STAFF_HEADER, *GOOD])),
        )
        assert done.status_code == 303, done.text
        page = c.get(done.headers["location"])
        flash = "Staff list imported from staff.csv: 5 staff, 3 eligible in 2 teams, 2 not eligible"
        assert flash in page.text and "(1 leaver, 1 long-term absence)" in page.text
        assert "by Cora Coordinator" in page.text and "from staff.csv" in page.text
        team_one = page.text.split("Team One", 1)[1].split("</tr>", 1)[0]  # headcount 2, 2 listed, 1 leaver
        assert re.findall(r"</span>([^<]*)</td>", team_one) == ["T1", "2", "2", "1: 1 leaver"]
        with session_scope() as s:
            assert s.scalar(select(func.count()).select_from(StaffMember)) == 5
        assert not list(Path(uploads.tempfile.gettempdir()).glob("coproduce-upload-*"))  # nothing kept

    def test_every_problem_listed_and_nothing_written(
        self, coordinator: tuple[TestClient, str, int], tmp_path: Path
    ) -> None:
        c, csrf, plan_id = coordinator
        org = _organisation(plan_id)
        before = _state()
        for kind in ("csv", "xlsx"):
            path = write_table(tmp_path, [STAFF_HEADER, *BAD_STAFF], kind)
            page = c.post(f"/organisations/{org}/staff", data={"csrf_token": csrf}, files=_upload(path))
            assert page.status_code == 422, kind
            assert "There is a problem" in page.text and f"staff.{kind}: 5 problems found" in page.text
            assert 'href="#problems"' in page.text and 'href="#file"' in page.text
            assert [(line, column) for line, column, _ in _cells(page.text)] == [
                ("2", "team_code"),
                ("3", "email"),
                ("4", "staff_group"),
                ("4", "email"),
                ("5", "status"),
            ], kind
            problems = " ".join(p for _, _, p in _cells(page.text))
            assert "no team with code &#39;T9&#39;" in problems and "also on line 2" in problems
        many = [STAFF_HEADER] + [["T9", f"p{i}@small.example", "Other", "", "", ""] for i in range(1200)]
        page = c.post(
            f"/organisations/{org}/staff", data={"csrf_token": csrf}, files=_upload(write_table(tmp_path, many))
        )
        assert page.status_code == 422 and "1,200 problems were found; the first 1,000 are listed" in page.text
        assert len(_cells(page.text)) == 1000
        assert _state() == before

    def test_wrong_kinds_and_sizes_are_refused_before_reading(
        self, coordinator: tuple[TestClient, str, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        c, csrf, plan_id = coordinator
        org = _organisation(plan_id)
        url = f"/organisations/{org}/staff"
        before = _state()
        good = write_table(tmp_path, [STAFF_HEADER, *GOOD])
        workbook = write_table(tmp_path, [STAFF_HEADER, *GOOD], "xlsx")
        for files, words in (
            (None, "choose a CSV (.csv) or Excel (.xlsx) file to upload"),
            ({"file": ("", b"", "application/octet-stream")}, "choose a CSV"),
            (_upload(good, "staff.pdf"), "staff.pdf: expected a CSV (.csv) or Excel (.xlsx) file, not a .pdf file"),
            (_upload(good, "../../etc/staff.xls"), "staff.xls: old Excel (.xls) files are not read"),
            (_upload(workbook, "staff.csv"), "staff.csv: this is an Excel workbook, not CSV text"),
            (_upload(good, "staff.xlsx"), "staff.xlsx: not a readable .xlsx workbook"),
            ({"file": ("staff.csv", b"", "text/csv")}, "staff.csv: the file is empty"),
        ):
            page = c.post(url, data={"csrf_token": csrf}, files=files)
            assert page.status_code == 422 and words in page.text, (words, page.text[-3000:])
        monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 2048)
        big = tmp_path / "big.csv"
        big.write_text(good.read_text() + "".join(f"T1,x{i}@small.example,Other,,,\n" for i in range(4000)))
        over = c.post(url, data={"csrf_token": csrf}, files=_upload(big))  # declared length over the cap
        assert over.status_code == 413 and "larger than the 2 KB an upload may be" in over.text
        streamed = c.post(  # no declared length: stopped as it streams in
            url, content=iter([b"x" * 40_000] * 3), headers={"content-type": "multipart/form-data; boundary=b"}
        )
        assert streamed.status_code == 413
        small_big = tmp_path / "medium.csv"  # under the body's cap, over the file's
        small_big.write_bytes(big.read_bytes()[:10_000])
        page = c.post(url, data={"csrf_token": csrf}, files=_upload(small_big))
        assert page.status_code == 422 and "medium.csv: larger than the 2 KB" in page.text
        assert _state() == before

    def test_form_token_required_and_managers_refused(
        self, coordinator: tuple[TestClient, str, int], tmp_path: Path
    ) -> None:
        c, _, plan_id = coordinator
        org = _organisation(plan_id)
        files = _upload(write_table(tmp_path, [STAFF_HEADER, *GOOD]))
        before = _state()
        assert c.post(f"/organisations/{org}/staff", files=files).status_code == 403
        assert c.post(f"/organisations/{org}/staff", data={"csrf_token": "x" * 40}, files=files).status_code == 403
        manager, manager_csrf = signed_in(_person("tess@small.example"))
        assert manager.get(f"/organisations/{org}/staff").status_code == 403
        assert manager.get(f"/plans/{plan_id}/survey/paper").status_code == 403
        refused = manager.post(f"/organisations/{org}/staff", data={"csrf_token": manager_csrf}, files=files)
        assert refused.status_code == 403
        api = with_token(manager.app, token_of("tess@small.example"))  # type: ignore[arg-type]
        assert api.post(f"/api/v1/organisations/{org}/staff", files=files).status_code == 403
        assert _state() == before
        assert c.get(f"/organisations/{org + 1000}/staff").status_code == 404


class TestPaperResponsesPage:
    def test_import_refuse_and_closed(self, db: Database, tmp_path: Path) -> None:
        ids = open_paper_survey()
        plan_id = ids["plan"]
        c, csrf = signed_in(_person("cora@small.example"))
        page = c.get(f"/plans/{plan_id}/survey/paper")
        assert page.status_code == 200
        assert "<code>M1</code>" in page.text and "separated by &#39;;&#39;" in page.text
        assert "Prefer not to say (required)" in page.text  # staff_group is required in this survey
        url = f"/plans/{plan_id}/survey/paper?kind=baseline"
        good = write_table(
            tmp_path,
            [
                PAPER_HEADER,
                ["T1", "agree", "Yes", "", "", "", "Housing", ""],
                ["t2", "", "", "", "", "Fine", "Other", ""],
            ],
            name="paper",
        )
        done = c.post(url, data={"csrf_token": csrf}, files=_upload(good))
        assert done.status_code == 303, done.text
        after = c.get(done.headers["location"])
        assert "2 paper responses imported from paper.csv into the baseline survey for 2 teams" in after.text
        assert "Imported so far" in after.text

        before = _state()
        bad = write_table(
            tmp_path,
            [PAPER_HEADER, ["T1", "Maybe", "", "", "", "", "Housing", ""], ["T9", "Agree", "", "", "", "", "", ""]],
            "xlsx",
            name="paper",
        )
        refused = c.post(url, data={"csrf_token": csrf}, files=_upload(bad))
        assert refused.status_code == 422 and "paper.xlsx: 3 problems found" in refused.text
        assert [(line, column) for line, column, _ in _cells(refused.text)] == [
            ("2", "K1"),
            ("3", "team_code"),
            ("3", "staff_group"),
        ]
        assert _state() == before
        repeat = c.get(f"/plans/{plan_id}/survey/paper?kind=repeat")
        assert repeat.status_code == 200 and "has not opened yet" in repeat.text and 'name="file"' not in repeat.text
        not_open = c.post(f"/plans/{plan_id}/survey/paper?kind=repeat", data={"csrf_token": csrf}, files=_upload(good))
        assert not_open.status_code == 409 and "no repeat survey yet" in not_open.text
        assert _state() == before


class TestJsonTwins:
    def test_staff_and_paper_imports_as_json(
        self, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        ids = open_paper_survey()
        org = _organisation(ids["plan"])
        api = with_token(signed_in(_person("cora@small.example"))[0].app, token_of("cora@small.example"))  # type: ignore[arg-type]
        staff = api.post(
            f"/api/v1/organisations/{org}/staff", files=_upload(write_table(tmp_path, [STAFF_HEADER, *GOOD]))
        )
        assert staff.status_code == 200, staff.text
        assert staff.json() == {
            "organisation": "SMALL",
            "source": "staff.csv",
            "rows": 5,
            "eligible": 3,
            "ineligible": {"leaver": 1, "long-term absence": 1},
            "teams": 2,
            "kept_not_listed": 0,
        }
        listed = api.get(f"/api/v1/organisations/{org}/staff").json()
        assert listed["eligible"] == 3 and listed["last_import"]["source"] == "staff.csv"
        assert {t["code"]: t["headcount"] for t in listed["teams"]} == {"D1": 0, "T1": 2, "T2": 1}

        before = _state()
        bad = api.post(
            f"/api/v1/organisations/{org}/staff", files=_upload(write_table(tmp_path, [STAFF_HEADER, *BAD_STAFF]))
        )
        assert bad.status_code == 422
        body = bad.json()
        assert body["error"] == "invalid" and body["total"] == 5 and "nothing was imported" in body["detail"]
        assert [(p["line"], p["column"]) for p in body["problems"]][:2] == [(2, "team_code"), (3, "email")]
        wrong = api.post(
            f"/api/v1/organisations/{org}/staff", files={"file": ("staff.pdf", b"%PDF", "application/pdf")}
        )
        assert (
            wrong.status_code == 422 and wrong.json()["problems"] == [] and "not a .pdf file" in wrong.json()["detail"]
        )
        assert _state() == before
        paper = write_table(tmp_path, [PAPER_HEADER, ["T1", "Agree", "", "", "", "", "Housing", ""]], name="paper")
        added = api.post(f"/api/v1/plans/{ids['plan']}/survey/paper", files=_upload(paper))
        assert added.status_code == 200 and added.json()["responses"] == 1 and added.json()["by_team"] == {"T1": 1}
        before = _state()
        broken = write_table(tmp_path, [PAPER_HEADER, ["T1", "Nope", "", "", "", "", "", ""]], name="paper")
        refused = api.post(f"/api/v1/plans/{ids['plan']}/survey/paper?kind=baseline", files=_upload(broken))
        assert refused.status_code == 422
        assert [(p["line"], p["column"]) for p in refused.json()["problems"]] == [(2, "K1"), (2, "staff_group")]
        monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 1024)
        huge = api.post(
            f"/api/v1/plans/{ids['plan']}/survey/paper", files={"file": ("p.csv", b"x" * 100_000, "text/csv")}
        )
        assert huge.status_code == 413 and "1 KB" in huge.json()["detail"]
        assert _state() == before
        with session_scope() as s:
            assert s.scalar(select(Organisation.code).where(Organisation.id == org)) == "SMALL"
