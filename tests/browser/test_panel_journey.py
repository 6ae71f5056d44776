"""The citizen panel's review in a real browser: a panel member reads the summative report and challenges
it; the coordinator finds the challenge on the panel page and answers it; the member sees the answer in
"you said, we did"; and the plan, held at its summative gate until then, moves on and closes. axe-core
checks every page on the way."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from flows.demo_people import People
from plans.db import session_scope
from plans.domain.facts import Judgement
from plans.domain.stages import Stage
from plans.models import Role, SurveyKind, Verdict, utcnow
from plans.repositories.evaluation import EvaluationRepository
from plans.services import evaluation, lifecycle
from plans.services.actors import actor_by_email
from tests.browser.axe import assert_accessible
from tests.conftest import SMALL_PLAN, Database
from tests.support import create, push, stage_of, walk_to

CORA, PAT, PIA = "cora@small.example", "pat@citizens.example", "pia@citizens.example"
SAID = "The report says every team took part, but night staff never had a session."
ANSWER = "You said night staff missed out; we ran two night sessions and added them to the report."


def summative_written() -> tuple[int, People]:
    """A plan in its summative evaluation with every expectation judged and the report written (so it is
    published to the panel), waiting for the panel's review."""
    plan_id, people = create(SMALL_PLAN)
    walk_to(plan_id, people, Stage.SUMMATIVE_EVALUATION)
    with session_scope() as s:
        cora = actor_by_email(s, CORA)
        for e in EvaluationRepository(s).expectations(plan_id):
            evaluation.judge_expectation(
                s,
                plan_id=plan_id,
                actor=cora,
                expectation_id=e.id,
                judgement=Judgement.MET,
                evidence="Checkpoints.",
                now=utcnow(),
            )
        evaluation.write_summative_report(
            s,
            plan_id=plan_id,
            actor=cora,
            did="Induction for all staff; twelve workshops.",
            learned="Co-delivery works; protected time is the constraint.",
            pleased="Citizens co-delivered every workshop.",
            different="Start the reporting-back earlier.",
            now=utcnow(),
        )
    with session_scope() as s:
        evaluation.review(
            s,
            plan_id=plan_id,
            actor=actor_by_email(s, PIA),
            output="summative",
            verdict=Verdict.ENDORSE,
            text="",
            now=utcnow(),
        )
    return plan_id, people


def test_a_challenge_answered_lets_the_plan_close(
    page: Page, live_server: str, db: Database, sign_in: Callable[..., int]
) -> None:
    plan_id, people = summative_written()
    sign_in(PAT, Role.CITIZEN_PANEL)
    page.goto(live_server + "/panel")
    assert_accessible(page)
    page.get_by_role("link", name="Summative report").click()
    expect(page.get_by_text("Citizens co-delivered every workshop.")).to_be_visible()
    assert_accessible(page)
    form = page.locator("form.app-review-form").filter(has_text="Your review of the summative report")
    form.get_by_label("I challenge it").check()
    form.get_by_label("Your words").fill(SAID)
    form.get_by_role("button", name="Send your review").click()
    expect(page.get_by_text("Your challenge to the summative report is recorded.")).to_be_visible()
    assert_accessible(page)
    with session_scope() as s:
        held = lifecycle.step(s, plan_id=plan_id, now=utcnow())
    assert not held.moved and "Pat Panel on the summative report" in " ".join(held.reasons)

    page.context.clear_cookies()
    sign_in(CORA, Role.COORDINATOR)
    page.goto(f"{live_server}/plans/{plan_id}/panel")
    expect(page.get_by_text("1 challenge(s) await your written answer")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Your answer to Pat Panel: Summative report").fill(ANSWER)
    page.locator(".app-awaiting").filter(has_text=SAID).get_by_role("button", name="Send the answer").click()
    expect(page.get_by_text("Your answer to the challenge on the summative report is recorded")).to_be_visible()
    assert_accessible(page)

    page.context.clear_cookies()
    sign_in(PAT, Role.CITIZEN_PANEL)
    page.goto(f"{live_server}/panel/plans/{plan_id}")
    page.get_by_role("link", name="You said, we did").click()
    expect(page.get_by_text(ANSWER)).to_be_visible()
    expect(page.get_by_text(SAID)).to_be_visible()
    assert_accessible(page)

    push(plan_id)
    assert stage_of(plan_id) is Stage.REPEAT_SURVEY
    people.answer_survey(SurveyKind.REPEAT, rate=0.8, lift=0.2)
    push(plan_id)
    assert stage_of(plan_id) is Stage.REPEAT_SURVEY  # the comparison is published; the panel has its say first
    page.goto(f"{live_server}/panel/plans/{plan_id}")
    form = page.locator("form.app-review-form").filter(has_text="Your review of the repeat survey comparison")
    form.get_by_label("I endorse it").check()
    form.get_by_role("button", name="Send your review").click()
    expect(page.get_by_text("Thank you. You endorsed the repeat survey comparison.")).to_be_visible()
    people.review_repeat()  # the other member endorses it too
    push(plan_id)
    assert stage_of(plan_id) is Stage.CLOSED

    # the member reads the final report and downloads its PDF: pages with words on them, and the charts drawn
    page.goto(f"{live_server}/panel/plans/{plan_id}/report")
    expect(page.get_by_role("heading", name="You said, we did")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the PDF").click()
    pdf = PdfReader(download.value.path())
    texts = [p.extract_text() for p in pdf.pages]
    assert len(texts) >= 3 and all(len(t.strip()) > 40 for t in texts)  # no empty page
    assert SAID in " ".join(texts).replace("\n", " ")
    streams = b" ".join(p.get_contents().get_data() for p in pdf.pages)
    assert b"0 0.498039 0.231373 rg" in streams  # the charts' green bars
