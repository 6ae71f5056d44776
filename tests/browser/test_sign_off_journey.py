"""The sign-off journey in a real browser, with the real lifecycle flow under a Prefect server: the
coordinator signs in and sees the example plan waiting at sign-off; an approver reads the whole version
(its reference, the register, the ledger) and requests changes; the plan goes back to recommendations;
the coordinator edits them (version 2), which waits until they send it with a deadline on the send page;
the approver, who sees version 2 with its new reference, approves; the dashboard shows the plan moved on
to delivery. axe-core checks every page on the way."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from plans.db import session_scope
from plans.domain.facts import Decision
from plans.domain.stages import Stage
from plans.models import Role, SignOffRound, utcnow
from plans.services.actors import actor_by_email
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


def _round_hash(plan_id: int, version: int) -> str:
    found = _round_hash_or_none(plan_id, version)
    assert found is not None
    return found


def _round_hash_or_none(plan_id: int, version: int) -> str | None:
    with session_scope() as s:
        return s.scalar(
            select(SignOffRound.content_hash).where(SignOffRound.plan_id == plan_id, SignOffRound.version == version)
        )


def _decide(page: Page, base: str, plan_id: int, version: int, choice: str, comment: str) -> None:
    """The approver opens the request from their inbox, reads the version (its number and reference),
    and decides."""
    page.goto(base + "/inbox")
    assert_accessible(page)
    page.get_by_role("link", name="Citizen voice workforce development plan").first.click()
    expect(page).to_have_url(f"{base}/inbox/sign-off/{plan_id}")
    expect(page.get_by_text(f"Version {version}", exact=True).first).to_be_visible()
    expect(page.locator("code").first).to_have_text(_round_hash(plan_id, version)[:12])
    for section in ("Recommendations", "Learning and development plan", "Expectations", "Investment"):
        expect(page.get_by_role("heading", name=section).first).to_be_visible()
    expect(page.locator('input[name="version"]')).to_have_value(str(version))
    expect(page.locator('input[name="content_hash"]')).to_have_value(_round_hash(plan_id, version))
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
    _decide(page, live_server, plan_id, 1, "Request changes", "Please tie the second recommendation to the skills gap.")
    _wait_for_stage(plan_id, Stage.RECOMMENDATIONS)
    _sign_out(page)

    # the coordinator edits the recommendations (version 2), which waits at recommendations until sent
    _sign_in_with_password(page, live_server, COORDINATOR)
    page.goto(f"{live_server}/plans/{plan_id}")
    assert_accessible(page)
    page.get_by_role("link", name="Recommendations", exact=True).click()
    assert_accessible(page)
    page.get_by_label("Title").nth(1).fill("Close the skills gap found in the survey")
    page.get_by_role("button", name="Save recommendations").click()
    expect(page.get_by_text("Recommendations saved")).to_be_visible()
    expect(page.get_by_text(re.compile("version 2 has not been sent for sign-off", re.I))).to_be_visible()
    assert_accessible(page)

    # the coordinator sends version 2 with a deadline: a day out of range is refused first
    page.get_by_role("link", name="Send for sign-off").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Send version 2 for sign-off")
    assert_accessible(page)
    deadline = utcnow().date() + timedelta(days=10)
    page.get_by_label("Decide by").fill(utcnow().date().isoformat())  # today: too soon
    page.get_by_role("button", name="Send version 2 for sign-off").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Decide by").fill(deadline.isoformat())
    page.get_by_role("button", name="Send version 2 for sign-off").click()
    expect(
        page.get_by_text(f"Version 2 sent for sign-off: approvers decide by the end of {deadline:%-d %B %Y}")
    ).to_be_visible()
    _wait_for_stage(plan_id, Stage.SIGN_OFF)
    _sign_out(page)

    # the approver approves version 2 in the browser; the other approvers approve too (quorum: all)
    _sign_in_with_password(page, live_server, APPROVER)
    deadline_wait = time.monotonic() + 60
    while _round_hash_or_none(plan_id, 2) is None:  # the woken run opens the round on version 2
        assert time.monotonic() < deadline_wait, "the round on version 2 was not opened"
        time.sleep(0.25)
    _decide(page, live_server, plan_id, 2, "Approve", "")
    with session_scope() as s:
        me = actor_by_email(s, APPROVER).person_id
    for actor in (a for a in people.approvers if a.person_id != me):
        people.decide(actor, 2, Decision.APPROVE)
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
