"""Delivery's pure rules: when owners are asked and their evidence is due, where a request stands, what
each type of evidence must say, progress updates and what the dates suggest, milestone lateness and the
formative report's evidence summary. Exhaustive over the small spaces, Hypothesis over the rest, and
checked against statements written out independently here."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plans.domain.delivery import (
    CheckpointState,
    EvidenceFields,
    EvidenceType,
    PlanYear,
    Rag,
    RequestState,
    ask_on,
    check_evidence,
    checkpoints_to_ask,
    evidence_due_on,
    format_figure,
    normalise_unit,
    plan_year,
    request_status,
    scale_of,
    summarise_evidence,
)
from plans.domain.progress import (
    MilestoneState,
    done_problems,
    expected_percent,
    milestone_problems,
    milestone_status,
    progress_problems,
    rag_counts,
    suggested_rag,
)
from plans.models import EvidenceType as ModelEvidenceType
from plans.models import Rag as ModelRag

D = date(2027, 4, 4)
days = st.integers(min_value=-400, max_value=400).map(lambda n: D + timedelta(days=n))


def fields_of(problems: list[tuple[str, str]]) -> list[str]:
    return [f for f, _ in problems]


class TestTypes:
    def test_the_models_store_the_rules_types(self) -> None:
        assert ModelEvidenceType is EvidenceType and ModelRag is Rag

    def test_levels_are_kirkpatricks(self) -> None:
        assert {t.value: t.level for t in EvidenceType} == {
            "attendance": None,
            "reaction": 1,
            "learning": 2,
            "behaviour": 3,
            "results": 4,
            "quote": None,
            "story": None,
        }
        assert all(t.label for t in EvidenceType)


class TestAsking:
    def test_ask_on_is_lead_days_before(self) -> None:
        assert ask_on(D, 14) == date(2027, 3, 21)
        assert ask_on(D, 0) == D

    @settings(max_examples=200)
    @given(
        st.lists(st.tuples(days, st.booleans()), max_size=6),
        days,
        st.integers(min_value=0, max_value=60),
    )
    def test_checkpoints_to_ask_are_the_unrecorded_inside_their_window(
        self, cps: list[tuple[date, bool]], today: date, lead: int
    ) -> None:
        states = [CheckpointState(n, due, recorded) for n, (due, recorded) in enumerate(cps, start=1)]
        asked = checkpoints_to_ask(states, today, lead)
        expected = [n for n, (due, rec) in enumerate(cps, start=1) if not rec and (due - today).days <= lead]
        assert asked == expected

    @given(days, days, st.integers(min_value=0, max_value=30))
    def test_evidence_is_due_by_the_checkpoint_but_with_min_days_to_answer(
        self, due: date, asked: date, min_days: int
    ) -> None:
        on = evidence_due_on(due, asked, min_days)
        assert on >= due and (on - asked).days >= min_days
        assert on in (due, asked + timedelta(days=min_days))

    def test_asked_in_good_time_the_checkpoint_is_the_deadline(self) -> None:
        assert evidence_due_on(D, D - timedelta(days=14), 7) == D
        assert evidence_due_on(D, D + timedelta(days=30), 7) == D + timedelta(days=37)


class TestRequestStatus:
    @pytest.mark.parametrize("answered", [False, True])
    @pytest.mark.parametrize("items", [0, 1, 3])
    @pytest.mark.parametrize("recorded", [False, True])
    @pytest.mark.parametrize("offset", [-3, 0, 1, 9])
    def test_every_combination(self, answered: bool, items: int, recorded: bool, offset: int) -> None:
        today = D + timedelta(days=offset)
        s = request_status(due_on=D, answered=answered, items=items, checkpoint_recorded=recorded, today=today)
        if answered:
            assert s.state is (RequestState.EVIDENCE if items else RequestState.NOTHING)
        elif recorded:
            assert s.state is RequestState.UNANSWERED
        elif offset > 0:
            assert s.state is RequestState.OVERDUE and s.days_overdue == offset
        else:
            assert s.state is RequestState.WAITING
        assert s.words

    def test_words(self) -> None:
        one = request_status(due_on=D, answered=False, items=0, checkpoint_recorded=False, today=D + timedelta(1))
        assert one.words == "Overdue by 1 day"
        nine = request_status(due_on=D, answered=False, items=0, checkpoint_recorded=False, today=D + timedelta(9))
        assert nine.words == "Overdue by 9 days"


def ev(kind: str, summary: str = "Said so", **kw: object) -> EvidenceFields:
    return EvidenceFields(kind, summary, **kw)  # type: ignore[arg-type]


class TestUnits:
    @pytest.mark.parametrize(
        ("unit", "stored", "scale"),
        [
            ("%", "%", (0, 100)),
            (" percent ", "%", (0, 100)),
            ("Per  cent", "%", (0, 100)),
            ("out of 5", "out of 5", (0, 5)),
            ("Out Of  10", "out of 10", (0, 10)),
            ("/7", "out of 7", (0, 7)),
            ("complaints a month", "complaints a month", None),
            ("", "", None),
        ],
    )
    def test_normalised_and_scaled(self, unit: str, stored: str, scale: tuple[int, int] | None) -> None:
        assert normalise_unit(unit) == stored
        assert scale_of(unit) == (None if scale is None else (float(scale[0]), float(scale[1])))


class TestEvidenceChecks:
    def test_a_good_reaction_score(self) -> None:
        tidy, problems = check_evidence(ev("reaction", "  Workshop feedback ", value=4.4, unit="/5", participants=31))
        assert problems == [] and tidy.summary == "Workshop feedback" and tidy.unit == "out of 5"

    @pytest.mark.parametrize(
        ("evidence", "field", "words"),
        [
            (ev("reaction", value=6, unit="out of 5", participants=10), "value", "6 is outside its scale"),
            (ev("reaction", value=-1, unit="%", participants=10), "value", "from 0 to 100"),
            (ev("learning", value=140, unit="%", participants=10), "value", "140 is outside its scale"),
            (ev("behaviour", value=140, unit="percent"), "value", "a percentage is from 0 to 100"),
            (ev("results", value=101, unit="%"), "value", "outside its scale"),
            (ev("reaction", value=4, unit="stars", participants=10), "unit", "scale"),
            (ev("reaction", value=4, unit="out of 1", participants=10), "unit", "out of 2 to out of 100"),
            (ev("reaction", value=4, unit="out of 500", participants=10), "unit", "out of 2 to out of 100"),
            (ev("reaction", unit="out of 5", participants=10), "value", "give the score"),
            (ev("learning", value=80, unit="%"), "participants", "at least 1"),
            (ev("learning", value=80, unit="%", participants=0), "participants", "at least 1"),
            (ev("attendance"), "participants", "how many people attended"),
            (ev("attendance", participants=-4), "participants", "cannot be negative"),
            (ev("attendance", participants=20, value=3), "value", "leave value empty"),
            (ev("quote", value=3), "value", "carries no figure"),
            (ev("story", unit="%"), "unit", "carries no figure"),
            (ev("quote", participants=2), "participants", "carries no figure"),
            (ev("results", value=12), "unit", "what the figure counts"),
            (ev("results", value=math.nan, unit="a month"), "value", "must be a number"),
            (ev("results", value=math.inf, unit="%"), "value", "must be a number"),
            (ev("reaction", "", value=4, unit="out of 5", participants=3), "summary", "say what the evidence is"),
            (ev("story", "x" * 4001), "summary", "4,000 characters"),
            (ev("results", value=1, unit="u" * 61), "unit", "60 characters"),
            (ev("attendance", participants=10**8), "participants", "or fewer"),
            (ev("gossip"), "type", "not a type of evidence"),
        ],
    )
    def test_each_problem_names_its_field(self, evidence: EvidenceFields, field: str, words: str) -> None:
        _, problems = check_evidence(evidence)
        assert field in fields_of(problems), problems
        assert any(words in msg for f, msg in problems if f == field), problems

    def test_every_problem_at_once(self) -> None:
        _, problems = check_evidence(ev("reaction", " ", value=9, unit="out of 5", participants=-1))
        assert sorted(fields_of(problems)) == ["participants", "summary", "value"]

    @settings(max_examples=300)
    @given(
        st.sampled_from(list(EvidenceType)),
        st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
        st.sampled_from(["", "%", "out of 5", "out of 10", "people", "out of 1", "out of 1000"]),
        st.one_of(st.none(), st.integers(min_value=-5, max_value=10**8)),
    )
    def test_accepted_evidence_keeps_every_rule(
        self, kind: EvidenceType, value: float | None, unit: str, participants: int | None
    ) -> None:
        tidy, problems = check_evidence(ev(kind.value, value=value, unit=unit, participants=participants))
        if problems:
            return
        # an independent statement of what accepted evidence looks like
        assert participants is None or 0 <= participants <= 10_000_000
        assert value is None or math.isfinite(value)
        if kind in (EvidenceType.QUOTE, EvidenceType.STORY):
            assert value is None and unit == "" and participants is None
        if kind is EvidenceType.ATTENDANCE:
            assert participants is not None and value is None
        if kind in (EvidenceType.REACTION, EvidenceType.LEARNING):
            assert value is not None and participants and unit in ("%", "out of 5", "out of 10")
        if value is not None and unit == "%":
            assert 0 <= value <= 100
        if value is not None and unit.startswith("out of"):
            assert 0 <= value <= int(unit.split()[-1])
        if value is not None:
            assert tidy.unit


class TestProgress:
    @pytest.mark.parametrize("status", ["red", "amber", "green", "blue"])
    @pytest.mark.parametrize("percent", [None, -1, 0, 50, 100, 140])
    @pytest.mark.parametrize("note", ["", "Two sessions cancelled by the strike."])
    @pytest.mark.parametrize("previous", [None, 40, 60])
    def test_every_combination(self, status: str, percent: int | None, note: str, previous: int | None) -> None:
        problems = dict(progress_problems(status, percent, note, previous))
        assert ("status" in problems) == (status == "blue")
        assert ("percent_complete" in problems) == (percent is None or not 0 <= percent <= 100)
        backwards = percent is not None and previous is not None and percent < previous
        needs_note = status in ("red", "amber") or backwards
        assert ("note" in problems) == (needs_note and not note)
        if "note" in problems and status in ("red", "amber"):
            assert f"why the objective is {status}" in problems["note"]
        elif "note" in problems:
            assert f"down from {previous}% to {percent}%" in problems["note"]

    def test_a_long_note(self) -> None:
        assert fields_of(progress_problems("green", 10, "x" * 2001, None)) == ["note"]


class TestDatesSuggest:
    start, due = date(2027, 1, 1), date(2027, 12, 31)

    def test_expected_percent(self) -> None:
        assert expected_percent(self.start, self.due, self.start) == 0
        assert expected_percent(self.start, self.due, self.due) == 100
        assert expected_percent(self.start, self.due, date(2026, 6, 1)) == 0
        assert round(expected_percent(self.start, self.due, date(2027, 7, 2)), 1) == 50.0
        assert expected_percent(self.start, self.start, self.start) == 100

    @pytest.mark.parametrize(
        ("percent", "today", "overdue", "rag"),
        [
            (50, date(2027, 7, 2), 0, Rag.GREEN),
            (40, date(2027, 7, 2), 0, Rag.GREEN),  # 10 points behind
            (39, date(2027, 7, 2), 0, Rag.AMBER),
            (25, date(2027, 7, 2), 0, Rag.AMBER),  # 25 behind
            (24, date(2027, 7, 2), 0, Rag.RED),
            (50, date(2027, 7, 2), 1, Rag.AMBER),  # on pace but a milestone is overdue
            (30, date(2027, 7, 2), 1, Rag.AMBER),
            (99, date(2028, 1, 1), 0, Rag.RED),  # past its due day unfinished
            (100, date(2028, 3, 1), 3, Rag.GREEN),  # done is done
        ],
    )
    def test_suggested(self, percent: int, today: date, overdue: int, rag: Rag) -> None:
        got = suggested_rag(
            percent=percent, starts_on=self.start, due_on=self.due, today=today, overdue_milestones=overdue
        )
        assert got is rag

    @given(st.integers(min_value=0, max_value=100), days, st.integers(min_value=0, max_value=3))
    def test_more_progress_never_looks_worse(self, percent: int, today: date, overdue: int) -> None:
        def rank(p: int) -> int:
            r = suggested_rag(percent=p, starts_on=self.start, due_on=self.due, today=today, overdue_milestones=overdue)
            return {Rag.GREEN: 0, Rag.AMBER: 1, Rag.RED: 2}[r]

        assert rank(min(100, percent + 1)) <= rank(percent)


class TestMilestones:
    @given(days, st.one_of(st.none(), days), days)
    def test_status(self, due: date, done: date | None, today: date) -> None:
        s = milestone_status(due, done, today)
        if done is not None:
            late = (done - due).days
            assert (s.state, s.days) == ((MilestoneState.DONE_LATE, late) if late > 0 else (MilestoneState.DONE, 0))
        elif today > due:
            assert s.state is MilestoneState.OVERDUE and s.days == (today - due).days
        else:
            left = (due - today).days
            assert s.state is (MilestoneState.DUE_SOON if left <= 14 else MilestoneState.UPCOMING) and s.days == left
        assert s.words

    def test_words(self) -> None:
        assert milestone_status(D, D + timedelta(1), D).words == "Done 1 day late"
        assert milestone_status(D, None, D).words == "Due today"
        assert milestone_status(D, None, D + timedelta(3)).words == "Overdue by 3 days"

    def test_the_plan_year(self) -> None:
        assert plan_year(date(2027, 1, 4)) == PlanYear(date(2027, 1, 4), date(2028, 1, 3))
        assert plan_year(date(2027, 3, 31)).last == date(2028, 3, 30)

    def test_milestone_problems(self) -> None:
        year = plan_year(date(2027, 1, 4))
        assert milestone_problems("Pilot done", date(2027, 6, 1), year) == []
        assert fields_of(milestone_problems(" ", None, year)) == ["title", "due_on"]
        assert fields_of(milestone_problems("x" * 301, date(2027, 6, 1), year)) == ["title"]
        late = milestone_problems("Pilot", date(2028, 1, 4), year)
        assert late == [("due_on", "must be inside the plan's 12 months, 04 January 2027 to 03 January 2028")]
        assert fields_of(milestone_problems("Pilot", date(2027, 1, 3), year)) == ["due_on"]

    def test_done_problems(self) -> None:
        year = plan_year(date(2027, 1, 4))
        assert done_problems(date(2027, 5, 1), year, date(2027, 5, 1)) == []
        assert done_problems(date(2027, 5, 2), year, date(2027, 5, 1)) == [("done_on", "cannot be in the future")]
        assert fields_of(done_problems(date(2027, 1, 3), year, date(2027, 5, 1))) == ["done_on"]
        assert fields_of(done_problems(None, year, date(2027, 5, 1))) == ["done_on"]


class TestSummary:
    def test_by_type_and_level_with_weighted_means(self) -> None:
        items = [
            ev("attendance", participants=20),
            ev("attendance", participants=35),
            ev("reaction", value=4.0, unit="out of 5", participants=10),
            ev("reaction", value=5.0, unit="out of 5", participants=30),
            ev("reaction", value=80, unit="%", participants=12),
            ev("behaviour", value=None, participants=None),
            ev("quote"),
        ]
        s = summarise_evidence(items)
        assert [r.type for r in s.rows] == [
            EvidenceType.ATTENDANCE,
            EvidenceType.REACTION,
            EvidenceType.BEHAVIOUR,
            EvidenceType.QUOTE,
        ]
        assert s.items == 7 and s.attendance == 55 and s.levels == (1, 3)
        reaction = s.rows[1]
        assert reaction.items == 3 and reaction.participants == 52 and reaction.level == 1
        # (4 x 10 + 5 x 30) / 40 = 4.75 -> "4.8"; the percentage is never averaged with the scores
        assert reaction.figures == (
            "mean 80% (1 piece of evidence, 12 people)",
            "mean 4.8 out of 5 (2 pieces of evidence, 40 people)",
        )

    def test_empty(self) -> None:
        s = summarise_evidence([])
        assert s.rows == () and s.items == 0 and s.levels == () and s.attendance == 0

    @given(st.lists(st.tuples(st.floats(0, 5), st.integers(0, 1000)), min_size=1, max_size=8))
    def test_a_mean_lies_within_its_scale(self, pairs: list[tuple[float, int]]) -> None:
        s = summarise_evidence(ev("reaction", value=v, unit="out of 5", participants=n) for v, n in pairs)
        mean = float(s.rows[0].figures[0].split()[1])
        assert 0 <= mean <= 5

    def test_figures_and_counts(self) -> None:
        assert format_figure(85.0, "%") == "85%"
        assert format_figure(4.25, "out of 5") == "4.2 out of 5"
        assert format_figure(12, "complaints a month") == "12 complaints a month"
        assert rag_counts([Rag.RED, Rag.GREEN, None, Rag.GREEN]) == {
            "red": 1,
            "amber": 0,
            "green": 2,
            "not reported": 1,
        }
