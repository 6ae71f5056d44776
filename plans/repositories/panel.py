"""All SQL for the citizen panel beyond what the evaluation and survey repositories hold: the checkpoints
already recorded (never those still to come), what has been published to the panel, the panel's members
and their reviews with names, and the coordinator's answer written at most once."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from plans.domain.stages import Stage
from plans.models import (
    Capacity,
    Checkpoint,
    PanelPublication,
    PanelReview,
    Person,
    Plan,
    PlanMember,
    SurveyFinding,
    SurveyResponseRate,
    Verdict,
)


class PanelRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def recorded_checkpoints(self, plan_id: int) -> Sequence[Checkpoint]:
        """The plan's formative checkpoints that have a report, in order."""
        stmt = (
            select(Checkpoint)
            .where(Checkpoint.plan_id == plan_id, Checkpoint.recorded_at.is_not(None))
            .order_by(Checkpoint.number)
        )
        return self.session.scalars(stmt).all()

    def reviews(self, plan_id: int) -> list[tuple[PanelReview, str, str | None]]:
        """The plan's panel reviews, oldest first, with the reviewer's name and the responder's (if any)."""
        member, responder = aliased(Person), aliased(Person)
        stmt = (
            select(PanelReview, member.name, responder.name)
            .join(member, member.id == PanelReview.member_id)
            .outerjoin(responder, responder.id == PanelReview.responded_by_id)
            .where(PanelReview.plan_id == plan_id)
            .order_by(PanelReview.at, PanelReview.id)
        )
        return [(r, name, by) for r, name, by in self.session.execute(stmt)]

    def publications(self, plan_id: int) -> Sequence[PanelPublication]:
        """What the plan has published to its panel, in the order it was published."""
        stmt = (
            select(PanelPublication)
            .where(PanelPublication.plan_id == plan_id)
            .order_by(PanelPublication.published_at, PanelPublication.id)
        )
        return self.session.scalars(stmt).all()

    def publication(self, plan_id: int, output: str) -> PanelPublication | None:
        stmt = select(PanelPublication).where(PanelPublication.plan_id == plan_id, PanelPublication.output == output)
        return self.session.scalar(stmt)

    def add_publication(self, row: PanelPublication) -> tuple[PanelPublication, bool]:
        """Insert unless the output is published already; (the publication, created?). The unique
        (plan, output) decides a race: the loser gets the winner's row back."""
        existing = self.publication(row.plan_id, row.output)
        if existing is not None:
            return existing, False
        try:
            with self.session.begin_nested():
                self.session.add(row)
                self.session.flush()
        except IntegrityError:
            existing = self.publication(row.plan_id, row.output)
            if existing is None:
                raise
            return existing, False
        return row, True

    def add_review(self, row: PanelReview) -> bool:
        """Insert a review unless the member has reviewed that output already (the unique key decides)."""
        try:
            with self.session.begin_nested():
                self.session.add(row)
                self.session.flush()
        except IntegrityError:
            return False
        return True

    def answer(self, review_id: int, *, response: str, by: int | None, at: datetime) -> bool:
        """Write the response to a review that has none; False when one was written first (one UPDATE,
        so two coordinators answering at once cannot both succeed)."""
        stmt = (
            update(PanelReview)
            .where(PanelReview.id == review_id, PanelReview.response.is_(None))
            .values(response=response, responded_by_id=by, responded_at=at)
            .execution_options(synchronize_session=False)
        )
        done = self.session.execute(stmt).rowcount == 1  # type: ignore[attr-defined]
        if done:
            row = self.session.get(PanelReview, review_id)
            if row is not None:
                self.session.refresh(row)
        return done

    def members(self, plan_id: int) -> list[Person]:
        """The plan's citizen panel, by name."""
        stmt = (
            select(Person)
            .join(PlanMember, PlanMember.person_id == Person.id)
            .where(PlanMember.plan_id == plan_id, PlanMember.capacity == Capacity.CITIZEN_PANEL)
            .order_by(Person.name, Person.id)
        )
        return list(self.session.scalars(stmt))

    def person(self, person_id: int) -> Person | None:
        return self.session.get(Person, person_id)

    def organisation_rate(self, survey_id: int) -> SurveyResponseRate | None:
        """The survey's whole-organisation response rate as its analysis stored it (with its change)."""
        stmt = select(SurveyResponseRate).where(
            SurveyResponseRate.survey_id == survey_id, SurveyResponseRate.breakdown == "organisation"
        )
        return self.session.scalars(stmt.order_by(SurveyResponseRate.id)).first()

    def awaiting_member(self, person_id: int, stages: Iterable[Stage]) -> list[tuple[int, str, PanelPublication]]:
        """(plan id, plan title, publication) for every output published to a panel the person sits on, in
        a plan at one of ``stages``, that they have not reviewed yet; oldest first."""
        mine = exists().where(
            PanelReview.plan_id == PanelPublication.plan_id,
            PanelReview.output == PanelPublication.output,
            PanelReview.member_id == person_id,
        )
        stmt = (
            select(Plan.id, Plan.title, PanelPublication)
            .join(PanelPublication, PanelPublication.plan_id == Plan.id)
            .join(PlanMember, PlanMember.plan_id == Plan.id)
            .where(
                PlanMember.person_id == person_id,
                PlanMember.capacity == Capacity.CITIZEN_PANEL,
                Plan.stage.in_(list(stages)),
                ~mine,
            )
            .order_by(PanelPublication.published_at, PanelPublication.id)
        )
        return [(plan_id, title, row) for plan_id, title, row in self.session.execute(stmt)]

    def challenges_awaiting(self, coordinator_id: int) -> list[tuple[int, str, PanelReview, str]]:
        """(plan id, plan title, review, member's name) for every unanswered challenge on a plan the person
        coordinates; oldest first."""
        stmt = (
            select(Plan.id, Plan.title, PanelReview, Person.name)
            .join(PanelReview, PanelReview.plan_id == Plan.id)
            .join(Person, Person.id == PanelReview.member_id)
            .where(
                Plan.coordinator_id == coordinator_id,
                PanelReview.verdict == Verdict.CHALLENGE,
                PanelReview.response.is_(None),
            )
            .order_by(PanelReview.at, PanelReview.id)
        )
        return [(plan_id, title, row, name) for plan_id, title, row, name in self.session.execute(stmt)]

    def has_findings(self, survey_id: int) -> bool:
        """Whether the survey's analysis has stored its findings."""
        stmt = select(func.count()).select_from(SurveyFinding).where(SurveyFinding.survey_id == survey_id)
        return bool(self.session.scalar(stmt))
