"""The page frame in a real browser: the NHS.UK stylesheet, scripts and icons load, axe finds nothing to fix, and
a keyboard user's first Tab reaches the skip link, which takes them to the main content.

The first page is the plans dashboard, or the sign-in page once the dashboard asks people to sign in first: either
way it is the page everyone sees first, and both are built on the same layout.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import Page, Response

from tests.browser.axe import assert_accessible

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
