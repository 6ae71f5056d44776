"""The sign-off journey in a real browser, with the real lifecycle flow under a Prefect server: the
coordinator signs in and sees the example plan waiting at sign-off; an approver requests changes; the
plan goes back to recommendations; the coordinator edits them (version 2); the approver approves; the
dashboard shows the plan moved on to delivery. axe-core checks every page on the way."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from plans.db import session_scope
from plans.domain.facts import Decision
from plans.domain.stages import Stage
from plans.models import Role, utcnow
from plans.services.actors import actor_by_email
from plans.services.recommendations import decide
from tests.browser.axe import assert_accessible
from tests.conftest import EXAMPLE
from tests.prefect_stack import prefect_api, served  # noqa: F401 (fixtures)
from tests.support import create, stage_of, walk_to
from tests.web import PASSWORD, make_user

COORDINATOR = "hamza.khan@example-council.gov.uk"
APPROVER = "aisha.baker@example-council.gov.uk"


def _wait_for_stage(plan_id: int, stage: Stage, timeout: float = 90) -> None:
    """The lifecycle flow moves the plan in its own run; wait for the move to be committed."""
    deadline = time.monotonic() + timeout
    while stage_of(plan_id) is not stage:
        assert time.monotonic() < deadline, f"plan {plan_id} did not reach {stage.value} (it is in {stage_of(plan_id)})"
        time.sleep(0.25)


def _sign_in_with_password(page: Page, base: str, email: str) -> None:
    page.goto(base + "/sign-in")
    assert_accessible(page)
    page.get_by_label("Email address").first.fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()


def _decide(page: Page, base: str, plan_id: int, choice: str, comment: str) -> None:
    page.goto(base + "/inbox")
    assert_accessible(page)
    page.get_by_role("link", name="Citizen voice workforce development plan").first.click()
    expect(page).to_have_url(f"{base}/inbox/sign-off/{plan_id}")
    assert_accessible(page)
    page.get_by_label(choice, exact=True).check()
    if comment:
        page.get_by_label("Comment").fill(comment)
    page.get_by_role("button", name="Record my decision").click()
    expect(page).to_have_url(base + "/inbox")
    assert_accessible(page)


@pytest.mark.prefect
def test_request_changes_edit_and_approve(
    prefect_api: str,  # noqa: F811 (first, so the live server's thread sees the Prefect API)
    page: Page,
    live_server: str,
    request: pytest.FixtureRequest,
) -> None:
    plan_id, people = create(EXAMPLE)
    walk_to(plan_id, people, Stage.SIGN_OFF)
    request.getfixturevalue("served")  # from here on, decisions wake the real lifecycle flow
    make_user(COORDINATOR, Role.COORDINATOR)
    make_user(APPROVER, Role.APPROVER)

    # the coordinator sees the plan waiting at sign-off, and why
    _sign_in_with_password(page, live_server, COORDINATOR)
    expect(page).to_have_url(live_server + "/plans")
    row = page.get_by_role("row").filter(has_text="Citizen voice workforce development plan")
    expect(row).to_contain_text("Sign-off")
    expect(row).to_contain_text("Aisha Baker")
    assert_accessible(page)
    _sign_out(page)

    # an approver requests changes: a comment is required, and the plan goes back to recommendations
    _sign_in_with_password(page, live_server, APPROVER)
    _decide(page, live_server, plan_id, "Request changes", "Please tie the second recommendation to the skills gap.")
    _wait_for_stage(plan_id, Stage.RECOMMENDATIONS)
    _sign_out(page)

    # the coordinator edits the recommendations: version 2 goes to sign-off
    _sign_in_with_password(page, live_server, COORDINATOR)
    page.goto(f"{live_server}/plans/{plan_id}")
    assert_accessible(page)
    page.get_by_role("link", name="Recommendations").click()
    assert_accessible(page)
    page.get_by_label("Title").nth(1).fill("Close the skills gap found in the survey")
    page.get_by_role("button", name="Save recommendations").click()
    expect(page.get_by_text("Recommendations saved")).to_be_visible()
    assert_accessible(page)
    _wait_for_stage(plan_id, Stage.SIGN_OFF)
    _sign_out(page)

    # the approver approves version 2 in the browser; the other approvers approve too (quorum: all)
    _sign_in_with_password(page, live_server, APPROVER)
    _decide(page, live_server, plan_id, "Approve", "")
    with session_scope() as s:
        me = actor_by_email(s, APPROVER).person_id
        for actor in (a for a in people.approvers if a.person_id != me):
            decide(s, plan_id=plan_id, actor=actor, version=2, decision=Decision.APPROVE, comment="", now=utcnow())
    _wait_for_stage(plan_id, Stage.DELIVERY)
    _sign_out(page)

    # the dashboard shows the plan moved on
    _sign_in_with_password(page, live_server, COORDINATOR)
    row = page.get_by_role("row").filter(has_text="Citizen voice workforce development plan")
    expect(row).to_contain_text("Delivery")
    assert_accessible(page)

    # the plan's page lists its lifecycle runs from Prefect
    page.goto(f"{live_server}/plans/{plan_id}")
    runs = page.get_by_role("table", name="The plan's latest lifecycle runs, newest first")
    expect(runs).to_contain_text("Completed")
    assert_accessible(page)
