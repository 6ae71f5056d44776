"""Every page of the web app in a real browser, as the person it is for: axe-core reports no WCAG 2.2 A
or AA violation on any of them (error states included), and the main tasks work with the keyboard
alone: an approver's decision and a working party member's vision statement."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from plans.db import session_scope
from plans.domain.stages import Stage
from plans.models import Role
from plans.repositories.people import PeopleRepository
from tests.browser.axe import assert_accessible
from tests.conftest import SMALL_PLAN
from tests.support import create, walk_to


@pytest.fixture
def world() -> dict[str, int]:
    """Plan V in the vision stage and plan S waiting at sign-off (the small plan's people)."""
    vision, _ = create(SMALL_PLAN)
    signing, people = create(SMALL_PLAN, slug="small-plan-at-sign-off")
    walk_to(signing, people, Stage.SIGN_OFF)
    with session_scope() as s:
        org = PeopleRepository(s).organisation_by_code("SMALL")
        assert org is not None
        team = PeopleRepository(s).teams_by_code(org.id)["T1"].id
    return {"vision": vision, "signing": signing, "team": team}


def _visit(page: Page, url: str, heading: str | None = None) -> None:
    response = page.goto(url)
    assert response is not None and response.status < 500, url
    if heading:
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    assert_accessible(page)


class TestEveryPage:
    def test_signed_out_pages(self, page: Page, live_server: str) -> None:
        _visit(page, live_server + "/sign-in", "Sign in")
        page.get_by_role("button", name="Sign in", exact=True).click()  # empty form: the error summary
        expect(page.get_by_text("There is a problem")).to_be_visible()
        assert_accessible(page)
        _visit(page, live_server + "/accessibility", "Accessibility statement")
        _visit(page, live_server + "/sign-in/link/not-a-real-link", "Sign in with your link")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("That sign-in link is not right")).to_be_visible()
        assert_accessible(page)
        _visit(page, live_server + "/no-such-page", "Page not found")

    def test_coordinator_pages(
        self, page: Page, live_server: str, world: dict[str, int], sign_in: Callable[..., int]
    ) -> None:
        sign_in("cora@small.example", Role.COORDINATOR)
        _visit(page, live_server + "/plans", "Plans")
        _visit(page, live_server + "/plans?stage=sign_off", "Plans")
        _visit(page, f"{live_server}/plans/{world['signing']}")
        _visit(page, f"{live_server}/plans/{world['signing']}/recommendations", "Recommendations")
        _visit(page, f"{live_server}/plans/{world['signing']}/expectations", "Expectations register")
        page.get_by_label("How it will be measured").last.fill("Repeat survey")  # a row half filled: refused
        page.get_by_role("button", name="Save the register").click()
        expect(page.get_by_text("There is a problem")).to_be_visible()
        assert_accessible(page)
        _visit(page, f"{live_server}/plans/{world['signing']}/investment", "Investment ledger")
        page.get_by_label("Hours (staff time)").last.fill("seven")  # hours that are not a number: refused
        page.get_by_role("button", name="Save the ledger").click()
        expect(page.get_by_text("There is a problem")).to_be_visible()
        assert_accessible(page)
        _visit(page, f"{live_server}/plans/{world['signing']}/send-for-sign-off", "Send version 1 for sign-off")
        _visit(page, f"{live_server}/plans/{world['signing']}/learning-plan", "Learning and development plan")
        _visit(page, f"{live_server}/plans/{world['signing']}/learning-plan/aims", "Aims")
        _visit(page, f"{live_server}/plans/{world['signing']}/learning-plan/objective", "Add an objective")
        page.get_by_role("button", name="Save objective").click()  # nothing chosen: the error summary
        expect(page.get_by_text("There is a problem")).to_be_visible()
        assert_accessible(page)
        _visit(page, f"{live_server}/plans/{world['signing']}/traceability", "Traceability")
        _visit(page, f"{live_server}/plans/{world['signing']}/survey", "Baseline survey: response rates")
        _visit(page, f"{live_server}/plans/{world['signing']}/survey/paper", "Baseline survey: paper responses")
        _visit(page, f"{live_server}/plans/{world['signing']}/delivery", "Delivery and formative evaluation")
        _visit(page, f"{live_server}/plans/{world['signing']}/formative", "Formative reports")
        _visit(page, f"{live_server}/plans/{world['signing']}/evidence", "Evidence and progress")
        _visit(page, f"{live_server}/plans/{world['signing']}/staff", "Staff list")
        bad = b"team_code,email,staff_group\nT9,not-an-email,Other\n"  # a refused file: the problems listed
        page.locator("input[type=file]").set_input_files(
            files=[{"name": "staff.csv", "mimeType": "text/csv", "buffer": bad}]
        )
        page.get_by_role("button", name="Import staff list").click()
        expect(page.get_by_role("heading", name="Problems in the file")).to_be_visible()
        assert_accessible(page)
        _visit(page, f"{live_server}/plans/{world['signing']}/panel", "Citizen panel")
        _visit(page, f"{live_server}/plans/{world['vision']}/vision")
        _visit(page, f"{live_server}/plans/{world['signing']}/coproduction", "Co-production ladder")
        _visit(page, f"{live_server}/teams/{world['team']}")
        _visit(page, f"{live_server}/plans/{world['signing']}/override")  # a GET on a form's address: 405 page
        _visit(page, live_server + "/account", "Your account")
        page.get_by_label("Name of a new token").fill("Nightly HR import")
        page.get_by_role("button", name="Make a token").click()
        expect(page.get_by_text("Copy it now")).to_be_visible()
        assert_accessible(page)

    def test_workshop_pages(
        self, page: Page, live_server: str, world: dict[str, int], sign_in: Callable[..., int]
    ) -> None:
        """A workshop set up, an idea added and grouped into a theme, with each refusal's error summary."""
        sign_in("cora@small.example", Role.COORDINATOR)
        _visit(page, f"{live_server}/plans/{world['vision']}/workshops", "Workshops")
        page.get_by_role("button", name="Set up workshop").click()  # nothing typed: the error summary
        expect(page.get_by_text("There is a problem")).to_be_visible()
        assert_accessible(page)
        page.get_by_label("Name of the workshop").fill("Listening event")
        page.get_by_label("Day").fill("12")
        page.get_by_label("Month").fill("5")
        page.get_by_label("Year").fill("2027")
        page.get_by_label("How many tables?").fill("2")
        page.get_by_role("button", name="Set up workshop").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Listening event")
        assert_accessible(page)
        page.get_by_role("button", name="Add idea").click()  # nothing chosen: the error summary
        expect(page.get_by_text("There is a problem")).to_be_visible()
        assert_accessible(page)
        page.get_by_label("Table", exact=True).select_option(label="Table 1")
        page.get_by_label("Carer", exact=True).check()
        page.get_by_label("The idea, as written").fill("Meetings at times carers can come")
        page.get_by_role("button", name="Add idea").click()
        page.get_by_label("Meetings at times carers can come").check()
        page.get_by_label("Name a new theme for them").first.fill("Time to take part")
        page.get_by_role("button", name="Add the theme").first.click()  # the live page with a theme
        expect(page.get_by_text("Theme “Time to take part” added with 1 idea.")).to_be_visible()
        assert_accessible(page)
        workshop = page.url.split("#")[0].split("?")[0]
        _visit(page, f"{workshop}/vote", "The dot vote")
        _visit(page, f"{workshop}/import", "Import typed-up notes")
        bad = b"table,idea,contributor_type\nTabel 1,Buses at night,doctor\n"  # a refused file: the problems
        page.locator("input[type=file]").set_input_files(
            files=[{"name": "notes.csv", "mimeType": "text/csv", "buffer": bad}]
        )
        page.get_by_role("button", name="Import the notes").click()
        expect(page.get_by_role("heading", name="Problems in the file")).to_be_visible()
        assert_accessible(page)

    def test_approver_and_manager_pages(
        self, page: Page, live_server: str, world: dict[str, int], sign_in: Callable[..., int]
    ) -> None:
        sign_in("ann@small.example", Role.APPROVER)
        _visit(page, live_server + "/inbox")
        _visit(page, f"{live_server}/inbox/sign-off/{world['signing']}")
        page.get_by_role("button", name="Record my decision").click()  # no choice made: the error summary
        expect(page.get_by_text("There is a problem")).to_be_visible()
        assert_accessible(page)
        _visit(page, f"{live_server}/inbox/sign-off/{world['vision']}")  # hers, but not sent for sign-off yet
        _visit(page, f"{live_server}/inbox/sign-off/999", "Page not found")
        page.context.clear_cookies()
        sign_in("tess@small.example", Role.MANAGER)
        _visit(page, live_server + "/inbox")
        _visit(page, f"{live_server}/teams/{world['team']}")

    def test_working_party_and_panel_pages(
        self, page: Page, live_server: str, world: dict[str, int], sign_in: Callable[..., int]
    ) -> None:
        sign_in("cat@citizens.example")
        _visit(page, live_server + "/vision")
        _visit(page, f"{live_server}/plans/{world['vision']}/vision")
        page.get_by_role("button", name="Add statement").click()  # nothing typed: the error summary
        expect(page.get_by_text("There is a problem")).to_be_visible()
        assert_accessible(page)
        _visit(page, f"{live_server}/plans/{world['vision']}/traceability", "Traceability")
        _visit(page, f"{live_server}/plans/{world['vision']}/coproduction", "Co-production ladder")
        page.get_by_role("button", name="Record this stage").click()  # no rung, no note: the error summary
        expect(page.get_by_text("There is a problem")).to_be_visible()
        assert_accessible(page)
        page.get_by_label("Co-design").check()
        page.get_by_label("Why did it sit there?").fill("Citizens wrote half the statements and chaired it.")
        page.get_by_role("button", name="Record this stage").click()  # the ladder with a rung drawn
        expect(page.get_by_text("Recorded: Vision sat at Co-design")).to_be_visible()
        assert_accessible(page)
        page.context.clear_cookies()
        sign_in("pat@citizens.example", Role.CITIZEN_PANEL)
        _visit(page, live_server + "/panel")
        _visit(page, f"{live_server}/panel/plans/{world['signing']}")
        _visit(page, f"{live_server}/panel/plans/{world['signing']}/you-said-we-did", "You said, we did")


class TestKeyboardOnly:
    def test_an_approver_decides_with_the_keyboard(
        self, page: Page, live_server: str, world: dict[str, int], sign_in: Callable[..., int]
    ) -> None:
        sign_in("ann@small.example", Role.APPROVER)
        page.goto(f"{live_server}/inbox/sign-off/{world['signing']}")
        _tab_to(page, 'input[name="decision"][value="request_changes"]', via='input[name="decision"]')
        page.keyboard.press("Space")
        _tab_to(page, 'textarea[name="comment"]')
        page.keyboard.type("Please add a measure to the first recommendation.")
        _tab_to(page, 'button[type="submit"]', text="Record my decision")
        page.keyboard.press("Enter")
        expect(page).to_have_url(live_server + "/inbox")
        expect(page.get_by_text("Your decision is recorded")).to_be_visible()

    def test_a_citizen_adds_a_statement_with_the_keyboard(
        self, page: Page, live_server: str, world: dict[str, int], sign_in: Callable[..., int]
    ) -> None:
        sign_in("cat@citizens.example")
        page.goto(f"{live_server}/plans/{world['vision']}/vision")
        _tab_to(page, 'input[name="kind"][value="aspiration"]', via='input[name="kind"]')
        page.keyboard.press("Space")
        _tab_to(page, 'textarea[name="text"]')
        page.keyboard.type("Citizens are asked before services change, not after.")
        _tab_to(page, 'button[type="submit"]', text="Add statement")
        page.keyboard.press("Enter")
        expect(page.get_by_text("Citizens are asked before services change, not after.")).to_be_visible()


FOCUSED = "([s, t]) => document.activeElement.matches(s) && (!t || document.activeElement.textContent.includes(t))"


def _tab_to(page: Page, selector: str, via: str | None = None, text: str | None = None, limit: int = 200) -> None:
    """Press Tab until the focused element matches ``selector`` (and holds ``text``). For a radio group,
    Tab lands on the group (``via``) and the arrow keys choose within it, as a keyboard user would do."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED, [selector, text]):
            return
        if via and page.evaluate(FOCUSED, [via, None]):
            for _ in range(5):
                if page.evaluate(FOCUSED, [selector, text]):
                    return
                page.keyboard.press("ArrowDown")
    raise AssertionError(f"Tab never reached {selector}")
