"""The coordinator's analysis page in a real browser: axe-core finds no WCAG 2.2 A or AA violation in any of its
states (analysed with a paged heatmap, not analysed yet, not opened), and the heatmap's sort and page links work
from the keyboard."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from plans.models import Role, SurveyKind
from tests.analysis_page_world import CHANGES, FIGURES, RATE_CHANGES, RATES, analysed_plan, closed_survey, store
from tests.browser.axe import assert_accessible
from tests.conftest import SMALL_PLAN
from tests.support import create


def test_every_state_of_the_analysis_page(page: Page, live_server: str, sign_in: Callable[..., int]) -> None:
    world = analysed_plan()
    repeat = closed_survey(world.plan_id, SurveyKind.REPEAT, baseline_id=world.survey_id)
    store(repeat, FIGURES, changes=CHANGES, baseline_id=world.survey_id, rates=RATES, rate_changes=RATE_CHANGES)
    waiting, _ = create(SMALL_PLAN, slug="small-plan-waiting")
    closed_survey(waiting)
    sign_in("cora@small.example", Role.COORDINATOR)
    base = f"{live_server}/plans/{world.plan_id}/analysis"
    page.goto(base + "?per_page=2")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Baseline survey: analysis")
    expect(page.get_by_role("table", name="Team groups against the organisation")).to_be_visible()
    assert_accessible(page)
    # sort by mean difference, highest first, then go to the next page: links, reachable by keyboard
    page.get_by_role("link", name=re.compile(r"^Mean difference\s*: sort by this$")).focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(base + "?kind=baseline&breakdown=team&sort=difference&order=asc&page=1&per_page=2")
    page.get_by_role("link", name="Page 2").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#heatmap-status")).to_contain_text(f"Groups 3 to 4 of {len(FIGURES) - 3}")
    assert_accessible(page)
    page.goto(f"{base}?breakdown=ethnicity")
    assert_accessible(page)
    page.goto(f"{base}?kind=repeat")  # the repeat survey: changes against the baseline, and one not compared
    expect(page.get_by_text("Not compared: wording changed")).to_be_visible()
    assert_accessible(page)
    page.goto(f"{live_server}/plans/{waiting}/analysis")
    expect(page.get_by_text("has not been analysed yet")).to_be_visible()
    assert_accessible(page)
    page.goto(f"{live_server}/plans/{waiting}/analysis?kind=repeat")
    expect(page.get_by_text("has not opened yet")).to_be_visible()
    assert_accessible(page)
