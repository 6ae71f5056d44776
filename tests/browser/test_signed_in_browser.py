"""The coordinator's pages in a real browser, signed in: the dashboard and a plan's page pass axe (with the
override form open too), the header shows the person and marks where they are, and signing out works from the
keyboard alone and says so on the page it lands on."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
import yaml
from playwright.sync_api import Page

from plans.db import session_scope
from plans.files import parse_plan
from plans.models import Role, utcnow
from plans.services.actors import SYSTEM
from plans.services.plan_setup import create_plan
from tests.browser.axe import assert_accessible
from tests.conftest import SMALL_PLAN

TYPED = "<script>alert(1)</script> plan"


def _plan(title: str, slug: str) -> int:
    data = yaml.safe_load(SMALL_PLAN.read_text())
    data["plan"].update(title=title, slug=slug)
    with session_scope() as s:
        return create_plan(s, spec=parse_plan(data, "test"), actor=SYSTEM, now=utcnow()).id


@pytest.fixture
def coordinator(page: Page, live_server: str, sign_in: Callable[..., int]) -> list[int]:
    """Two plans (one titled with markup), and the page signed in as their coordinator; returns the plans' ids."""
    ids = [_plan("Small test plan", "small-plan"), _plan(TYPED, "typed-plan")]
    sign_in("cora@example.nhs.uk", Role.COORDINATOR, name="Cora Ordinator")
    return ids


class TestCoordinatorPages:
    def test_dashboard(self, page: Page, live_server: str, coordinator: list[int]) -> None:
        page.goto(live_server + "/plans")
        assert page.get_by_role("heading", level=1).inner_text() == "Plans"
        assert page.get_by_role("link", name=TYPED).get_attribute("href") == f"/plans/{coordinator[1]}"
        menu = page.get_by_role("navigation", name="Menu")
        assert menu.get_by_role("link", name="Plans").get_attribute("aria-current") == "page"
        assert "Cora Ordinator" in page.get_by_role("navigation", name="Account").inner_text()
        assert_accessible(page)

    def test_plan_page_with_the_override_form_open(self, page: Page, live_server: str, coordinator: list[int]) -> None:
        page.goto(f"{live_server}/plans/{coordinator[0]}")
        assert page.title() == "Small test plan \N{EN DASH} coproduce"
        assert_accessible(page)
        page.get_by_text("Move the plan on without waiting").click()
        assert page.get_by_label("Why should the plan move on without these?").is_visible()
        assert_accessible(page)


class TestSignOut:
    def test_from_the_keyboard(self, page: Page, live_server: str, coordinator: list[int]) -> None:
        page.goto(live_server + "/plans")
        for _ in range(10):  # skip link, then the header's links, until the sign-out button
            page.keyboard.press("Tab")
            if page.evaluate("() => document.activeElement.textContent.trim()") == "Sign out":
                break
        else:
            pytest.fail("Tab never reached the Sign out button")
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: urlsplit(url).path == "/sign-in")
        assert "You have signed out." in page.locator(".nhsuk-notification-banner").inner_text()
        assert page.get_by_role("link", name="Sign in").is_visible()
        assert_accessible(page)
        page.goto(live_server + "/plans")
        assert urlsplit(page.url).path == "/sign-in", "the session still worked after signing out"
