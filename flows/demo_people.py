"""The simulated people of ``coproduce demo``: the working party, staff answering the survey, the
coordinator, the approvers and the citizen panel. Each acts through the same services the web app
uses, one transaction per person, so their decisions wake the lifecycle flow exactly as real ones do.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from flows import demo_programme as programme
from plans.db import session_scope
from plans.domain.facts import SUMMATIVE_OUTPUT, Decision, Judgement
from plans.domain.panel_outputs import REPEAT_OUTPUT
from plans.domain.stages import Stage
from plans.domain.survey_answers import PREFER_NOT_TO_SAY
from plans.models import Capacity, StatementKind, SurveyKind, Verdict, utcnow
from plans.repositories.evaluation import EvaluationRepository
from plans.repositories.invitations import InvitationRepository
from plans.repositories.panel import PanelRepository
from plans.repositories.plans import PlanRepository
from plans.repositories.surveys import SurveyRepository
from plans.schemas import RecommendationIn
from plans.services import coproduction, evaluation, intake, plan_views, recommendations, responses, signoff, vision
from plans.services.actors import Actor, actor_for
from plans.services.lifecycle import wake_if_ready
from plans.services.survey_tokens import invitation_ref, token_for

SIGN_OFF_DAYS = 14  # the deadline the coordinator gives approvers


class People:
    """Everyone in the example programme, looked up once from the plan's membership."""

    def __init__(self, plan_id: int, coordinator_id: int, seed: int = 7) -> None:
        self.plan_id = plan_id
        self.rng = random.Random(seed)
        self.about_rng = random.Random(seed + 1)  # who they are: its own stream, so the answers stay the same
        with session_scope() as s:
            repo = PlanRepository(s)
            self.party = [actor_for(s, p.id) for _, p in repo.members(plan_id, Capacity.WORKING_PARTY)]
            self.approvers = [actor_for(s, p.id) for _, p in repo.members(plan_id, Capacity.APPROVER)]
            self.panel = [actor_for(s, p.id) for _, p in repo.members(plan_id, Capacity.CITIZEN_PANEL)]
            self.coordinator = actor_for(s, coordinator_id)

    def agree_vision(self) -> None:
        """Members who have not written yet add a statement; then every member agrees."""
        self.rate(Stage.VISION)
        lines = [
            "Citizens are involved from the start, not asked to comment at the end.",
            "Staff have time and support to work alongside citizens.",
        ]
        for actor, text in zip(self.party[-2:], lines, strict=True):
            self._act(
                lambda s, a=actor, t=text: vision.add_statement(
                    s, plan_id=self.plan_id, actor=a, kind=StatementKind.ASPIRATION, text=t, now=utcnow()
                )
            )
        for actor in self.party:
            self._act(lambda s, a=actor: vision.agree(s, plan_id=self.plan_id, actor=a, now=utcnow()))

    def answer_survey(self, kind: SurveyKind, rate: float, lift: float) -> int:
        """Staff in every team answer until about ``rate`` of them have; ``lift`` raises the chance of a
        positive answer (the repeat survey after the plan). Each invited person answers through the
        survey's real intake, in a transaction of their own, with their invitation's token derived as
        their email carries it; without a staff list (no invitations) the coordinator records the same
        kind of answers for each team's declared headcount in one batch."""
        self.rate(Stage.EVIDENCE_SURVEY if kind is SurveyKind.BASELINE else Stage.REPEAT_SURVEY)
        with session_scope() as s:
            plan = PlanRepository(s).get(self.plan_id)
            assert plan is not None
            survey = SurveyRepository(s).for_plan(self.plan_id, kind)
            assert survey is not None
            survey_id, questions = survey.id, survey.questions
            demographics = (survey.definition or {}).get("demographics") or []
            invited = InvitationRepository(s).unused_by_team(survey.id)
            teams = SurveyRepository(s).team_rates(survey.id, plan.organisation_id)
        if not invited:
            return self._record_batch(kind, teams, questions, demographics, rate, lift)
        answered = 0
        for _team, staff in sorted(invited.items()):
            answering = round(len(staff) * min(1.0, self.rng.gauss(rate, 0.08)))
            for staff_id in self.rng.sample(staff, max(0, min(len(staff), answering))):
                token = token_for(invitation_ref(survey_id, staff_id))
                answers = {q["id"]: self._answer(q, lift) for q in questions}
                about = {d["id"]: self.rng.choice([*d["options"], PREFER_NOT_TO_SAY]) for d in demographics}
                self._act(
                    lambda s, t=token, a=answers, d=about: intake.answer(
                        s, token=t, answers=a, demographics=d, now=utcnow()
                    )
                )
                answered += 1
        # the intake wakes no flow (it is the busiest path); the reconcile flow notices a survey that may
        # close within minutes, which the demo does not wait for: it asks for the lifecycle run itself
        self._act(lambda s: wake_if_ready(s, plan_id=self.plan_id, cause=f"survey-{survey_id}-answered", now=utcnow()))
        return answered

    def _record_batch(
        self,
        kind: SurveyKind,
        teams: list[tuple[str, str, int, int]],
        questions: list[dict[str, Any]],
        demographics: list[dict[str, Any]],
        rate: float,
        lift: float,
    ) -> int:
        rows: list[dict[str, Any]] = []
        for code, _name, _done, eligible in teams:
            answering = round(eligible * min(1.0, self.rng.gauss(rate, 0.08)))
            for _ in range(max(0, min(eligible, answering))):
                answers = {q["id"]: self._answer(q, lift) for q in questions}
                about = {d["id"]: self.about_rng.choice([*d["options"], PREFER_NOT_TO_SAY]) for d in demographics}
                rows.append({"team": code, "answers": answers, "demographics": about})
        self._act(
            lambda s: responses.record(
                s, plan_id=self.plan_id, kind=kind, rows=rows, actor=self.coordinator, now=utcnow()
            )
        )
        return len(rows)

    def _answer(self, question: dict[str, Any], lift: float) -> Any:
        if not question.get("answers"):  # free text
            return "More time to work alongside citizens would help."
        if question.get("type") == "multiple_choice":
            return self.rng.sample(question["answers"], 1)
        positive = question["positive"]
        others = [a for a in question["answers"] if a not in positive]
        base = {"K1": 0.35, "K2": 0.3, "S1": 0.45, "S3": 0.2, "E1": 0.3}.get(question["id"], 0.5)
        if self.rng.random() < min(0.95, base + lift):
            return str(self.rng.choice(positive))
        return str(self.rng.choice(others))

    def draft_recommendations(self, revised: bool = False, *, send: bool = True) -> int:
        """The coordinator drafts (or, after changes were requested, revises) the recommendations,
        each linked to the baseline findings of the section it answers, and (with ``send``) sends the
        version to the approvers with a deadline two weeks away, as the send page does. Returns the
        version drafted."""
        if not revised:
            self.rate(Stage.RECOMMENDATIONS)
        with session_scope() as s:
            survey = SurveyRepository(s).for_plan(self.plan_id, SurveyKind.BASELINE)
            assert survey is not None
            by_section: dict[str, list[str]] = {}
            for q in survey.questions:
                by_section.setdefault(q["section"], []).append(f"finding:{q['id']}")
            themes = programme.run_workshop(s, plan_id=self.plan_id, coordinator=self.coordinator, now=utcnow())
        items = [
            RecommendationIn(
                title="Introduce coproduction to every member of staff",
                detail="A short induction module on what coproduction means and why it matters.",
                evidence=by_section.get("knowledge", []),
            ),
            RecommendationIn(
                title="Build staff confidence to involve citizens",
                detail="Skills workshops co-delivered by citizens and staff.",
                evidence=by_section.get("skills", []),
            ),
            RecommendationIn(
                title="Close the loop: you said, we did",
                detail="Every team reports back to citizens what changed.",
                evidence=[f"theme:{themes[programme.CLOSE_THE_LOOP]}"],
            ),
        ]
        if revised:
            items.append(
                RecommendationIn(
                    title="Protect time for citizen involvement",
                    detail="Managers agree protected time with each team, reviewed at supervision.",
                    evidence=by_section.get("experience", []),
                )
            )
        with session_scope() as s:
            version = recommendations.set_recommendations(
                s, plan_id=self.plan_id, actor=self.coordinator, items=items, now=utcnow()
            )
            owners = [a.person_id for a in self.party if a.person_id is not None]
            programme.build_learning_plan(
                s, plan_id=self.plan_id, coordinator=self.coordinator, owners=owners, now=utcnow()
            )
        if send:
            self.send_for_sign_off()
        return version

    def send_for_sign_off(self, days: int = SIGN_OFF_DAYS) -> None:
        """The coordinator sends the current version to the approvers, to decide within ``days``."""
        self._act(
            lambda s: signoff.send_for_sign_off(
                s,
                plan_id=self.plan_id,
                actor=self.coordinator,
                deadline=utcnow().date() + timedelta(days=days),
                now=utcnow(),
            )
        )

    def add_expectations(self) -> None:
        """Each approver states what they expect the plan to achieve, at a Kirkpatrick level."""
        wanted = [
            ("Staff rate the learning as useful", "post-session feedback", 1, "80% useful"),
            ("Staff can explain what coproduction means", "repeat survey K1", 2, "+20 points"),
            ("Teams involve citizens in planning", "repeat survey E1", 3, "half of teams"),
            ("Citizens see what changed", "you said, we did reports", 4, "every team reports"),
        ]
        for actor, (text, measure, level, target) in zip(self.approvers, wanted, strict=False):
            self._act(
                lambda s, a=actor, t=text, m=measure, lv=level, tg=target: evaluation.add_expectation(
                    s, plan_id=self.plan_id, actor=a, text=t, measure=m, level=lv, target=tg, now=utcnow()
                )
            )

    def sign_off(self, version: int, *, first_requests_changes: bool) -> None:
        """Approvers decide on ``version``; optionally the first asks for changes instead."""
        if not first_requests_changes:
            self.rate(Stage.SIGN_OFF)
        for i, actor in enumerate(self.approvers):
            if first_requests_changes and i == 0:
                decision, comment = (
                    Decision.REQUEST_CHANGES,
                    "Add protected time for staff: without it this will not happen.",
                )
            elif first_requests_changes:
                continue
            else:
                decision, comment = Decision.APPROVE, ""
            self.decide(actor, version, decision, comment)

    def decide(self, actor: Actor, version: int, decision: Decision, comment: str = "") -> None:
        """``actor`` decides as the approver's page has them do: reading the plan document, then deciding
        on ``version`` with the content hash of what they read (a version the plan has moved on from is
        refused as stale, as it would be for a person), in a transaction of their own."""
        with session_scope() as s:
            read = plan_views.sign_off(s, plan_id=self.plan_id, with_document=True).document
            assert read is not None
            signoff.decide(
                s,
                plan_id=self.plan_id,
                actor=actor,
                version=version,
                content_hash=read.content_hash,
                decision=decision,
                comment=comment,
                now=utcnow(),
            )

    def deliver(self) -> None:
        """At each formative checkpoint the objectives' owners give evidence and report progress, then
        the coordinator records the checkpoint's report; a panel member comments on the first."""
        self.rate(Stage.DELIVERY)
        with session_scope() as s:
            numbers = [c.number for c in EvaluationRepository(s).checkpoints(self.plan_id)]
        owners = {a.person_id: a for a in [*self.party, self.coordinator]}
        for n in numbers:
            self._act(
                lambda s, n=n: programme.give_evidence(s, plan_id=self.plan_id, number=n, owners=owners, now=utcnow())
            )
            self._act(
                lambda s, n=n: evaluation.record_checkpoint(
                    s,
                    plan_id=self.plan_id,
                    actor=self.coordinator,
                    number=n,
                    did=f"Quarter {n}: induction module and two co-delivered workshops.",
                    learned="Sessions co-delivered by citizens were rated far higher.",
                    change="Move more sessions to co-delivery.",
                    attendance=40 + 15 * n,
                    now=utcnow(),
                )
            )
            if n == 1:
                self._act(
                    lambda s: evaluation.review(
                        s,
                        plan_id=self.plan_id,
                        actor=self.panel[0],
                        output="formative-1",
                        verdict=Verdict.COMMENT,
                        text="Good start; please include night-shift staff.",
                        now=utcnow(),
                    )
                )

    def evaluate(self) -> None:
        """Evidence filed against each expectation and each judged, benefits claimed (one valued with its
        isolation method, one intangible), the retrospective written, the panel reviews and is answered."""
        self.rate(Stage.SUMMATIVE_EVALUATION)
        self._act(
            lambda s: programme.evidence_for_expectations(
                s, plan_id=self.plan_id, coordinator=self.coordinator, now=utcnow()
            )
        )
        with session_scope() as s:
            ids = [e.id for e in EvaluationRepository(s).expectations(self.plan_id)]
        judgements = [Judgement.MET, Judgement.MET, Judgement.PARTLY_MET, Judgement.NOT_MET]
        for eid, j in zip(ids, judgements * len(ids), strict=False):
            self._act(
                lambda s, e=eid, j=j: evaluation.judge_expectation(
                    s,
                    plan_id=self.plan_id,
                    actor=self.coordinator,
                    expectation_id=e,
                    judgement=j,
                    evidence="Checkpoint reports and post-session feedback.",
                    now=utcnow(),
                )
            )
        self._act(
            lambda s: programme.claim_benefits(s, plan_id=self.plan_id, coordinator=self.coordinator, now=utcnow())
        )
        self._act(
            lambda s: evaluation.write_summative_report(
                s,
                plan_id=self.plan_id,
                actor=self.coordinator,
                did="Induction for all staff; twelve workshops.",
                learned="Co-delivery works; protected time is the constraint.",
                pleased="Citizens co-delivered every workshop.",
                different="Start the reporting-back earlier.",
                now=utcnow(),
            )
        )
        challenge_id = 0
        for i, member in enumerate(self.panel):
            verdict = Verdict.CHALLENGE if i == 0 else Verdict.ENDORSE
            text = "Citizens have not yet seen the 'you said, we did' reports." if i == 0 else ""
            with session_scope() as s:
                row = evaluation.review(
                    s,
                    plan_id=self.plan_id,
                    actor=member,
                    output=SUMMATIVE_OUTPUT,
                    verdict=verdict,
                    text=text,
                    now=utcnow(),
                )
                if verdict is Verdict.CHALLENGE:
                    challenge_id = row.id
        self._act(
            lambda s: evaluation.respond_to_challenge(
                s,
                plan_id=self.plan_id,
                actor=self.coordinator,
                review_id=challenge_id,
                response="You said you had not seen the reports; we have published all 29 on the council website.",
                now=utcnow(),
            )
        )

    def review_repeat(self) -> None:
        """Each citizen panel member who has not yet done so endorses the repeat survey's comparison with
        the baseline (the last review the plan waits for before it closes); nothing until it is published."""
        with session_scope() as s:
            if PanelRepository(s).publication(self.plan_id, REPEAT_OUTPUT) is None:
                return
            repo = EvaluationRepository(s)
            waiting = [m for m in self.panel if repo.review_by(self.plan_id, m.person_id, REPEAT_OUTPUT) is None]
        for member in waiting:
            self._act(
                lambda s, m=member: evaluation.review(
                    s,
                    plan_id=self.plan_id,
                    actor=m,
                    output=REPEAT_OUTPUT,
                    verdict=Verdict.ENDORSE,
                    text="",
                    now=utcnow(),
                )
            )

    def rate(self, stage: Stage) -> None:
        """A member of the working party records where ``stage`` sat on the ladder of co-production."""
        rung, note = programme.LADDER[stage]
        self._act(
            lambda s: coproduction.record(
                s, plan_id=self.plan_id, actor=self.party[0], stage=stage, rung=rung, note=note, now=utcnow()
            )
        )

    def _act(self, action: Any) -> None:
        with session_scope() as s:
            action(s)
