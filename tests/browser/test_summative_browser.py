"""The summative evaluation in a real browser, as the coordinator: the page, its refusals (a judgement
with nothing chosen; a benefit with a money value and no isolation method) and the final report's page
pass axe-core's WCAG 2.2 A and AA checks, and a judgement is recorded with the keyboard alone."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from plans.models import Role
from tests.browser.axe import assert_accessible
from tests.summative_world import at_summative


def test_the_coordinator_judges_and_reads_the_report(page: Page, live_server: str, sign_in: Callable[..., int]) -> None:
    world = at_summative()
    sign_in("cora@small.example", Role.COORDINATOR)
    page.goto(f"{live_server}/plans/{world.plan_id}/summative")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Summative evaluation")
    assert_accessible(page)

    card = page.locator(f"#expectation-{world.expectations[0]}")
    card.get_by_role("button", name="Record the judgement").click()  # nothing chosen: the error summary
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Money value, in pounds").first.fill("3,000")
    page.get_by_label("What the benefit is").first.fill("Fewer complaints handled")
    page.get_by_label("How the value was worked out").first.fill("30 complaints x £100")
    page.get_by_role("button", name="Save the benefits").click()
    expect(
        page.get_by_role("link", name="Benefit 1: a benefit with a money value needs an isolation method")
    ).to_be_visible()
    assert_accessible(page)

    card = page.locator(f"#expectation-{world.expectations[0]}")
    card.get_by_label("Met", exact=True).focus()
    page.keyboard.press("Space")
    card.get_by_label("What the evidence shows").focus()
    page.keyboard.type("Rated 4.2 out of 5 by 38 people.")
    card.get_by_role("button", name="Record the judgement").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Judged Met: Staff rate the learning as useful")).to_be_visible()

    page.goto(f"{live_server}/plans/{world.plan_id}/report")
    expect(page.get_by_role("heading", level=1)).to_contain_text("final report")
    expect(page.get_by_role("img", name="Investment against return")).to_be_visible()
    assert_accessible(page)
