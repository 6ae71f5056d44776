"""The citizen panel's say on what was published to it, and the coordinator's written answers.

A member endorses, comments on or challenges each published output once: the verdict is what the final
report counts (one per member per output, like an approver's sign-off decision), so it is never
changed or added to; a member with more to say says it on the next output, or in a challenge the
coordinator must answer. Every challenge needs a written answer ("you said, we did") before the plan
can close; a comment may be answered too. The challenger is emailed the answer, and the coordinator is
emailed each challenge; each email once, by its idempotency key.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from plans.domain.errors import AlreadyDecided, InvalidInput, NotPermitted, StageLocked
from plans.domain.panel_outputs import output_phrase
from plans.domain.stages import Stage
from plans.models import Capacity, PanelReview, Plan, Role, Verdict
from plans.repositories.evaluation import EvaluationRepository
from plans.repositories.panel import PanelRepository
from plans.repositories.plans import PlanRepository
from plans.services.actors import Actor
from plans.services.audit_trail import record_and_wake
from plans.services.chase_letters import link
from plans.services.lifecycle import load_plan
from plans.services.outbox import enqueue

# while there is something to review: formative reports in delivery, the summative report in its stage,
# the repeat comparison once the repeat survey is analysed (and earlier outputs until the plan closes)
REVIEW_STAGES = (Stage.DELIVERY, Stage.SUMMATIVE_EVALUATION, Stage.REPEAT_SURVEY)
MAX_TEXT = 4000
VERDICT_WORDS = {Verdict.ENDORSE: "endorsed", Verdict.COMMENT: "commented on", Verdict.CHALLENGE: "challenged"}


def raised_key(review_id: int) -> str:
    """The idempotency key of the email telling the coordinator about a challenge."""
    return f"panel-challenge-raised:{review_id}"


def answered_key(review_id: int) -> str:
    """The idempotency key of the email giving a member the coordinator's answer."""
    return f"panel-answered:{review_id}"


def _words(field: str, value: str, empty: str) -> str:
    text = value.strip()
    if not text:
        raise InvalidInput(f"{field}: {empty}")
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"{field}: {MAX_TEXT:,} characters at most ({len(text):,} given)")
    return text


def _day(moment: datetime) -> str:
    return f"{moment:%-d %B %Y}"


def review(
    session: Session,
    *,
    plan_id: int,
    actor: Actor,
    output: str,
    verdict: Verdict,
    text: str,
    now: datetime,
) -> PanelReview:
    """A citizen panel member endorses, comments on or challenges a published output (once each)."""
    plan = load_plan(session, plan_id)
    if actor.person_id is None or not PlanRepository(session).is_member(
        plan.id, actor.person_id, Capacity.CITIZEN_PANEL
    ):
        raise NotPermitted(f"{actor.label} does not sit on the citizen panel of plan {plan.id}")
    if plan.stage not in REVIEW_STAGES:
        raise StageLocked(
            f"the citizen panel reviews outputs during delivery, the summative evaluation and the repeat survey; "
            f"plan {plan.id} is in {plan.stage.value}"
        )
    output = output.strip()
    repo = PanelRepository(session)
    if repo.publication(plan.id, output) is None:
        raise InvalidInput(
            f"output: {output_phrase(output)} has not been published to the citizen panel of plan {plan.id}"
        )
    if verdict is Verdict.CHALLENGE:
        words = _words("text", text, "a challenge needs your words: say what you disagree with and why")
    elif verdict is Verdict.COMMENT:
        words = _words("text", text, "a comment cannot be empty")
    else:
        words = _words("text", text, "") if text.strip() else ""
    earlier = EvaluationRepository(session).review_by(plan.id, actor.person_id, output)
    row = PanelReview(plan_id=plan.id, member_id=actor.person_id, output=output, verdict=verdict, text=words, at=now)
    if earlier is not None or not repo.add_review(row):
        earlier = earlier or EvaluationRepository(session).review_by(plan.id, actor.person_id, output)
        when = f" on {_day(earlier.at)}" if earlier is not None else ""
        raise AlreadyDecided(
            f"{actor.label} already reviewed {output_phrase(output)} of plan {plan.id}{when}; a review is given once"
        )
    record_and_wake(
        session,
        plan=plan,
        actor=actor,
        kind="panel_reviewed",
        now=now,
        data={"review_id": row.id, "output": output, "verdict": verdict.value, "text": row.text},
        dedupe_key=f"plan:{plan.id}:panel:{output}:member:{actor.person_id}",
    )
    if verdict is Verdict.CHALLENGE:
        _tell_coordinator(session, plan, row, now)
    return row


def _tell_coordinator(session: Session, plan: Plan, row: PanelReview, now: datetime) -> None:
    repo = PanelRepository(session)
    coordinator, member = repo.person(plan.coordinator_id), repo.person(row.member_id)
    if coordinator is None or member is None:
        return
    enqueue(
        session,
        key=raised_key(row.id),
        kind="panel_challenge_raised",
        to=coordinator.email,
        template="challenge_raised",
        now=now,
        name=coordinator.name,
        member=member.name,
        plan=plan.title,
        what=output_phrase(row.output),
        said=row.text,
        said_on=_day(row.at),
        link=link(f"/plans/{plan.id}/panel#review-{row.id}"),
    )


def respond_to_challenge(
    session: Session,
    *,
    plan_id: int,
    actor: Actor,
    review_id: int,
    response: str,
    now: datetime,
) -> PanelReview:
    """The coordinator's written answer to a panel member's challenge, or comment ("you said, we did"),
    given once and emailed to the member."""
    actor.require(Role.COORDINATOR, "answering the citizen panel")
    plan = load_plan(session, plan_id)
    row = EvaluationRepository(session).review(plan.id, review_id)
    if row is None:
        raise InvalidInput(f"review_id: plan {plan.id} has no challenge or comment {review_id}")
    if row.verdict is Verdict.ENDORSE:
        what = output_phrase(row.output)
        raise InvalidInput(f"review_id: review {review_id} endorses {what}; there is nothing to answer")
    if row.response is not None:
        raise AlreadyDecided(_answered(row))
    words = _words("response", response, "write what you heard and what you did or will do about it")
    repo = PanelRepository(session)
    if not repo.answer(row.id, response=words, by=actor.person_id, at=now):
        session.refresh(row)
        raise AlreadyDecided(_answered(row))
    record_and_wake(
        session,
        plan=plan,
        actor=actor,
        kind="challenge_answered" if row.verdict is Verdict.CHALLENGE else "comment_answered",
        now=now,
        data={"review_id": row.id, "output": row.output, "response": words},
        dedupe_key=f"plan:{plan.id}:challenge:{row.id}:answered",
    )
    _tell_member(session, plan, row, actor, now)
    return row


def _answered(row: PanelReview) -> str:
    when = f" on {_day(row.responded_at)}" if row.responded_at is not None else ""
    return f"review_id: {row.verdict.value} {row.id} was answered{when}; an answer is given once"


def _tell_member(session: Session, plan: Plan, row: PanelReview, actor: Actor, now: datetime) -> None:
    repo = PanelRepository(session)
    member = repo.person(row.member_id)
    responder = repo.person(actor.person_id) if actor.person_id is not None else None
    if member is None:
        return
    enqueue(
        session,
        key=answered_key(row.id),
        kind="panel_answered",
        to=member.email,
        template="challenge_answered",
        now=now,
        name=member.name,
        plan=plan.title,
        verdict=row.verdict.value,
        what=output_phrase(row.output),
        said=row.text,
        said_on=_day(row.at),
        response=row.response or "",
        responder=responder.name if responder is not None else "The coordinator",
        answered_on=_day(now),
        link=link(f"/panel/plans/{plan.id}/you-said-we-did#review-{row.id}"),
    )
