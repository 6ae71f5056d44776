"""The traceability page in a real browser: a member of the working party follows a citizen's sticky note
from its workshop theme, through the recommendation citing the theme, to the objective it became, and
from there back to that objective's evidence; axe-core finds nothing to fix on the way."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from plans.db import session_scope
from plans.models import utcnow
from plans.services import learning_plan
from tests.browser.axe import assert_accessible
from tests.conftest import Database
from tests.learning_world import CITIZEN_IDEA, add_workshop, at_recommendations, document, two_recommendations

OBJECTIVE = "Every team reports back to citizens what changed"


def test_an_idea_is_followed_to_its_objective_and_back(
    db: Database, page: Page, live_server: str, sign_in: Callable[..., int]
) -> None:
    plan_id, people = at_recommendations()
    theme = add_workshop(plan_id).themes["Show what was done"]
    rec_ids = two_recommendations(plan_id, people, theme)
    with session_scope() as s:
        owner = learning_plan.learning_plan(s, plan_id=plan_id).people[0].id
        learning_plan.save_learning_plan(
            s, plan_id=plan_id, actor=people.coordinator, document=document(rec_ids, owner), now=utcnow()
        )
    sign_in("cat@citizens.example")  # a citizen of the working party
    page.goto(f"{live_server}/plans/{plan_id}/traceability")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Traceability")
    assert_accessible(page)

    # forwards: the idea sits in its theme's card, with the recommendation and the objective it became
    card = page.locator(".app-trail").filter(has_text=CITIZEN_IDEA).first
    expect(card.get_by_role("heading", name="Theme: Show what was done")).to_be_visible()
    expect(card.get_by_text("Became an objective")).to_be_visible()
    expect(card.get_by_text("1. Close the loop")).to_be_visible()
    card.get_by_role("link", name=OBJECTIVE).click()

    # backwards: the objective, the recommendation it delivers and that recommendation's evidence
    objective = page.locator(".app-trail").filter(has=page.get_by_role("heading", name=f"Objective: {OBJECTIVE}"))
    expect(page).to_have_url(re.compile(rf"/plans/{plan_id}/traceability#objective-\d+$"))
    expect(objective.get_by_role("heading", name="Recommendation 1: Close the loop")).to_be_visible()
    expect(objective.get_by_role("link", name="Show what was done")).to_be_visible()
    expect(objective.get_by_text(CITIZEN_IDEA)).to_be_visible()
    expect(objective.get_by_text("Survey finding:")).to_be_visible()
    expect(objective.get_by_text("Reporting back workshop")).to_be_visible()
