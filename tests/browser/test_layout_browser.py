"""The page frame in a real browser: the NHS.UK stylesheet, scripts and icons load, axe finds nothing to fix, and
a keyboard user's first Tab reaches the skip link, which takes them to the main content.

The first page is the plans dashboard, or the sign-in page once the dashboard asks people to sign in first: either
way it is the page everyone sees first, and both are built on the same layout. Last, the survey page staff answer
on (no sign-in): the form, the form with its problems listed, and the thank-you, each passing axe.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import Page, Response

from tests.browser.axe import assert_accessible
from tests.intake_world import invitation_tokens, open_with_staff

NHS_BLUE = "rgb(0, 94, 184)"


def open_first_page(page: Page, live_server: str) -> None:
    """Go to /, following a redirect to /sign-in, and check the page arrived."""
    response = page.goto(live_server + "/")
    assert response is not None and response.ok, f"{page.url} answered {response and response.status}"
    assert urlsplit(page.url).path in ("/", "/sign-in"), f"/ led to {page.url}"


class TestFirstPage:
    def test_axe_finds_no_accessibility_problem(self, page: Page, live_server: str) -> None:
        open_first_page(page, live_server)
        assert_accessible(page)

    def test_design_system_files_load(self, page: Page, live_server: str) -> None:
        failed: list[str] = []

        def record(response: Response) -> None:
            if response.url.startswith(live_server) and response.status >= 400:
                failed.append(f"{response.status} {response.url}")

        page.on("response", record)
        open_first_page(page, live_server)
        page.wait_for_load_state("networkidle")
        assert failed == []
        header = page.locator("header.nhsuk-header")
        assert header.evaluate("el => getComputedStyle(el).backgroundColor") == NHS_BLUE
        assert page.locator("html").get_attribute("lang") == "en-GB"
        assert page.title().endswith("coproduce")
        for asset in ("/assets/images/favicon.ico", "/assets/images/favicon.svg", "/assets/manifest.json"):
            assert page.request.get(live_server + asset).ok, asset

    def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_the_content(self, page: Page, live_server: str) -> None:
        open_first_page(page, live_server)
        page.keyboard.press("Tab")
        focused = page.evaluate("() => [document.activeElement.className, document.activeElement.textContent.trim()]")
        assert focused == ["nhsuk-skip-link", "Skip to main content"]
        page.keyboard.press("Enter")
        # nhsuk-frontend's script moves focus itself; this fails too when the page's JavaScript did not start
        page.wait_for_function("() => document.activeElement?.id === 'maincontent'", timeout=5_000)


class TestSurveyPage:
    """The page staff answer the survey on: the form, the form with its problems listed, and the thank-you."""

    def test_answering_with_and_without_problems_passes_axe(self, page: Page, live_server: str) -> None:
        _, survey_id = open_with_staff()
        url = f"{live_server}/s/{invitation_tokens(survey_id)[0]}"
        response = page.goto(url)
        assert response is not None and response.ok
        assert_accessible(page)
        page.get_by_role("button", name="Send my answers").click()
        page.wait_for_selector(".nhsuk-error-summary")
        assert page.locator(".nhsuk-error-summary a").first.get_attribute("href") == "#answers-K1"
        assert_accessible(page)
        page.get_by_role("group", name="I know what coproduction means.").get_by_label("Agree", exact=True).check()
        page.get_by_role("group", name="Your staff group").get_by_label("Prefer not to say").check()
        page.get_by_role("button", name="Send my answers").click()
        page.wait_for_selector("text=Thank you for your answers")
        assert_accessible(page)
