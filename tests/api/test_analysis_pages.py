"""The coordinator's analysis page and its JSON twin: what they show of a stored analysis, the heatmap's
sorting and paging links, the states before there is an analysis, who may see them (coordinators and
admins only: the heatmap shows every team's answers), and that a hidden cell shows no number at all."""

from __future__ import annotations

import re
from html import unescape

import pytest
from fastapi.testclient import TestClient

from plans.domain.stages import Stage
from plans.models import Role
from tests.analysis_page_world import AnalysisWorld, analysed_plan, closed_survey
from tests.conftest import SMALL_PLAN, Database
from tests.support import create, walk_to
from tests.web import client, make_user, signed_in


@pytest.fixture
def world(db: Database) -> AnalysisWorld:
    return analysed_plan()


def _as(email: str, *roles: Role) -> TestClient:
    return signed_in(make_user(email, *roles))[0]


MINUS, DASH = "\u2212", "\u2013"  # as the page prints a negative difference and a missing one


def _text(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))).strip()


def _groups(html: str) -> list[str]:
    """The group of each heatmap row after the organisation's (its code, or its name with the code)."""
    table = html.split('class="nhsuk-table app-heatmap"', 1)[1].split("</table>", 1)[0]
    heads = [_text(h.split("<br>")[0]) for h in re.findall(r'<th[^>]*scope="row">(.*?)</th>', table, flags=re.S)]
    return heads[1:]


def _heat_rows(html: str) -> list[str]:
    """The text of each body row of the heatmap (the organisation's first)."""
    table = html.split('class="nhsuk-table app-heatmap"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody", 1)[1]
    return [_text(r) for r in re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S)]


class TestCoordinatorPage:
    def test_headlines_sections_hidden_groups_and_the_team_heatmap(self, world: AnalysisWorld) -> None:
        page = _as("cora@small.example", Role.COORDINATOR).get(f"/plans/{world.plan_id}/analysis")
        assert page.status_code == 200
        text = _text(page.text)
        assert "Baseline survey: analysis" in text and "60 people responded, 60% of the 100 staff who could." in text
        assert "K1 I know what coproduction means. Strongly agree: 36 · Agree: 0" in text
        assert "60 60% 47% to 71%" in text  # n, % positive, Wilson interval
        assert "What you know 1 60%" in text
        assert "team 5 3 1 1" in text and "ethnicity 2 2 0 0" in text
        rows = _heat_rows(page.text)
        assert rows[0] == "Whole organisation 60 0 60% 60 of 100 60% n 60 50% n 58 70% n 57"
        # response rates stay visible for hidden groups: who answered is published, what they answered is not
        # T1: 95% on K1, 35 points above: the band in a symbol and in words, never colour alone
        # teams are stored by code and shown with their names where the organisation has them
        assert rows[1].startswith("Team One (T1) 20 +11 80% 20 of 25 95% ▲▲ +35 points, well above n 20")
        assert f"7% ▼▼ {MINUS}43 points, well below n 14" in rows[2]
        # a hidden group: how many responded and its response rate, but no answer, not even how many answered
        assert rows[4] == f"T4 Hidden: fewer than 11 people answered 8 {DASH} 80% 8 of 10 Hidden Hidden Hidden"
        assert rows[5].startswith(f"T5 Hidden so that another hidden group cannot be worked out from it 5 {DASH}")
        assert 'class="app-heat app-heat--well_above"' in page.text and "How to read it" in text
        assert 'aria-sort="ascending"' in page.text  # sorted by name

    def test_hidden_cells_show_no_number(self, world: AnalysisWorld) -> None:
        c = _as("cora@small.example", Role.COORDINATOR)
        for query in ("", "?sort=n&order=desc", "?breakdown=team&per_page=1&page=4"):
            html = c.get(f"/plans/{world.plan_id}/analysis{query}").text
            cells = re.findall(r'<td class="app-heat app-heat--hidden">(.*?)</td>', html, flags=re.S)
            assert cells
            for cell in cells:
                assert _text(cell) == "Hidden", cell

    def test_sorting_and_paging_by_links(self, world: AnalysisWorld) -> None:
        c = _as("cora@small.example", Role.COORDINATOR)
        base = f"/plans/{world.plan_id}/analysis"
        page = c.get(f"{base}?sort=difference&order=desc&per_page=2&page=2")
        assert _groups(page.text) == ["Team Two (T2)", "T4"]
        assert "Groups 3 to 4 of 5, sorted by mean difference from the organisation (highest first)" in _text(page.text)
        links = set(re.findall(r'href="([^"]+)"', unescape(page.text)))
        keep = "kind=baseline&breakdown=team"
        assert f"{base}?{keep}&sort=difference&order=desc&page=1&per_page=2" in links  # previous, and page 1
        assert f"{base}?{keep}&sort=difference&order=desc&page=3&per_page=2" in links  # next
        assert f"{base}?{keep}&sort=difference&order=asc&page=1&per_page=2" in links  # the other way
        assert f"{base}?{keep}&sort=n&order=desc&page=1&per_page=2" in links  # most answered first
        assert f"{base}?kind=baseline&breakdown=ethnicity&sort=difference&order=desc&page=1&per_page=2#heatmap" in links
        assert f"{base}?kind=repeat" in links  # the other survey: from its defaults
        past = c.get(f"{base}?per_page=2&page=99")  # past the end: the last page
        assert _groups(past.text) == ["T5"]

    def test_other_breakdown_and_refusals(self, world: AnalysisWorld) -> None:
        c = _as("cora@small.example", Role.COORDINATOR)
        eth = c.get(f"/plans/{world.plan_id}/analysis?breakdown=ethnicity")
        assert _groups(eth.text) == ["Black and minority ethnic", "White"]
        bad = c.get(f"/plans/{world.plan_id}/analysis?breakdown=staff_group")
        assert bad.status_code == 422 and "has no breakdown" in bad.text
        assert c.get(f"/plans/{world.plan_id}/analysis?sort=colour").status_code == 422
        assert c.get(f"/plans/{world.plan_id}/analysis?kind=other").status_code == 422
        assert c.get("/plans/424242/analysis").status_code == 404

    def test_states_before_an_analysis(self, db: Database) -> None:
        plan_id, _ = create(SMALL_PLAN)
        c = _as("cora@small.example", Role.COORDINATOR)
        repeat = c.get(f"/plans/{plan_id}/analysis?kind=repeat")
        assert repeat.status_code == 200 and "The repeat survey of this plan has not opened yet" in repeat.text
        closed_survey(plan_id)
        waiting = c.get(f"/plans/{plan_id}/analysis")
        assert waiting.status_code == 200 and "has not been analysed yet" in waiting.text
        api = c.get(f"/api/v1/plans/{plan_id}/analysis").json()
        assert (api["state"], api["analysis"]) == ("not_analysed", None)

    def test_linked_from_the_plan_and_survey_pages(self, world: AnalysisWorld) -> None:
        c = _as("cora@small.example", Role.COORDINATOR)
        for path in (f"/plans/{world.plan_id}", f"/plans/{world.plan_id}/survey"):
            assert f'href="/plans/{world.plan_id}/analysis' in c.get(path).text, path


class TestAfterTheRealAnalysis:
    def test_a_plan_walked_through_both_surveys(self, db: Database) -> None:
        """The page over what the analysis flow's service stored for the small plan's surveys (tests.support
        answers them and runs the analysis as the lifecycle flow does when a survey closes)."""
        plan_id, people = create(SMALL_PLAN)
        walk_to(plan_id, people, Stage.CLOSED)
        c = _as("cora@small.example", Role.COORDINATOR)
        for kind in ("baseline", "repeat"):
            body = c.get(f"/api/v1/plans/{plan_id}/analysis?kind={kind}").json()
            a = body["analysis"]
            assert body["state"] == "analysed" and [h["question_id"] for h in a["headlines"]] == ["K1", "S1", "E1"]
            assert "organisation" not in a["breakdowns"] and a["heatmap"]["breakdown"] == "team"
            assert a["response_rate"]["eligible"] == 22
            for row in a["heatmap"]["rows"]:
                for cell in row["cells"]:
                    if cell["state"] == "suppressed":
                        assert {k for k, v in cell.items() if v is not None} <= {"question_id", "state", "reason"}
            page = c.get(f"/plans/{plan_id}/analysis?kind={kind}")
            assert page.status_code == 200
            for cell in re.findall(r'<td class="app-heat app-heat--hidden">(.*?)</td>', page.text, flags=re.S):
                assert _text(cell) == "Hidden", cell
        assert all(h["change"]["comparable"] for h in a["headlines"])  # the repeat, against the baseline
        directorates = c.get(f"/api/v1/plans/{plan_id}/analysis?breakdown=directorate").json()["analysis"]["heatmap"]
        assert [(r["group"], r["name"]) for r in directorates["rows"]] == [("D1", "Directorate One")]


class TestJson:
    def test_the_same_figures_with_hidden_ones_null(self, world: AnalysisWorld) -> None:
        c = _as("ada@admin.example", Role.ADMIN)
        body = c.get(f"/api/v1/plans/{world.plan_id}/analysis?breakdown=team&sort=n&order=desc&per_page=3").json()
        a = body["analysis"]
        assert body["state"] == "analysed" and a["breakdowns"] == ["team", "ethnicity"]
        heat = a["heatmap"]
        assert [r["group"] for r in heat["rows"]] == ["T1", "T2", "T3"]
        assert (heat["page"], heat["pages"], heat["groups"], heat["per_page"]) == (1, 2, 5, 3)
        page2 = c.get(f"/api/v1/plans/{world.plan_id}/analysis?breakdown=team&sort=n&order=desc&per_page=3&page=2")
        rows = page2.json()["analysis"]["heatmap"]["rows"]
        assert [r["group"] for r in rows] == ["T4", "T5"]
        for row in rows:
            assert row["suppressed"] and row["mean_difference"] is None
            for cell in row["cells"]:
                figures = {k: v for k, v in cell.items() if v is not None}
                assert set(figures) == {"question_id", "state", "reason"} and cell["state"] == "suppressed"
        bad = c.get(f"/api/v1/plans/{world.plan_id}/analysis?breakdown=nope")
        assert (bad.status_code, bad.json()["error"]) == (422, "invalid")


class TestAccess:
    def test_managers_approvers_and_the_panel_may_not(self, world: AnalysisWorld) -> None:
        for email, role in (
            ("dan@small.example", Role.MANAGER),
            ("ann@small.example", Role.APPROVER),
            ("pat@citizens.example", Role.CITIZEN_PANEL),
        ):
            c = _as(email, role)
            assert c.get(f"/plans/{world.plan_id}/analysis").status_code == 403
            assert c.get(f"/api/v1/plans/{world.plan_id}/analysis").status_code == 403

    def test_signed_out(self, world: AnalysisWorld) -> None:
        c = client()
        assert c.get(f"/plans/{world.plan_id}/analysis").headers["location"].startswith("/sign-in")
        assert c.get(f"/api/v1/plans/{world.plan_id}/analysis").status_code == 401
