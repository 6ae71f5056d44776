"""The design lint, principle by principle: hand-made surveys that break exactly one principle, the
council's example that breaks none, and properties over generated surveys (the lint never fails on a
valid survey, and every finding points at a place that exists)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from plans.domain.survey_definition import SurveyDefinition
from plans.domain.survey_lint import (
    MAX_HEADLINE_QUESTIONS,
    Level,
    LintFinding,
    Principle,
    has_errors,
    lint,
    mentions,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "surveys" / "council-baseline.yaml"

INTRO = {
    "purpose": "To learn what staff know, so the plan teaches what is missing.",
    "citizen_voice": "Citizen voice means residents shape the services they use.",
    "shared_responsibility": "Involving residents is part of everyone's job.",
}
DEMOGRAPHICS = [
    {"id": "staff_group", "text": "Staff group", "options": ["Care", "Other", "Prefer not to say"]},
    {"id": "ethnicity", "text": "Ethnic group", "options": ["White", "BME", "Prefer not to say"]},
]


def survey(**changes: Any) -> SurveyDefinition:
    """A survey that satisfies every principle, with ``changes`` applied."""
    data: dict[str, Any] = {
        "title": "Survey",
        "introduction": dict(INTRO),
        "sections": [
            {"id": "knowledge", "title": "K", "kind": "knowledge", "learning_need": "Know it"},
            {"id": "skills", "title": "S", "kind": "skills", "learning_need": "Do it"},
            {"id": "other", "title": "O", "kind": "other"},
        ],
        "questions": [
            {
                "id": "K1",
                "section": "knowledge",
                "text": "I know what coproduction means.",
                "tests_terms": ["coproduction"],
            },
            {"id": "S1", "section": "skills", "text": "I can involve residents."},
        ],
        "demographics": DEMOGRAPHICS,
    }
    data.update(changes)
    return SurveyDefinition.model_validate(data)


def beyond_info(findings: list[LintFinding]) -> list[LintFinding]:
    return [f for f in findings if f.level is not Level.INFO]


def of(findings: list[LintFinding], principle: Principle) -> list[LintFinding]:
    return [f for f in findings if f.principle is principle]


def agreement(i: int, section: str = "skills", **fields: Any) -> dict[str, Any]:
    return {"id": f"Q{i}", "section": section, "text": f"Statement {i}.", **fields}


class TestCleanSurveys:
    def test_the_baseline_helper_breaks_nothing(self) -> None:
        assert beyond_info(lint(survey())) == []

    def test_the_council_example_breaks_nothing(self) -> None:
        findings = lint(SurveyDefinition.model_validate(yaml.safe_load(EXAMPLE.read_text())))
        assert beyond_info(findings) == []
        assert findings == [LintFinding(Level.INFO, Principle.SHORT, "questions", "10 headline question(s)")]
        assert not has_errors(findings)


class TestShort:
    @pytest.mark.parametrize("n", [1, MAX_HEADLINE_QUESTIONS - 1, MAX_HEADLINE_QUESTIONS])
    def test_up_to_the_limit_is_a_note(self, n: int) -> None:
        (f,) = of(lint(survey(questions=[agreement(i) for i in range(n)])), Principle.SHORT)
        assert f.level is Level.INFO and f.message == f"{n} headline question(s)"

    def test_beyond_the_limit_warns(self) -> None:
        (f,) = of(lint(survey(questions=[agreement(i) for i in range(16)])), Principle.SHORT)
        assert f.level is Level.WARNING and f.where == "questions" and f.message.startswith("16 headline questions")

    def test_follow_ups_do_not_count(self) -> None:
        qs = [agreement(i) for i in range(15)] + [agreement(i, headline=False) for i in range(15, 30)]
        (f,) = of(lint(survey(questions=qs)), Principle.SHORT)
        assert f.level is Level.INFO and f.message == "15 headline question(s)"


class TestLearningNeed:
    def test_a_question_with_none_is_an_error_naming_it(self) -> None:
        findings = lint(survey(questions=[agreement(1), agreement(2, section="other")]))
        (f,) = of(findings, Principle.LEARNING_NEED)
        assert (f.level, f.where) == (Level.ERROR, "questions[1]")
        assert "Q2 is tied to no learning need" in f.message and "'other'" in f.message
        assert has_errors(findings)

    def test_its_own_learning_need_is_enough(self) -> None:
        assert (
            of(lint(survey(questions=[agreement(1, section="other", learning_need="Listen")])), Principle.LEARNING_NEED)
            == []
        )

    def test_blank_learning_need_is_none(self) -> None:
        q = agreement(1, section="other", learning_need="   ")
        assert len(of(lint(survey(questions=[q])), Principle.LEARNING_NEED)) == 1


class TestTerminology:
    @pytest.mark.parametrize(
        ("where", "text"),
        [
            ("introduction.purpose", "We want to know what you understand by coproduction."),
            ("introduction.citizen_voice", "Citizen voice, or Co-Production, means working as equals."),
            ("introduction.shared_responsibility", "Co production is everyone's job."),
        ],
    )
    def test_explained_in_the_introduction_warns(self, where: str, text: str) -> None:
        intro = {**INTRO, where.split(".")[1]: text}
        (f,) = of(lint(survey(introduction=intro)), Principle.TERMINOLOGY)
        assert (f.level, f.where) == (Level.WARNING, "questions[0]")
        assert "'coproduction'" in f.message and where in f.message

    def test_explained_in_its_help_warns(self) -> None:
        q = agreement(1, section="knowledge", tests_terms=["coproduction"], help="Coproduction means equals.")
        (f,) = of(lint(survey(questions=[q])), Principle.TERMINOLOGY)
        assert f.level is Level.WARNING and "questions[0].help" in f.message

    def test_explained_in_another_questions_help_warns(self) -> None:
        qs = [
            agreement(1, section="knowledge", tests_terms=["consulting"]),
            agreement(2, help="Consulting is asking people's views."),
        ]
        (f,) = of(lint(survey(questions=qs)), Principle.TERMINOLOGY)
        assert f.where == "questions[0]" and "questions[1].help" in f.message

    def test_the_question_itself_may_use_the_term(self) -> None:
        assert of(lint(survey()), Principle.TERMINOLOGY) == []

    def test_every_term_is_checked(self) -> None:
        q = agreement(1, section="knowledge", tests_terms=["consulting", "coproducing", "advocacy"])
        intro = {**INTRO, "purpose": "Consulting and co-producing differ."}
        found = of(lint(survey(questions=[q], introduction=intro)), Principle.TERMINOLOGY)
        assert [re.search(r"'(\w+)'", f.message).group(1) for f in found] == ["consulting", "coproducing"]  # type: ignore[union-attr]

    def test_terms_outside_knowledge_sections_are_only_noted(self) -> None:
        q = agreement(1, tests_terms=["coproduction"], help="Coproduction means equals.")
        (f,) = of(lint(survey(questions=[q])), Principle.TERMINOLOGY)
        assert (f.level, f.where) == (Level.INFO, "questions[0].tests_terms")

    @given(st.text(max_size=20), st.text(min_size=1, max_size=10), st.text(max_size=20))
    def test_a_text_using_the_term_mentions_it_however_spaced(self, before: str, term: str, after: str) -> None:
        assume(not mentions("", term) and re.sub(r"[\s\-\u2010-\u2015]", "", term))
        assert mentions(before + term + after, term)
        assert mentions(before + " - ".join(term) + after, term)
        assert mentions(before + term.casefold() + after, term.casefold())
        assert not mentions("", term)


class TestAnonymous:
    def test_not_anonymous_warns(self) -> None:
        (f,) = of(lint(survey(anonymous=False)), Principle.ANONYMOUS)
        assert (f.level, f.where) == (Level.WARNING, "anonymous")

    def test_required_demographic_warns(self) -> None:
        dems = [DEMOGRAPHICS[0], {**DEMOGRAPHICS[1], "required": True}]
        (f,) = of(lint(survey(demographics=dems)), Principle.ANONYMOUS)
        assert (f.level, f.where) == (Level.WARNING, "demographics[1].required")

    def test_free_text_without_help_is_noted(self) -> None:
        qs = [agreement(1, type="free_text"), agreement(2, type="free_text", help="Please name nobody.")]
        (f,) = of(lint(survey(questions=qs)), Principle.ANONYMOUS)
        assert (f.level, f.where) == (Level.INFO, "questions[0].help")


class TestIntroduction:
    @pytest.mark.parametrize("part", ["purpose", "citizen_voice", "shared_responsibility"])
    def test_each_missing_part_is_an_error(self, part: str) -> None:
        (f,) = of(lint(survey(introduction={**INTRO, part: "  "})), Principle.INTRODUCTION)
        assert (f.level, f.where) == (Level.ERROR, f"introduction.{part}")

    def test_no_introduction_at_all(self) -> None:
        data = survey().model_dump()
        del data["introduction"]
        found = of(lint(SurveyDefinition.model_validate(data)), Principle.INTRODUCTION)
        assert [f.where for f in found] == [
            "introduction.purpose",
            "introduction.citizen_voice",
            "introduction.shared_responsibility",
        ]


class TestDemographics:
    @pytest.mark.parametrize(
        ("kept", "missing"), [([0], ["ethnicity"]), ([1], ["staff_group"]), ([], ["staff_group", "ethnicity"])]
    )
    def test_missing_expected_demographics_warn(self, kept: list[int], missing: list[str]) -> None:
        found = of(lint(survey(demographics=[DEMOGRAPHICS[i] for i in kept])), Principle.DEMOGRAPHICS)
        assert [f.level for f in found] == [Level.WARNING] * len(missing)
        assert [m for m in missing if any(repr(m) in f.message for f in found)] == missing
        assert all("WRES" in f.message for f in found if "'ethnicity'" in f.message)


@st.composite
def any_survey(draw: st.DrawFn) -> SurveyDefinition:
    sections = ["knowledge", "skills", "other"]
    n = draw(st.integers(min_value=1, max_value=25))
    qs = []
    for i in range(n):
        q: dict[str, Any] = agreement(i, section=draw(st.sampled_from(sections)), headline=draw(st.booleans()))
        q["type"] = draw(st.sampled_from(["agreement", "yes_no", "free_text"]))
        if draw(st.booleans()):
            q["learning_need"] = draw(st.sampled_from(["", "Listen"]))
        if draw(st.booleans()):
            q["tests_terms"] = draw(st.lists(st.sampled_from(["coproduction", "consulting", "advocacy"]), max_size=2))
        if draw(st.booleans()):
            q["help"] = draw(st.sampled_from(["", "Consulting means asking.", "Name nobody."]))
        qs.append(q)
    intro = {k: draw(st.sampled_from(["", v, "Coproduction is everyone's job."])) for k, v in INTRO.items()}
    dems = draw(st.lists(st.sampled_from(DEMOGRAPHICS), unique_by=lambda d: d["id"]))
    data = {
        "title": "S",
        "introduction": intro,
        "anonymous": draw(st.booleans()),
        "sections": [
            {"id": "knowledge", "title": "K", "kind": "knowledge", "learning_need": draw(st.sampled_from([None, "K"]))},
            {"id": "skills", "title": "S", "kind": "skills", "learning_need": "S"},
            {"id": "other", "title": "O", "kind": "other"},
        ],
        "questions": qs,
        "demographics": dems,
    }
    return SurveyDefinition.model_validate(data)


def _resolves(dumped: dict[str, Any], where: str) -> bool:
    at: Any = dumped
    for name, index in re.findall(r"([a-z_]+)(?:\[(\d+)\])?", where):
        if not isinstance(at, dict) or name not in at:
            return False
        at = at[name]
        if index:
            at = at[int(index)]
    return True


class TestProperties:
    @settings(max_examples=200, deadline=None)
    @given(any_survey())
    def test_findings_follow_the_rules_and_point_at_real_places(self, d: SurveyDefinition) -> None:
        findings = lint(d)
        dumped = d.model_dump()
        assert all(_resolves(dumped, f.where) for f in findings), [f.where for f in findings]
        headline = sum(q.headline for q in d.questions)
        short = of(findings, Principle.SHORT)
        assert [f.level for f in short] == [Level.WARNING if headline > MAX_HEADLINE_QUESTIONS else Level.INFO]
        untied = {f"questions[{i}]" for i, q in enumerate(d.questions) if not d.learning_need_of(q)}
        assert {f.where for f in of(findings, Principle.LEARNING_NEED)} == untied
        assert (any(f.where == "anonymous" for f in findings)) == (not d.anonymous)
        assert has_errors(findings) == bool(untied or any(not getattr(d.introduction, k) for k in INTRO))
        assert findings == lint(d)  # deterministic
