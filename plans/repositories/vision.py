"""All SQL for the vision pages: statements and comments with their authors' names and working-party
kind, who agreed when, and the plans a person helps write a vision for."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from plans.domain.facts import MemberKind
from plans.models import Capacity, Person, Plan, PlanMember, VisionAgreement, VisionComment, VisionStatement


class VisionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def statement(self, plan_id: int, statement_id: int) -> VisionStatement | None:
        """The statement, only if it belongs to the plan (an id from another plan finds nothing)."""
        stmt = select(VisionStatement).where(VisionStatement.plan_id == plan_id, VisionStatement.id == statement_id)
        return self.session.scalar(stmt)

    def add_comment(self, plan_id: int, statement_id: int, author_id: int, text: str, at: datetime) -> VisionComment:
        row = VisionComment(plan_id=plan_id, statement_id=statement_id, author_id=author_id, text=text, created_at=at)
        self.session.add(row)
        self.session.flush()
        return row

    def author(self, plan_id: int, person_id: int) -> tuple[str, MemberKind | None]:
        """A person's name and their kind on the plan's working party (None when not on it)."""
        stmt = (
            select(Person.name, PlanMember.member_kind)
            .outerjoin(
                PlanMember,
                (PlanMember.person_id == Person.id)
                & (PlanMember.plan_id == plan_id)
                & (PlanMember.capacity == Capacity.WORKING_PARTY),
            )
            .where(Person.id == person_id)
        )
        row = self.session.execute(stmt).one()
        return row[0], row[1]

    def statements(self, plan_id: int) -> list[tuple[VisionStatement, str, MemberKind | None]]:
        """Every statement in the order written, with its author's name and working-party kind (None
        when the author is no longer on the working party)."""
        stmt = (
            select(VisionStatement, Person.name, PlanMember.member_kind)
            .join(Person, Person.id == VisionStatement.author_id)
            .outerjoin(
                PlanMember,
                (PlanMember.plan_id == VisionStatement.plan_id)
                & (PlanMember.person_id == VisionStatement.author_id)
                & (PlanMember.capacity == Capacity.WORKING_PARTY),
            )
            .where(VisionStatement.plan_id == plan_id)
            .order_by(VisionStatement.created_at, VisionStatement.id)
        )
        return [(s, name, kind) for s, name, kind in self.session.execute(stmt)]

    def comments(self, plan_id: int) -> list[tuple[VisionComment, str, MemberKind | None]]:
        """Every comment on the plan's statements in the order written, with author name and kind."""
        stmt = (
            select(VisionComment, Person.name, PlanMember.member_kind)
            .join(Person, Person.id == VisionComment.author_id)
            .outerjoin(
                PlanMember,
                (PlanMember.plan_id == VisionComment.plan_id)
                & (PlanMember.person_id == VisionComment.author_id)
                & (PlanMember.capacity == Capacity.WORKING_PARTY),
            )
            .where(VisionComment.plan_id == plan_id)
            .order_by(VisionComment.created_at, VisionComment.id)
        )
        return [(c, name, kind) for c, name, kind in self.session.execute(stmt)]

    def agreements(self, plan_id: int) -> dict[int, datetime]:
        """When each person who agreed the plan's vision did so."""
        stmt = select(VisionAgreement.person_id, VisionAgreement.agreed_at).where(VisionAgreement.plan_id == plan_id)
        return {person_id: at for person_id, at in self.session.execute(stmt)}

    def plans_of_working_party_member(self, person_id: int) -> list[tuple[Plan, datetime | None]]:
        """The plans whose working party the person is on, newest first, with when they agreed."""
        stmt = (
            select(Plan, VisionAgreement.agreed_at)
            .join(PlanMember, PlanMember.plan_id == Plan.id)
            .outerjoin(
                VisionAgreement,
                (VisionAgreement.plan_id == Plan.id) & (VisionAgreement.person_id == person_id),
            )
            .where(PlanMember.person_id == person_id, PlanMember.capacity == Capacity.WORKING_PARTY)
            .order_by(Plan.id.desc())
        )
        return [(plan, at) for plan, at in self.session.execute(stmt)]
