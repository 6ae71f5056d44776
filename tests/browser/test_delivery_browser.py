"""The delivery pages in a real browser, as the people they are for: an evidence owner's requests and their
evidence page, the coordinator's delivery page and the formative reports. axe-core reports no WCAG 2.2 A or
AA violation on any of them, error states included; the owner gives a reaction score and the coordinator
records a checkpoint, each through the form as a person would."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from plans.db import session_scope
from plans.models import Role
from plans.services import evidence_requests
from tests.browser.axe import assert_accessible
from tests.delivery_world import ASKING, in_delivery


def _visit(page: Page, url: str, heading: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status < 400, url
    expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    assert_accessible(page)


def test_an_owner_gives_evidence_and_the_coordinator_records_the_checkpoint(
    page: Page, live_server: str, sign_in: Callable[..., int]
) -> None:
    w = in_delivery()
    with session_scope() as s:
        evidence_requests.ask_due(s, plan_id=w.plan_id, now=ASKING)
    sign_in("tess@small.example", Role.MANAGER)
    _visit(page, live_server + "/evidence", "Your evidence requests")
    _visit(page, f"{live_server}/plans/{w.plan_id}/evidence", "Evidence and progress")
    page.get_by_role("button", name="Give this evidence").click()  # nothing chosen: the error summary
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Reaction (level 1)").check()
    page.get_by_label("What the evidence is").fill("Feedback forms after the first workshop")
    page.get_by_label("Figure (optional)").fill("4.4")
    page.get_by_label("Unit").fill("out of 5")
    page.get_by_label("People it covers").fill("18")
    page.get_by_role("button", name="Give this evidence").click()
    thanks = "Thank you. Your reaction (level 1) evidence for checkpoint 1 is recorded."
    expect(page.get_by_text(thanks)).to_be_visible()
    expect(page.get_by_role("cell", name="4.4 out of 5")).to_be_visible()  # the same page as checked above
    page.context.clear_cookies()
    sign_in("cora@small.example", Role.COORDINATOR)
    _visit(page, f"{live_server}/plans/{w.plan_id}/delivery", "Delivery and formative evaluation")
    page.get_by_label("What we did").fill("Ran two reporting-back workshops.")
    page.get_by_role("button", name="Record checkpoint 1").click()  # learned and change missing
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("What we learned").fill("Citizens co-delivering made managers listen.")
    page.get_by_label("What we will change").fill("Hold the next ones in team meetings.")
    page.get_by_role("button", name="Record checkpoint 1").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Formative reports")
    expect(page.get_by_text("Citizens co-delivering made managers listen.")).to_be_visible()
    assert_accessible(page)
