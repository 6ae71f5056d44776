"""The learning plan's rules (plans/domain/learning_plan.py): the plan's 12 months against an independent
statement of them, each SMART and activity rule alone, and random documents whose expected problems are
worked out here field by field, never by the module under test."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plans.domain.errors import InvalidInput
from plans.domain.learning_plan import (
    MAX_CAPACITY,
    ActivityDraft,
    AimDraft,
    DocumentRefused,
    LearningPlanDraft,
    ObjectiveDraft,
    PlanContext,
    check_document,
    document_problems,
    plan_year,
)

START = date(2026, 4, 1)
YEAR = plan_year(START)
CTX = PlanContext(
    year=YEAR,
    people=frozenset({1, 2}),
    recommendations=frozenset({10, 11}),
    aim_ids=frozenset({100}),
    objective_ids=frozenset({200, 201}),
    activity_ids=frozenset({300}),
)
ACTIVITY = ActivityDraft(None, "Induction module", "knowledge", "e-learning", "all staff", START, START, 40)
OBJECTIVE = ObjectiveDraft(
    None, 0, "Staff know what coproduction means", "survey K1", "40%", "70%", 1, date(2027, 3, 31), (10,), (ACTIVITY,)
)
GOOD = LearningPlanDraft((AimDraft(None, "Everyone involves citizens"),), (OBJECTIVE,))


def expected_last_day(start: date) -> date:
    """The day before the same date a year on; a 29 February start ends the day before 28 February."""
    try:
        anniversary = start.replace(year=start.year + 1)
    except ValueError:  # 29 February, and next year has none
        anniversary = date(start.year + 1, 2, 28)
    return anniversary - timedelta(days=1)


def problems(doc: LearningPlanDraft, ctx: PlanContext = CTX) -> list[str]:
    return [str(p) for p in document_problems(doc, ctx)]


def with_objective(**changes: object) -> LearningPlanDraft:
    return replace(GOOD, objectives=(replace(OBJECTIVE, **changes),))  # type: ignore[arg-type]


def with_activity(**changes: object) -> LearningPlanDraft:
    return with_objective(activities=(replace(ACTIVITY, **changes),))  # type: ignore[arg-type]


class TestPlanYear:
    @given(st.dates(date(1990, 1, 1), date(2200, 12, 31)), st.integers(-800, 800))
    def test_a_day_is_inside_exactly_when_it_falls_in_the_12_months(self, start: date, offset: int) -> None:
        day = start + timedelta(days=offset)
        year = plan_year(start)
        inside = start <= day <= expected_last_day(start)
        assert (year.where(day) is None) == inside
        if not inside:
            assert (year.where(day) or "").startswith(day.isoformat())

    @given(st.dates(date(1990, 1, 1), date(2200, 12, 31)))
    def test_the_12_months_are_a_year_long(self, start: date) -> None:
        year = plan_year(start)
        assert year.first == start and year.last == expected_last_day(start)
        assert (year.last - year.first).days + 1 in (365, 366)
        assert year.where(year.first) is None and year.where(year.last) is None
        assert year.where(year.last + timedelta(days=1)) is not None
        assert year.where(year.first - timedelta(days=1)) is not None

    def test_the_messages_name_the_ends(self) -> None:
        assert YEAR.last == date(2027, 3, 31)
        assert YEAR.where(date(2027, 6, 1)) == "2027-06-01 is after the plan's 12 months end on 2027-03-31"
        assert YEAR.where(date(2026, 3, 31)) == "2026-03-31 is before the plan's 12 months start on 2026-04-01"


class TestObjective:
    def test_a_good_document_has_no_problems(self) -> None:
        assert problems(GOOD) == []
        check_document(GOOD, CTX)
        assert problems(LearningPlanDraft()) == []

    @pytest.mark.parametrize("name", ["text", "measure", "baseline", "target"])
    def test_each_smart_part_is_required(self, name: str) -> None:
        assert problems(with_objective(**{name: "  "})) == [f"objectives[0].{name}: required"]

    def test_the_due_date_is_within_the_12_months(self) -> None:
        doc = replace(GOOD, objectives=(OBJECTIVE, OBJECTIVE, replace(OBJECTIVE, due_on=date(2027, 6, 1))))
        assert problems(doc) == ["objectives[2].due_on: 2027-06-01 is after the plan's 12 months end on 2027-03-31"]
        assert problems(with_objective(due_on=None)) == ["objectives[0].due_on: required"]

    def test_the_owner_is_a_person_of_the_plan(self) -> None:
        assert problems(with_objective(owner_id=7)) == ["objectives[0].owner_id: person 7 is not a person of this plan"]
        assert problems(with_objective(owner_id=None)) == ["objectives[0].owner_id: required"]

    def test_it_delivers_recommendations_of_this_plan(self) -> None:
        assert problems(with_objective(recommendation_ids=())) == [
            "objectives[0].recommendation_ids: required: an objective delivers at least one recommendation"
        ]
        assert problems(with_objective(recommendation_ids=(10, 99, 99))) == [
            "objectives[0].recommendation_ids: recommendation 99 is not a recommendation of this plan"
        ]

    def test_it_sits_under_an_aim_of_the_document(self) -> None:
        assert problems(with_objective(aim=1)) == [
            "objectives[0].aim: there is no aim 1 (the plan has 1 aim(s), numbered from 0)"
        ]
        assert problems(with_objective(aim=None)) == ["objectives[0].aim: required"]


class TestActivity:
    def test_kind_format_audience_and_title_are_required(self) -> None:
        assert problems(with_activity(title="", kind=None, format=" ", audience="")) == [
            "objectives[0].activities[0].title: required",
            "objectives[0].activities[0].kind: required: one of skills, knowledge, experience",
            "objectives[0].activities[0].format: required",
            "objectives[0].activities[0].audience: required",
        ]
        assert problems(with_activity(kind="fun")) == [
            "objectives[0].activities[0].kind: 'fun' is not one of skills, knowledge, experience"
        ]

    def test_dates_inside_the_12_months_and_in_order(self) -> None:
        assert problems(with_activity(starts_on=date(2027, 2, 1), ends_on=date(2027, 1, 31))) == [
            "objectives[0].activities[0].ends_on: 2027-01-31 is before the activity starts on 2027-02-01"
        ]
        assert problems(with_activity(starts_on=None, ends_on=date(2027, 4, 1))) == [
            "objectives[0].activities[0].starts_on: required",
            "objectives[0].activities[0].ends_on: 2027-04-01 is after the plan's 12 months end on 2027-03-31",
        ]

    @given(st.integers(-(2**31), 2**31 - 1))
    def test_capacity_is_at_least_one_place(self, capacity: int) -> None:
        found = problems(with_activity(capacity=capacity))
        assert (found == []) == (1 <= capacity <= MAX_CAPACITY)
        assert all(p.startswith("objectives[0].activities[0].capacity: ") for p in found)


class TestIds:
    def test_kept_rows_name_ids_of_this_plan_once(self) -> None:
        doc = LearningPlanDraft(
            (AimDraft(100, "Kept"), AimDraft(999, "Another plan's")),
            (
                replace(OBJECTIVE, id=200, activities=(replace(ACTIVITY, id=300), replace(ACTIVITY, id=301))),
                replace(OBJECTIVE, id=200, activities=(replace(ACTIVITY, id=300),)),
            ),
        )
        assert problems(doc) == [
            "aims[1].id: there is no aim 999 in this plan",
            "objectives[0].id: objective 200 is given more than once",
            "objectives[0].activities[0].id: activity 300 is given more than once",
            "objectives[0].activities[1].id: there is no activity 301 in this plan",
            "objectives[1].id: objective 200 is given more than once",
            "objectives[1].activities[0].id: activity 300 is given more than once",
        ]


class TestWholeDocument:
    def test_every_problem_at_once_in_document_order(self) -> None:
        doc = LearningPlanDraft(
            (AimDraft(None, ""),),
            (
                replace(OBJECTIVE, measure=""),
                OBJECTIVE,
                replace(OBJECTIVE, due_on=date(2027, 6, 1), activities=(replace(ACTIVITY, capacity=0),)),
            ),
        )
        with pytest.raises(DocumentRefused) as refused:
            check_document(doc, CTX)
        assert isinstance(refused.value, InvalidInput)
        assert [str(p) for p in refused.value.problems] == [
            "aims[0].title: required",
            "objectives[0].measure: required",
            "objectives[2].due_on: 2027-06-01 is after the plan's 12 months end on 2027-03-31",
            "objectives[2].activities[0].capacity: 0 places: an activity has between 1 and 100,000 places",
        ]
        assert refused.value.message.startswith("aims[0].title: required; objectives[0].measure: required; ")

    @given(
        st.lists(
            st.tuples(
                st.sampled_from(["", "Staff know"]),  # text
                st.sampled_from(["", "K1"]),  # measure
                st.sampled_from([None, 1, 2, 3]),  # owner
                st.sampled_from([None, date(2026, 3, 31), date(2026, 4, 1), date(2027, 3, 31), date(2027, 4, 1)]),
                st.lists(st.sampled_from([10, 11, 12]), max_size=3),  # recommendations
                st.lists(st.tuples(st.sampled_from([None, 0, 1, 5]), st.sampled_from(["skills", "x"])), max_size=2),
            ),
            max_size=4,
        )
    )
    def test_random_documents_get_exactly_their_problems(self, rows: list[tuple]) -> None:  # type: ignore[type-arg]
        objectives, expected = [], []
        for i, (text, measure, owner, due, recs, acts) in enumerate(rows):
            activities = tuple(replace(ACTIVITY, capacity=c, kind=k) for c, k in acts)
            objectives.append(
                replace(
                    OBJECTIVE,
                    text=text,
                    measure=measure,
                    owner_id=owner,
                    due_on=due,
                    recommendation_ids=tuple(recs),
                    activities=activities,
                )
            )
            at = f"objectives[{i}]"
            expected += [f"{at}.text"] if not text else []
            expected += [f"{at}.measure"] if not measure else []
            expected += [f"{at}.owner_id"] if owner not in (1, 2) else []
            expected += [f"{at}.due_on"] if due is None or not date(2026, 4, 1) <= due <= date(2027, 3, 31) else []
            expected += [f"{at}.recommendation_ids"] if not recs else []
            expected += [f"{at}.recommendation_ids"] if 12 in recs else []
            for j, (capacity, kind) in enumerate(acts):
                expected += [f"{at}.activities[{j}].kind"] if kind != "skills" else []
                expected += [f"{at}.activities[{j}].capacity"] if capacity is None or capacity < 1 else []
        found = document_problems(replace(GOOD, objectives=tuple(objectives)), CTX)
        assert [p.path for p in found] == expected
