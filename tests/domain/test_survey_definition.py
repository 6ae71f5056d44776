"""Survey definitions: what validation refuses (each with the field it is about), what it fills in
(fixed answers, default positive answers), and that a stored definition reads back as itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from plans.domain.survey_definition import (
    AGREEMENT,
    QuestionType,
    SurveyDefinition,
    flatten,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "surveys" / "council-baseline.yaml"


def minimal(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "A survey",
        "sections": [{"id": "knowledge", "title": "What you know", "kind": "knowledge", "learning_need": "Know"}],
        "questions": [{"id": "K1", "section": "knowledge", "text": "I know what coproduction means."}],
    }
    data.update(changes)
    return data


def question(**fields: Any) -> dict[str, Any]:
    return {"id": "Q1", "section": "knowledge", "text": "A question?", **fields}


def problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        SurveyDefinition.model_validate(data)
    return [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in caught.value.errors()]


class TestDefaults:
    def test_minimal_survey_gets_the_programme_defaults(self) -> None:
        d = SurveyDefinition.model_validate(minimal())
        assert (d.anonymous, d.target_rate, d.days, d.close_when_target_met) == (True, 0.6, 28, True)
        q = d.questions[0]
        assert q.type is QuestionType.AGREEMENT and q.headline and q.tests_terms == []
        assert q.answers == list(AGREEMENT) and q.positive == ["Strongly agree", "Agree"]
        assert d.chasing.invitee_reminders.max == 2 and len(d.chasing.manager_ladder) == 4
        assert d.introduction.purpose == "" and d.demographics == []

    def test_yes_no_gets_yes_as_positive(self) -> None:
        d = SurveyDefinition.model_validate(minimal(questions=[question(type="yes_no")]))
        assert d.questions[0].answers == ["Yes", "No"] and d.questions[0].positive == ["Yes"]

    def test_agreement_may_count_disagreement_as_positive(self) -> None:
        d = SurveyDefinition.model_validate(minimal(questions=[question(positive=["Disagree", "Strongly disagree"])]))
        assert d.questions[0].positive == ["Disagree", "Strongly disagree"]

    def test_agreement_answers_written_out_in_full_are_accepted(self) -> None:
        d = SurveyDefinition.model_validate(minimal(questions=[question(answers=list(AGREEMENT))]))
        assert d.questions[0].answers == list(AGREEMENT)

    def test_choice_questions_need_no_positive(self) -> None:
        single = question(type="single_choice", answers=["Never", "Sometimes", "Often"])
        multiple = question(id="Q2", type="multiple_choice", answers=["Email", "Phone", "Post"])
        d = SurveyDefinition.model_validate(minimal(questions=[single, multiple]))
        assert [q.positive for q in d.questions] == [[], []]

    def test_free_text_has_no_answers(self) -> None:
        d = SurveyDefinition.model_validate(minimal(questions=[question(type="free_text", help="Name nobody.")]))
        assert d.questions[0].answers == [] and d.questions[0].positive == []


class TestRefusals:
    @pytest.mark.parametrize(
        ("q", "expected"),
        [
            (question(answers=["Agree", "Disagree"]), "agreement questions always have the answers"),
            (question(type="yes_no", answers=["Y", "N"]), "yes_no questions always have the answers"),
            (question(positive=[]), "agreement questions need at least one positive answer"),
            (question(positive=["Maybe"]), "positive answers ['Maybe'] are not among the question's answers"),
            (question(positive=list(AGREEMENT)), "every answer counts as positive"),
            (question(type="single_choice", answers=["Only"]), "single_choice questions need at least two answers"),
            (question(type="single_choice"), "single_choice questions need at least two answers"),
            (question(type="single_choice", answers=["A", "B", "A"]), "['A'] listed more than once"),
            (
                question(type="multiple_choice", answers=["A", "B"], positive=["A"]),
                "multiple_choice questions are not scored",
            ),
            (question(type="free_text", answers=["A", "B"]), "a free_text question has no answers"),
            (question(type="free_text", positive=["A"]), "a free_text question has no answers"),
            (question(type="likert"), "Input should be 'agreement', 'yes_no'"),
            (question(id="1st"), "String should match pattern"),
            (question(text=""), "String should have at least 1 character"),
            (question(colour="blue"), "Extra inputs are not permitted"),
        ],
    )
    def test_bad_question(self, q: dict[str, Any], expected: str) -> None:
        found = problems(minimal(questions=[q]))
        assert any(e.startswith("questions.0") and expected in e for e in found), found

    def test_cross_references_are_all_reported(self) -> None:
        data = minimal(
            sections=[{"id": "knowledge", "title": "A"}, {"id": "knowledge", "title": "B"}],
            questions=[question(), question(), question(id="Q2", section="skills")],
            demographics=[
                {"id": "Q2", "text": "Clash", "options": ["A", "B"]},
                {"id": "ethnicity", "text": "E", "options": ["A", "B"]},
                {"id": "ethnicity", "text": "E", "options": ["A", "B"]},
            ],
        )
        (found,) = problems(data)
        for expected in (
            "sections[1].id: 'knowledge' is listed twice (also sections[0])",
            "questions[1].id: 'Q1' is listed twice (also questions[0])",
            "questions[2].section: no section with id 'skills'",
            "demographics[0].id: 'Q2' is also a question's id",
            "demographics[2].id: 'ethnicity' is listed twice",
        ):
            assert expected in found

    @pytest.mark.parametrize(
        ("changes", "expected"),
        [
            ({"questions": []}, "questions: List should have at least 1 item"),
            ({"sections": []}, "sections: List should have at least 1 item"),
            ({"target_rate": 0}, "target_rate: Input should be greater than 0"),
            ({"target_rate": 1.5}, "target_rate: Input should be less than or equal to 1"),
            ({"days": 0}, "days: Input should be greater than or equal to 1"),
            ({"introduction": {"purpose": "x", "why": "y"}}, "introduction.why: Extra inputs"),
            ({"demographics": [{"id": "d", "text": "D", "options": ["Only"]}]}, "demographics.0.options"),
            ({"demographics": [{"id": "d", "text": "D", "options": ["A", " A "]}]}, "['A'] listed more than once"),
            ({"chasing": {"invitee_reminders": {"max": -1}}}, "chasing.invitee_reminders.max"),
            ({"sections": [{"id": "knowledge", "title": "K", "kind": "attitudes"}]}, "sections.0.kind"),
        ],
    )
    def test_bad_survey(self, changes: dict[str, Any], expected: str) -> None:
        found = problems(minimal(**changes))
        assert any(expected in e for e in found), found


class TestFlatten:
    def test_example_flattens_to_what_analysis_and_responses_read(self) -> None:
        d = SurveyDefinition.model_validate(yaml.safe_load(EXAMPLE.read_text()))
        flat = flatten(d)
        assert [q["id"] for q in flat] == ["K1", "K2", "K3", "S1", "S2", "S3", "E1", "E2", "E3", "E4"]
        assert all(set(q) == {"id", "section", "type", "text", "answers", "positive"} for q in flat)
        e3 = flat[8]
        assert e3["answers"] == list(AGREEMENT) and e3["positive"] == ["Disagree", "Strongly disagree"]
        assert flat[6] == {
            "id": "E1",
            "section": "experience",
            "type": "yes_no",
            "text": "In the last 12 months I have worked alongside citizens on a piece of work.",
            "answers": ["Yes", "No"],
            "positive": ["Yes"],
        }


ANSWER = st.text(alphabet="abcdefgh ", min_size=1, max_size=8).map(str.strip).filter(bool)


@st.composite
def questions(draw: st.DrawFn, qid: str) -> dict[str, Any]:
    kind = draw(st.sampled_from(list(QuestionType)))
    q: dict[str, Any] = {"id": qid, "section": draw(st.sampled_from(["knowledge", "skills"])), "type": kind.value}
    q["text"] = draw(st.text(min_size=1, max_size=30).map(str.strip).filter(bool))
    q["headline"] = draw(st.booleans())
    if kind in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE):
        answers = draw(st.lists(ANSWER, min_size=2, max_size=5, unique=True))
        q["answers"] = answers
        if kind is QuestionType.SINGLE_CHOICE:
            q["positive"] = draw(st.lists(st.sampled_from(answers[1:]), unique=True))
    elif kind is QuestionType.AGREEMENT and draw(st.booleans()):
        q["positive"] = draw(st.lists(st.sampled_from(AGREEMENT[:4]), min_size=1, unique=True))
    if draw(st.booleans()):
        q["help"] = draw(st.text(max_size=20))
    return q


@st.composite
def definitions(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(min_value=1, max_value=20))
    return minimal(
        sections=[
            {"id": "knowledge", "title": "K", "kind": "knowledge"},
            {"id": "skills", "title": "S", "kind": "skills", "learning_need": "Do"},
        ],
        questions=[draw(questions(f"Q{i}")) for i in range(n)],
        anonymous=draw(st.booleans()),
        close_when_target_met=draw(st.booleans()),
        target_rate=draw(st.floats(min_value=0.01, max_value=1)),
        days=draw(st.integers(min_value=1, max_value=365)),
    )


class TestRoundTrip:
    @settings(max_examples=150, deadline=None)
    @given(definitions())
    def test_stored_definition_reads_back_as_itself(self, data: dict[str, Any]) -> None:
        d = SurveyDefinition.model_validate(data)
        stored = d.model_dump(mode="json")
        again = SurveyDefinition.model_validate(stored)
        assert again == d and again.model_dump(mode="json") == stored
        flat = flatten(d)
        assert [q["id"] for q in flat] == [q["id"] for q in data["questions"]]
        for q in flat:
            assert set(q["positive"]) <= set(q["answers"])
            assert q["type"] != "free_text" or q["answers"] == []
            assert not q["answers"] or set(q["positive"]) != set(q["answers"])

    def test_example_round_trips(self) -> None:
        d = SurveyDefinition.model_validate(yaml.safe_load(EXAMPLE.read_text()))
        assert SurveyDefinition.model_validate(d.model_dump(mode="json")) == d
