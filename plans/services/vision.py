"""The co-produced vision: working party members add statements, comment on each other's and record
their agreement; everyone allowed to see it reads it through ``vision_view``.

Citizens' and staff members' words are kept and returned alike (same fields, in the order written):
the read model never ranks or groups statements by who wrote them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from plans.domain.errors import AlreadyDecided, InvalidInput, NotFound, NotPermitted, StageLocked
from plans.domain.facts import MemberKind
from plans.domain.gates import vision_reasons
from plans.domain.stages import Stage
from plans.models import Capacity, Plan, StatementKind, VisionComment, VisionStatement
from plans.repositories.plans import PlanRepository
from plans.repositories.vision import VisionRepository
from plans.services.actors import Actor
from plans.services.audit_trail import record_and_wake
from plans.services.lifecycle import facts_for, load_plan
from plans.views import (
    VisionCommentOut,
    VisionMemberOut,
    VisionPlanRow,
    VisionStatementOut,
    VisionView,
)

MAX_STATEMENT = 2000
MAX_COMMENT = 2000


def _member_plan(session: Session, plan_id: int, actor: Actor, action: str) -> Plan:
    plan = load_plan(session, plan_id)
    if plan.stage is not Stage.VISION:
        raise StageLocked(f"{action} is part of the vision stage; the plan is in {plan.stage.value}")
    if actor.person_id is None or not PlanRepository(session).is_member(
        plan.id, actor.person_id, Capacity.WORKING_PARTY
    ):
        raise NotPermitted(f"{action} is for members of the plan's working party; {actor.label} is not one")
    return plan


def _words(text: str, what: str, limit: int) -> str:
    """The text without surrounding spaces, or ``InvalidInput`` naming the ``text`` field."""
    words = text.strip()
    if not words:
        raise InvalidInput(f"text: enter your {what}")
    if len(words) > limit:
        raise InvalidInput(f"text: your {what} must be {limit:,} characters or fewer (it has {len(words):,})")
    return words


def add_statement(
    session: Session, *, plan_id: int, actor: Actor, kind: StatementKind, text: str, now: datetime
) -> VisionStatement:
    """A working party member's aspiration or "what things are like now" statement."""
    plan = _member_plan(session, plan_id, actor, "adding a vision statement")
    words = _words(text, "statement", MAX_STATEMENT)
    assert actor.person_id is not None
    statement = PlanRepository(session).add_statement(plan.id, actor.person_id, kind, words, now)
    record_and_wake(
        session,
        plan=plan,
        actor=actor,
        kind="vision_statement_added",
        now=now,
        data={"statement_id": statement.id, "kind": kind.value, "text": words},
    )
    return statement


def add_comment(
    session: Session, *, plan_id: int, statement_id: int, actor: Actor, text: str, now: datetime
) -> VisionComment:
    """A working party member's comment on a statement of the plan's vision (theirs or another's)."""
    plan = _member_plan(session, plan_id, actor, "commenting on a vision statement")
    repo = VisionRepository(session)
    if repo.statement(plan.id, statement_id) is None:
        raise NotFound(f"statement_id: plan {plan.id} has no vision statement {statement_id}")
    words = _words(text, "comment", MAX_COMMENT)
    assert actor.person_id is not None
    comment = repo.add_comment(plan.id, statement_id, actor.person_id, words, now)
    # a comment leaves the gate as it was, so the wake-up finds nothing to do and starts no run
    record_and_wake(
        session,
        plan=plan,
        actor=actor,
        kind="vision_comment_added",
        now=now,
        data={"statement_id": statement_id, "comment_id": comment.id, "text": words},
    )
    return comment


def agree(session: Session, *, plan_id: int, actor: Actor, now: datetime) -> None:
    """Record that a working party member agrees the vision (once)."""
    plan = _member_plan(session, plan_id, actor, "agreeing the vision")
    assert actor.person_id is not None
    repo = PlanRepository(session)
    earlier = repo.agreement(plan.id, actor.person_id)
    if earlier is not None:
        raise AlreadyDecided(
            f"{actor.label} already agreed the vision of plan {plan.id} on {earlier.agreed_at:%d %B %Y}"
        )
    repo.add_agreement(plan.id, actor.person_id, now)
    record_and_wake(
        session,
        plan=plan,
        actor=actor,
        kind="vision_agreed",
        now=now,
        data={},
        dedupe_key=f"plan:{plan.id}:vision_agreed:{actor.person_id}",
    )


def _kind(kind: MemberKind | None) -> str | None:
    return kind.value if kind is not None else None


def statement_out(session: Session, *, statement: VisionStatement) -> VisionStatementOut:
    """A statement as the API returns it, with its author's name and kind."""
    name, kind = VisionRepository(session).author(statement.plan_id, statement.author_id)
    return VisionStatementOut(
        id=statement.id,
        kind=statement.kind.value,
        text=statement.text,
        author=name,
        author_kind=_kind(kind),
        created_at=statement.created_at,
        comments=[],
    )


def comment_out(session: Session, *, comment: VisionComment) -> VisionCommentOut:
    """A comment as the API returns it, with its author's name and kind."""
    name, kind = VisionRepository(session).author(comment.plan_id, comment.author_id)
    return VisionCommentOut(
        id=comment.id,
        statement_id=comment.statement_id,
        author=name,
        author_kind=_kind(kind),
        text=comment.text,
        created_at=comment.created_at,
    )


def vision_view(session: Session, *, plan_id: int, viewer_id: int, now: datetime) -> VisionView:
    """The plan's vision with comments, who agreed, the vision gate's reasons, and what the viewer may do."""
    plan = load_plan(session, plan_id)
    repo = VisionRepository(session)
    comments: dict[int, list[VisionCommentOut]] = {}
    for c, name, kind in repo.comments(plan.id):
        comments.setdefault(c.statement_id, []).append(
            VisionCommentOut(
                id=c.id,
                statement_id=c.statement_id,
                author=name,
                author_kind=_kind(kind),
                text=c.text,
                created_at=c.created_at,
            )
        )
    rows = repo.statements(plan.id)
    statements = [
        VisionStatementOut(
            id=s.id,
            kind=s.kind.value,
            text=s.text,
            author=name,
            author_kind=_kind(kind),
            created_at=s.created_at,
            comments=comments.get(s.id, []),
        )
        for s, name, kind in rows
    ]
    agreed_at = repo.agreements(plan.id)
    members = PlanRepository(session).members(plan.id, Capacity.WORKING_PARTY)
    facts = facts_for(session, plan.id, now)
    contributed = {m.kind for m in facts.members if m.contributed}
    authors = {s.author_id for s, _, _ in rows}
    viewer_is_member = any(person.id == viewer_id for _, person in members)
    open_ = plan.stage is Stage.VISION
    return VisionView(
        plan_id=plan.id,
        title=plan.title,
        stage=plan.stage.value,
        stage_label=plan.stage.label,
        open=open_,
        aspirations=[s for s in statements if s.kind == StatementKind.ASPIRATION.value],
        current_state=[s for s in statements if s.kind == StatementKind.CURRENT_STATE.value],
        members=[
            VisionMemberOut(
                name=person.name,
                kind=_kind(member.member_kind),
                contributed=person.id in authors,
                agreed_at=agreed_at.get(person.id),
            )
            for member, person in members
        ],
        agreed=[person.name for _, person in members if person.id in agreed_at],
        not_agreed=[person.name for _, person in members if person.id not in agreed_at],
        citizens_contributed=MemberKind.CITIZEN in contributed,
        staff_contributed=MemberKind.STAFF in contributed,
        reasons=vision_reasons(facts) if open_ else [],
        viewer_is_member=viewer_is_member,
        can_contribute=viewer_is_member and open_,
        my_agreement=agreed_at.get(viewer_id) if viewer_is_member else None,
    )


def my_vision_plans(session: Session, *, person_id: int) -> list[VisionPlanRow]:
    """The plans whose working party the person is on, with the stage and when they agreed the vision."""
    return [
        VisionPlanRow(
            plan_id=plan.id,
            title=plan.title,
            stage=plan.stage.value,
            stage_label=plan.stage.label,
            open=plan.stage is Stage.VISION,
            agreed_at=at,
        )
        for plan, at in VisionRepository(session).plans_of_working_party_member(person_id)
    ]
