"""The citizen panel's review as services, on SQLite and PostgreSQL, with the emails sent to a real SMTP
server (aiosmtpd): publishing tells each member once, a challenge tells the coordinator, an answer tells
the member; a member reviews an output once; the gate names each unanswered challenge by member and output."""

from __future__ import annotations

import pytest

from plans.db import session_scope
from plans.delivery import deliver_due
from plans.domain.errors import AlreadyDecided, InvalidInput, NotPermitted
from plans.models import Verdict, utcnow
from plans.services import panel_publishing, panel_reviews
from plans.services.actors import actor_by_email
from plans.services.lifecycle import facts_for
from tests.api.test_panel_pages import PIA, in_delivery_with_first_checkpoint
from tests.api.test_vision_pages import CAT, CORA, PAT
from tests.conftest import Database
from tests.mail_server import Mailbox, smtp_server

__all__ = ["smtp_server"]


def challenge(plan_id: int, email: str, output: str, text: str) -> int:
    with session_scope() as s:
        row = panel_reviews.review(
            s,
            plan_id=plan_id,
            actor=actor_by_email(s, email),
            output=output,
            verdict=Verdict.CHALLENGE,
            text=text,
            now=utcnow(),
        )
        return row.id


def answer(plan_id: int, review_id: int, text: str) -> None:
    with session_scope() as s:
        panel_reviews.respond_to_challenge(
            s, plan_id=plan_id, actor=actor_by_email(s, CORA), review_id=review_id, response=text, now=utcnow()
        )


class TestPublishing:
    def test_each_member_is_emailed_once_however_often_it_is_published(
        self, db: Database, smtp_server: Mailbox
    ) -> None:
        plan_id, _ = in_delivery_with_first_checkpoint()  # recording checkpoint 1 published it
        deliver_due()
        with session_scope() as s:
            cora = actor_by_email(s, CORA)
            row, created = panel_publishing.publish(s, plan_id=plan_id, output="formative-1", actor=cora, now=utcnow())
            assert not created and row.title == "Formative report 1"
            assert panel_publishing.publish_ready(s, plan_id=plan_id, actor=cora, now=utcnow()) == []
        deliver_due()
        for email in (PAT, PIA):
            [message] = smtp_server.to(email)
            assert message["Subject"] == "Published for the citizen panel: Formative report 1 of Small test plan"
            body = Mailbox.text(message)
            assert "has published its formative report 1" in body and f"/panel/plans/{plan_id}#formative-1" in body
        assert smtp_server.to(CORA) == [] and len(smtp_server.messages) == 2

    def test_what_cannot_be_published_is_refused_by_field(self, db: Database) -> None:
        plan_id, _ = in_delivery_with_first_checkpoint()
        with session_scope() as s:
            cora, pat = actor_by_email(s, CORA), actor_by_email(s, PAT)
            with pytest.raises(InvalidInput, match=r"^output: 'report' names no evaluation output"):
                panel_publishing.publish(s, plan_id=plan_id, output="report", actor=cora, now=utcnow())
            with pytest.raises(InvalidInput, match=r"^output: plan \d+ has no summative report yet"):
                panel_publishing.publish(s, plan_id=plan_id, output="summative", actor=cora, now=utcnow())
            with pytest.raises(InvalidInput, match=r"formative report 2 of plan \d+ has not been recorded"):
                panel_publishing.publish(s, plan_id=plan_id, output="formative-2", actor=cora, now=utcnow())
            with pytest.raises(NotPermitted):
                panel_publishing.publish(s, plan_id=plan_id, output="formative-1", actor=pat, now=utcnow())


class TestChallenges:
    def test_raised_emails_the_coordinator_and_answered_emails_the_member(
        self, db: Database, smtp_server: Mailbox
    ) -> None:
        plan_id, _ = in_delivery_with_first_checkpoint()
        deliver_due()
        review_id = challenge(plan_id, PIA, "formative-1", "Night staff were never offered the module.")
        deliver_due()
        [raised] = smtp_server.to(CORA)
        assert raised["Subject"] == "Pia Panel challenged formative report 1 of Small test plan"
        body = Mailbox.text(raised)
        assert "Night staff were never offered the module." in body and f"/plans/{plan_id}/panel#review-" in body

        answer(plan_id, review_id, "You said night staff missed out; we ran two night sessions in March.")
        deliver_due()
        deliver_due()  # nothing is sent twice
        [answered] = [m for m in smtp_server.to(PIA) if "answer" in m["Subject"]]
        assert answered["Subject"] == "Your challenge on formative report 1 has an answer"
        body = Mailbox.text(answered).replace("\r\n", "\n")
        assert "You said:\nNight staff were never offered the module." in body
        assert "Cora Coordinator answered on" in body and "we ran two night sessions in March." in body
        assert f"/panel/plans/{plan_id}/you-said-we-did#review-{review_id}" in body
        assert len(smtp_server.to(CORA)) == 1 and len(smtp_server.to(PIA)) == 2  # published + answered

    def test_an_answer_is_given_once_in_words_and_frees_the_gate(self, db: Database) -> None:
        plan_id, _ = in_delivery_with_first_checkpoint()
        review_id = challenge(plan_id, PIA, "formative-1", "Too slow.")
        with session_scope() as s:  # the gate names the waiting challenge by member and output
            assert facts_for(s, plan_id, utcnow()).panel.unanswered_challenges == ("Pia Panel on formative report 1",)
        with pytest.raises(InvalidInput, match=r"^response: write what you heard"):
            answer(plan_id, review_id, "   ")
        with pytest.raises(InvalidInput, match=rf"^review_id: plan {plan_id} has no challenge or comment 987654"):
            answer(plan_id, 987_654, "We heard you.")
        answer(plan_id, review_id, "We heard you and sped up.")
        with pytest.raises(AlreadyDecided, match=rf"^review_id: challenge {review_id} was answered on"):
            answer(plan_id, review_id, "Again.")
        with session_scope() as s:
            assert facts_for(s, plan_id, utcnow()).panel.unanswered_challenges == ()


class TestReviewOnce:
    def test_a_member_reviews_each_output_once_and_refusals_name_the_field_or_person(self, db: Database) -> None:
        plan_id, _ = in_delivery_with_first_checkpoint()  # Pat commented on formative report 1
        with session_scope() as s:
            pat = actor_by_email(s, PAT)
            for verdict, text in ((Verdict.CHALLENGE, "I changed my mind."), (Verdict.ENDORSE, "")):
                with pytest.raises(AlreadyDecided, match=r"already reviewed formative report 1 of plan \d+ on "):
                    panel_reviews.review(
                        s, plan_id=plan_id, actor=pat, output="formative-1", verdict=verdict, text=text, now=utcnow()
                    )
        with session_scope() as s:
            pia, cat, cora = actor_by_email(s, PIA), actor_by_email(s, CAT), actor_by_email(s, CORA)
            with pytest.raises(InvalidInput, match=r"^text: a challenge needs your words"):
                panel_reviews.review(
                    s,
                    plan_id=plan_id,
                    actor=pia,
                    output="formative-1",
                    verdict=Verdict.CHALLENGE,
                    text=" ",
                    now=utcnow(),
                )
            with pytest.raises(InvalidInput, match=r"^output: the summative report has not been published"):
                panel_reviews.review(
                    s, plan_id=plan_id, actor=pia, output="summative", verdict=Verdict.ENDORSE, text="", now=utcnow()
                )
            for someone in (cat, cora):
                with pytest.raises(NotPermitted, match="does not sit on the citizen panel"):
                    panel_reviews.review(
                        s,
                        plan_id=plan_id,
                        actor=someone,
                        output="formative-1",
                        verdict=Verdict.ENDORSE,
                        text="",
                        now=utcnow(),
                    )
            endorsed = panel_reviews.review(
                s, plan_id=plan_id, actor=pia, output="formative-1", verdict=Verdict.ENDORSE, text="", now=utcnow()
            )
            with pytest.raises(InvalidInput, match="endorses formative report 1; there is nothing to answer"):
                panel_reviews.respond_to_challenge(
                    s, plan_id=plan_id, actor=cora, review_id=endorsed.id, response="Thanks.", now=utcnow()
                )
