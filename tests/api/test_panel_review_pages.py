"""The citizen panel's review through the pages and the JSON API: a member reads a published output and
endorses, comments on or challenges it (once); the coordinator's page lists the challenges with an answer
form; the member then sees the answer in "you said, we did"; and a plan whose repeat comparison is
challenged cannot close until the challenge is answered."""

from __future__ import annotations

import re

from sqlalchemy import select

from flows.demo_people import People
from plans.db import session_scope
from plans.domain.stages import Stage
from plans.models import OutboxMessage, SurveyKind, utcnow
from plans.repositories.surveys import SurveyRepository
from plans.services import analysis, lifecycle
from plans.services.panel_reviews import raised_key
from tests.api.test_panel_pages import PIA, in_delivery_with_first_checkpoint
from tests.api.test_vision_pages import CORA, PAT, sign_in
from tests.conftest import SMALL_PLAN, Database
from tests.support import create, walk_to

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def form_token(page: str) -> str:
    found = CSRF.search(page)
    assert found is not None
    return found.group(1)


def repeat_compared() -> tuple[int, People]:
    """A plan in its repeat survey stage whose repeat survey has closed and been compared with the
    baseline (so the comparison is published to the panel), before the lifecycle closes the plan."""
    plan_id, people = create(SMALL_PLAN)
    walk_to(plan_id, people, Stage.REPEAT_SURVEY)
    people.answer_survey(SurveyKind.REPEAT, rate=0.8, lift=0.2)
    with session_scope() as s:
        survey = SurveyRepository(s).for_plan(plan_id, SurveyKind.REPEAT)
        assert survey is not None
        survey.closed_at = utcnow()
        survey_id = survey.id
    with session_scope() as s:
        analysis.analyse_survey(s, survey_id=survey_id, now=utcnow())
    return plan_id, people


class TestFormativeReview:
    def test_challenge_answer_and_the_answer_seen(self, db: Database) -> None:
        plan_id, _ = in_delivery_with_first_checkpoint()  # Pat commented on formative report 1; Pia has not
        pia = sign_in(PIA)
        home = pia.get("/panel").text
        assert "Waiting for your review" in home and "Formative report 1" in home
        assert "Waiting for your review" not in sign_in(PAT).get("/panel").text  # Pat has commented already
        inbox = pia.get("/inbox").text
        assert "Waiting for your review as a citizen panel member" in inbox
        assert f'href="/panel/plans/{plan_id}#formative-1">Formative report 1</a>' in inbox
        page = pia.get(f"/panel/plans/{plan_id}")
        assert page.status_code == 200 and "Your review of formative report 1" in page.text
        assert "Ran the induction module." in page.text
        token = form_token(page.text)
        url = f"/panel/plans/{plan_id}/reviews"

        empty = pia.post(url, data={"csrf_token": token, "output": "formative-1", "verdict": "challenge", "text": " "})
        assert empty.status_code == 422 and "A challenge needs your words" in empty.text
        assert 'href="#text-formative-1"' in empty.text and "Error: " in empty.text
        unchosen = pia.post(url, data={"csrf_token": token, "output": "formative-1", "text": "Hm."})
        assert unchosen.status_code == 422 and "Select whether you endorse, comment on or challenge it" in unchosen.text
        unpublished = pia.post(url, data={"csrf_token": token, "output": "summative", "verdict": "endorse"})
        assert unpublished.status_code == 422 and "The summative report has not been published" in unpublished.text

        said = "Night staff were never offered the module."
        done = pia.post(
            url,
            data={"csrf_token": token, "output": "formative-1", "verdict": "challenge", "text": said},
            follow_redirects=False,
        )
        assert done.status_code == 303 and done.headers["location"] == f"/panel/plans/{plan_id}#formative-1"
        page = pia.get(f"/panel/plans/{plan_id}")
        assert "Your challenge to formative report 1 is recorded." in page.text
        assert said in page.text and "You have reviewed formative report 1" in page.text
        assert "Your review of formative report 1" not in page.text
        assert "Waiting for your review" not in pia.get("/panel").text
        again = pia.post(url, data={"csrf_token": token, "output": "formative-1", "verdict": "endorse"})
        assert again.status_code == 409 and "You have already reviewed formative report 1" in again.text
        cora = sign_in(CORA)
        cora_token = form_token(cora.get(f"/panel/plans/{plan_id}").text)  # coordinators may read, not review
        refused = cora.post(url, data={"csrf_token": cora_token, "output": "formative-1", "verdict": "endorse"})
        assert refused.status_code == 403
        assert "Only members of the plan&#39;s citizen panel review formative report 1" in refused.text
        with session_scope() as s:
            raised = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "panel_challenge_raised")).all()
            assert [(m.to_address, m.idempotency_key.rsplit(":", 1)[0]) for m in raised] == [
                (CORA, raised_key(0).rsplit(":", 1)[0])
            ]

        inbox = cora.get("/inbox").text
        assert "Citizen panel challenges waiting for your answer" in inbox and "Pia Panel on\n" in inbox
        assert "citizen panel member" not in pia.get("/inbox").text  # reviewed: nothing left to do
        admin = cora.get(f"/plans/{plan_id}/panel")
        assert admin.status_code == 200
        assert "1 challenge(s) await your written answer" in admin.text
        assert said in admin.text and "Please include night-shift staff." in admin.text  # Pat's comment too
        review_id = re.search(r'name="review_id" value="(\d+)"', admin.text)
        assert review_id is not None  # challenges come first
        answer_url = f"/plans/{plan_id}/panel/answers"
        blank = cora.post(answer_url, data={"csrf_token": form_token(admin.text), "review_id": review_id.group(1)})
        assert blank.status_code == 422 and "Write what you heard" in blank.text
        reply = "You said night staff missed out; we ran two night sessions in March."
        answered = cora.post(
            answer_url,
            data={"csrf_token": form_token(admin.text), "review_id": review_id.group(1), "response": reply},
            follow_redirects=False,
        )
        assert answered.status_code == 303
        admin = cora.get(f"/plans/{plan_id}/panel")
        assert "Your answer to the challenge on formative report 1 is recorded" in admin.text
        assert "await your written answer" not in admin.text and reply in admin.text
        assert "challenges waiting for your answer" not in cora.get("/inbox").text

        seen = pia.get(f"/panel/plans/{plan_id}/you-said-we-did")
        assert seen.status_code == 200
        assert said in seen.text and reply in seen.text and "the answer from Cora Coordinator" in seen.text
        assert "Please include night-shift staff." in seen.text and "No answer yet" in seen.text
        assert pia.get(f"/panel/plans/{plan_id}").text.count(reply) == 1
        api = pia.get(f"/api/v1/plans/{plan_id}/panel/you-said-we-did").json()
        assert [(e["member"], e["verdict"], e["response"]) for e in api["exchanges"]] == [
            ("Pat Panel", "comment", None),
            ("Pia Panel", "challenge", reply),
        ]


class TestRepeatComparison:
    def test_a_challenged_comparison_holds_the_plan_open_until_answered(self, db: Database) -> None:
        plan_id, people = repeat_compared()
        pat = sign_in(PAT)
        page = pat.get(f"/panel/plans/{plan_id}")
        assert "Your review of the repeat survey comparison" in page.text and "First survey" in page.text
        assert "Your review of the summative report" not in page.text  # reviewed while it was being evaluated
        made = pat.post(
            f"/api/v1/plans/{plan_id}/panel/reviews",
            json={"output": "repeat-comparison", "verdict": "challenge", "text": "Confidence fell for night staff."},
            headers={"X-CSRF-Token": form_token(page.text)},
        )
        assert made.status_code == 201, made.text
        review_id = made.json()["review_id"]
        with session_scope() as s:
            step = lifecycle.step(s, plan_id=plan_id, now=utcnow())
        assert not step.moved and step.reasons == [
            "waiting for 1 citizen panel member(s) to review the repeat survey's comparison with the baseline: "
            "Pia Panel",
            "1 citizen panel challenge(s) await a written response: Pat Panel on the repeat survey comparison",
        ]

        cora = sign_in(CORA)
        admin = cora.get(f"/api/v1/plans/{plan_id}/panel/admin").json()
        challenges = [(e["member"], e["output"]) for e in admin["awaiting"] if e["verdict"] == "challenge"]
        assert challenges == [("Pat Panel", "repeat-comparison")] and admin["record"]["unanswered_challenges"] == 1
        token = form_token(cora.get(f"/plans/{plan_id}/panel").text)
        answered = cora.post(
            f"/api/v1/plans/{plan_id}/panel/responses",
            json={"review_id": review_id, "response": "We added a night-shift session and will survey it in June."},
            headers={"X-CSRF-Token": token},
        )
        assert answered.status_code == 200 and answered.json()["responded_by"] == "Cora Coordinator"
        with session_scope() as s:
            held = lifecycle.step(s, plan_id=plan_id, now=utcnow())
        assert not held.moved and held.reasons == [  # the panel's last say: every member reviews the comparison
            "waiting for 1 citizen panel member(s) to review the repeat survey's comparison with the baseline: "
            "Pia Panel"
        ]
        people.review_repeat()  # Pia endorses; Pat's challenge stands as his review
        with session_scope() as s:
            assert lifecycle.step(s, plan_id=plan_id, now=utcnow()).moved
        page = pat.get(f"/panel/plans/{plan_id}").text
        assert "We added a night-shift session" in page and "Your review of" not in page  # closed: read-only
