"""The citizen panel's record of a plan, for the final report and the coordinator: the verdicts on each
published output counted (endorsed, commented, challenged, not yet reviewed), and every exchange (a
review with words, and the coordinator's answer) in the order it happened.

Only names, verdicts and the words people wrote: no survey figure goes through here.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy.orm import Session

from plans.domain.errors import NotFound
from plans.domain.panel_outputs import output_order, output_title
from plans.models import PanelReview, Verdict
from plans.repositories.panel import PanelRepository
from plans.schemas_panel import ExchangeOut, OutputVerdicts, PanelRecord
from plans.services.lifecycle import load_plan


def _out(r: PanelReview, member: str, responder: str | None) -> ExchangeOut:
    return ExchangeOut(
        review_id=r.id,
        output=r.output,
        output_title=output_title(r.output),
        member=member,
        verdict=r.verdict.value,
        text=r.text,
        at=r.at,
        response=r.response,
        responded_by=(responder or "the coordinator") if r.response is not None else None,
        responded_at=r.responded_at if r.response is not None else None,
    )


def exchanges(session: Session, *, plan_id: int) -> list[ExchangeOut]:
    """Every review with words (or an answer), oldest first: "you said, we did"."""
    return [
        _out(r, member, responder)
        for r, member, responder in PanelRepository(session).reviews(plan_id)
        if r.text or r.response is not None
    ]


def exchange(session: Session, *, plan_id: int, review_id: int) -> ExchangeOut:
    """One review as an exchange (an endorsement without words too): what an API call just made."""
    for r, member, responder in PanelRepository(session).reviews(plan_id):
        if r.id == review_id:
            return _out(r, member, responder)
    raise NotFound(f"plan {plan_id} has no panel review {review_id}")


def panel_record(session: Session, plan_id: int) -> PanelRecord:
    """The panel's verdicts per output (in the plan's order) and every exchange in order."""
    plan = load_plan(session, plan_id)
    repo = PanelRepository(session)
    people = repo.members(plan.id)
    published = {p.output: p for p in repo.publications(plan.id)}
    counts: dict[str, dict[Verdict, int]] = defaultdict(lambda: dict.fromkeys(Verdict, 0))
    reviewed: dict[str, set[int]] = defaultdict(set)
    unanswered: dict[str, int] = defaultdict(int)
    for r, _, _ in repo.reviews(plan.id):
        counts[r.output][r.verdict] += 1
        reviewed[r.output].add(r.member_id)
        if r.verdict is Verdict.CHALLENGE and r.response is None:
            unanswered[r.output] += 1
    outputs = sorted(set(published) | set(counts), key=output_order)
    return PanelRecord(
        plan_id=plan.id,
        title=plan.title,
        members=[m.name for m in people],
        outputs=[
            OutputVerdicts(
                output=o,
                title=published[o].title if o in published else output_title(o),
                published_at=published[o].published_at if o in published else None,
                endorse=counts[o][Verdict.ENDORSE],
                comment=counts[o][Verdict.COMMENT],
                challenge=counts[o][Verdict.CHALLENGE],
                unanswered_challenges=unanswered[o],
                not_reviewed=[m.name for m in people if m.id not in reviewed[o]],
            )
            for o in outputs
        ],
        exchanges=exchanges(session, plan_id=plan.id),
        unanswered_challenges=sum(unanswered.values()),
    )
