"""The learning and development plan and the recommendations it delivers, through the services on SQLite
and PostgreSQL: documents saved whole and read back as written, ids kept across edits, and bad input
(objectives without a measure or past the plan's end, owners, recommendations, findings and themes of
another plan) refused with every field named and nothing written."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from plans.db import session_scope
from plans.domain.errors import NotPermitted, StageLocked
from plans.domain.learning_plan import DocumentRefused
from plans.models import AuditEvent, EvidenceLink, LearningActivity, Objective, ObjectiveRecommendation, Plan, utcnow
from plans.schemas import RecommendationIn
from plans.schemas_learning import AimIn, LearningPlanIn
from plans.services import learning_plan
from plans.services.plan_document import content_hash
from tests.conftest import SMALL_PLAN, Database
from tests.learning_world import (
    add_workshop,
    at_recommendations,
    document,
    draft,
    other_plan_file,
    person_id,
    recommendation_ids,
    two_recommendations,
)
from tests.support import create

CORA, DAN = "cora@small.example", "dan@small.example"


def _state(plan_id: int) -> tuple[object, ...]:
    """Everything an edit could write, to show a refused one wrote nothing."""
    with session_scope() as s:
        plan = s.get(Plan, plan_id)
        assert plan is not None
        counts = [
            s.scalar(select(func.count()).select_from(m))
            for m in (Objective, LearningActivity, ObjectiveRecommendation)
        ]
        events = s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.plan_id == plan_id))
        return plan.version, content_hash(s, plan_id), *counts, events


def _save(plan_id: int, people: object, doc: LearningPlanIn) -> int:
    with session_scope() as s:
        return learning_plan.save_learning_plan(
            s,
            plan_id=plan_id,
            actor=people.coordinator,
            document=doc,
            now=utcnow(),  # type: ignore[attr-defined]
        )


def _read(plan_id: int) -> learning_plan.LearningPlanOut:
    with session_scope() as s:
        return learning_plan.learning_plan(s, plan_id=plan_id)


class TestRecommendationIds:
    def test_ids_survive_edits_and_removed_ones_take_their_links(self, db: Database) -> None:
        plan_id, people = at_recommendations()
        workshop = add_workshop(plan_id)
        close, build = two_recommendations(plan_id, people, workshop.themes["Show what was done"])
        doc = document([close, build], person_id(CORA))
        doc.objectives[0].recommendation_ids = [close, build]
        _save(plan_id, people, doc)
        draft(
            plan_id,
            people,
            [
                RecommendationIn(title="New one first", evidence=["finding:E1"]),
                RecommendationIn(id=close, title="Close the loop, renamed", evidence=["finding:K1"]),
            ],
        )
        new, kept = recommendation_ids(plan_id)
        assert kept == close and new not in (close, build)
        view = _read(plan_id)
        assert [r.title for r in view.recommendations] == ["New one first", "Close the loop, renamed"]
        assert view.objectives[0].recommendation_ids == [close]  # the removed one's link went with it
        assert [r.id for r in view.undelivered] == [new]
        with session_scope() as s:
            refs = s.scalars(select(EvidenceLink.ref).where(EvidenceLink.recommendation_id == close)).all()
            assert refs == ["K1"]
            assert (
                s.scalar(select(func.count()).select_from(EvidenceLink).where(EvidenceLink.recommendation_id == build))
                == 0
            )

    def test_ids_and_evidence_of_another_plan_are_refused_naming_the_row(self, db: Database, tmp_path: Path) -> None:
        plan_id, people = at_recommendations()
        workshop = add_workshop(plan_id)
        close, _ = two_recommendations(plan_id, people, workshop.themes["Show what was done"])
        other_id, other_people = at_recommendations(other_plan_file(tmp_path))
        theirs = add_workshop(other_id, "Their workshop").themes["Show what was done"]
        their_rec = two_recommendations(other_id, other_people, theirs, "X1")[0]
        before = _state(plan_id)
        with pytest.raises(DocumentRefused) as refused:
            draft(
                plan_id,
                people,
                [
                    RecommendationIn(id=close, title="Mine", evidence=[f"theme:{theirs}"]),
                    RecommendationIn(id=their_rec, title="Theirs", evidence=["finding:X1"]),
                    RecommendationIn(id=close, title="Twice", evidence=["finding:K1", "theme:Listening"]),
                ],
            )
        assert [str(p) for p in refused.value.problems] == [
            f"recommendations[0].id: recommendation {close} is given more than once",
            f"recommendations[0].evidence: 'theme:{theirs}' names no workshop theme of this plan "
            "(cite a theme by its number: theme:12)",
            f"recommendations[1].id: there is no recommendation {their_rec} in this plan",
            "recommendations[1].evidence: 'finding:X1' names no question of this plan's baseline survey",
            f"recommendations[2].id: recommendation {close} is given more than once",
            "recommendations[2].evidence: 'theme:Listening' names no workshop theme of this plan "
            "(cite a theme by its number: theme:12)",
        ]
        assert _state(plan_id) == before


class TestSaveLearningPlan:
    def test_a_document_is_saved_and_read_back_as_written(self, db: Database) -> None:
        plan_id, people = at_recommendations()
        workshop = add_workshop(plan_id)
        rec_ids = two_recommendations(plan_id, people, workshop.themes["Show what was done"])
        assert _save(plan_id, people, document(rec_ids, person_id(CORA))) == 1
        view = _read(plan_id)
        assert (view.starts_on, view.ends_on) == (date(2027, 1, 4), date(2028, 1, 3))
        written = document(rec_ids, person_id(CORA)).model_dump(exclude={"aims": {0: {"id"}}})
        read = LearningPlanIn(aims=view.aims, objectives=view.objectives).model_dump()
        assert read["aims"][0].pop("id") and read["objectives"][0].pop("id")
        assert read["objectives"][0]["activities"][0].pop("id")
        written["objectives"][0].pop("id"), written["objectives"][0]["activities"][0].pop("id")
        assert read == written
        assert [r.title for r in view.undelivered] == ["Build confidence"]
        assert "Cora Coordinator" in [p.name for p in view.people] and "Dan Director" not in [
            p.name for p in view.people
        ]
        with session_scope() as s:
            event = s.scalars(select(AuditEvent).where(AuditEvent.kind == "learning_plan_edited")).one()
            assert event.data == {"edit": "document", "aims": 1, "objectives": 1, "activities": 1}

    def test_ids_are_kept_and_left_out_rows_removed(self, db: Database) -> None:
        plan_id, people = at_recommendations()
        rec_ids = two_recommendations(plan_id, people, add_workshop(plan_id).themes["Show what was done"])
        _save(plan_id, people, document(rec_ids, person_id(CORA)))
        first = _read(plan_id)
        doc = LearningPlanIn(aims=first.aims, objectives=first.objectives)
        doc.objectives[0].text = "Every team reports back within a month"
        second = document(rec_ids, person_id(CORA)).objectives[0]
        second.recommendation_ids = [rec_ids[1]]
        doc.objectives.append(second)
        _save(plan_id, people, doc)
        view = _read(plan_id)
        assert view.objectives[0].id == first.objectives[0].id and view.aims[0].id == first.aims[0].id
        assert view.objectives[0].activities[0].id == first.objectives[0].activities[0].id
        assert view.objectives[0].text == "Every team reports back within a month" and view.undelivered == []
        with session_scope() as s:
            learning_plan.remove_objective(
                s, plan_id=plan_id, actor=people.coordinator, objective_id=view.objectives[0].id, now=utcnow()
            )
        view = _read(plan_id)
        assert [o.recommendation_ids for o in view.objectives] == [[rec_ids[1]]]
        with session_scope() as s:
            assert s.scalar(select(func.count()).select_from(LearningActivity)) == 1

    def test_bad_fields_are_all_named_and_nothing_is_written(self, db: Database, tmp_path: Path) -> None:
        plan_id, people = at_recommendations()
        rec_ids = two_recommendations(plan_id, people, add_workshop(plan_id).themes["Show what was done"])
        other_id, other_people = at_recommendations(other_plan_file(tmp_path))
        their_rec = two_recommendations(
            other_id, other_people, add_workshop(other_id, "Theirs").themes["Show what was done"], "X1"
        )[0]
        good = document(rec_ids, person_id(CORA)).objectives[0]
        doc = LearningPlanIn(
            aims=[AimIn(title="Everyone closes the loop")],
            objectives=[
                good.model_copy(update={"measure": ""}),
                good.model_copy(update={"owner_id": person_id(DAN), "recommendation_ids": [their_rec]}),
                good.model_copy(update={"due_on": date(2028, 6, 1)}),
            ],
        )
        before = _state(plan_id)
        with pytest.raises(DocumentRefused) as refused:
            _save(plan_id, people, doc)
        assert [str(p) for p in refused.value.problems] == [
            "objectives[0].measure: required",
            f"objectives[1].owner_id: person {person_id(DAN)} is not a person of this plan",
            f"objectives[1].recommendation_ids: recommendation {their_rec} is not a recommendation of this plan",
            "objectives[2].due_on: 2028-06-01 is after the plan's 12 months end on 2028-01-03",
        ]
        assert _state(plan_id) == before

    def test_an_aim_with_objectives_cannot_be_dropped(self, db: Database) -> None:
        plan_id, people = at_recommendations()
        rec_ids = two_recommendations(plan_id, people, add_workshop(plan_id).themes["Show what was done"])
        _save(plan_id, people, document(rec_ids, person_id(CORA)))
        kept = _read(plan_id).aims[0]
        before = _state(plan_id)
        with pytest.raises(DocumentRefused, match="still has 1 objective"), session_scope() as s:
            learning_plan.save_aims(
                s, plan_id=plan_id, actor=people.coordinator, aims=[AimIn(title="Another")], now=utcnow()
            )
        assert _state(plan_id) == before
        with session_scope() as s:  # a new aim first: the objective stays under its own aim
            learning_plan.save_aims(
                s, plan_id=plan_id, actor=people.coordinator, aims=[AimIn(title="Another"), kept], now=utcnow()
            )
        view = _read(plan_id)
        assert [a.title for a in view.aims] == ["Another", kept.title] and view.objectives[0].aim == 1


class TestWhoAndWhen:
    def test_only_coordinators_and_only_while_the_document_is_editable(self, db: Database) -> None:
        plan_id, people = create(SMALL_PLAN)
        with pytest.raises(StageLocked, match="learning and development plan can be edited only"):
            _save(plan_id, people, LearningPlanIn())
        with pytest.raises(NotPermitted, match="coordinator"), session_scope() as s:
            learning_plan.save_learning_plan(
                s, plan_id=plan_id, actor=people.approvers[0], document=LearningPlanIn(), now=utcnow()
            )

    def test_an_edit_after_the_version_was_sent_makes_a_new_version(self, db: Database) -> None:
        plan_id, people = at_recommendations()
        rec_ids = two_recommendations(plan_id, people, add_workshop(plan_id).themes["Show what was done"])
        with session_scope() as s:  # as sending version 1 for sign-off leaves it
            plan = s.get(Plan, plan_id)
            assert plan is not None
            plan.version_frozen = True
        assert _save(plan_id, people, document(rec_ids, person_id(CORA))) == 2
        with session_scope() as s:
            kinds = s.scalars(
                select(AuditEvent.kind).where(AuditEvent.plan_id == plan_id).order_by(AuditEvent.id)
            ).all()
        assert kinds[-2:] == ["version_created", "learning_plan_edited"]
