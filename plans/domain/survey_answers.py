"""What a respondent may send: every answer checked against the survey's questions and every
demographic against its options, with each problem named by its field. Pure: the intake compiles a
survey's form once (``AnswerForm.of``) and checks each response against it.

Questions are optional (people may skip any), but a response must answer at least one. A demographic
is optional unless the survey marks it required, and always offers "Prefer not to say".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from plans.domain.errors import DomainError, InvalidInput, StageLocked

FREE_TEXT_MAX = 2000
PREFER_NOT_TO_SAY = "Prefer not to say"
CHOICE_TYPES = frozenset({"agreement", "yes_no", "single_choice"})


class AnswerProblems(InvalidInput):
    """A response that does not fit its survey; ``problems`` maps each field to what is wrong with it."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {problem}" for field, problem in problems.items()))
        self.problems = problems


@dataclass(frozen=True)
class QuestionRule:
    id: str
    type: str
    answers: frozenset[str]


@dataclass(frozen=True)
class DemographicRule:
    id: str
    options: frozenset[str]
    required: bool


def _question_type(question: Mapping[str, Any]) -> str:
    # questions stored before types existed have answers (a single choice) or none (free text)
    kind = question.get("type")
    if isinstance(kind, str) and kind:
        return kind
    return "single_choice" if question.get("answers") else "free_text"


@dataclass(frozen=True)
class AnswerForm:
    """A survey's questions and demographics, compiled for checking responses."""

    questions: dict[str, QuestionRule]
    demographics: dict[str, DemographicRule]

    @classmethod
    def of(cls, questions: Sequence[Mapping[str, Any]], demographics: Sequence[Mapping[str, Any]]) -> AnswerForm:
        """Compile the flattened questions (``Survey.questions``) and the definition's demographics."""
        rules = {
            str(q["id"]): QuestionRule(
                str(q["id"]), _question_type(q), frozenset(str(a) for a in q.get("answers") or ())
            )
            for q in questions
        }
        demo = {
            str(d["id"]): DemographicRule(
                str(d["id"]), frozenset(str(o) for o in d.get("options") or ()), bool(d.get("required", False))
            )
            for d in demographics
        }
        return cls(rules, demo)

    def check(self, answers: object, demographics: object) -> tuple[dict[str, Any], dict[str, str]]:
        """The answers and demographics to store (unanswered ones left out); raises ``AnswerProblems``."""
        problems: dict[str, str] = {}
        clean = self._answers(answers, problems)
        demo = self._demographics(demographics, problems)
        if not problems and not clean:
            problems["answers"] = "Answer at least one question"
        if problems:
            raise AnswerProblems(problems)
        return clean, demo

    def _answers(self, answers: object, problems: dict[str, str]) -> dict[str, Any]:
        if not isinstance(answers, Mapping):
            problems["answers"] = "Expected an object of question id to answer"
            return {}
        clean: dict[str, Any] = {}
        for qid, value in answers.items():
            field = f"answers.{qid}"
            rule = self.questions.get(str(qid))
            if rule is None:
                problems[field] = "The survey has no such question"
            elif rule.type == "free_text":
                if not isinstance(value, str):
                    problems[field] = "Expected text"
                elif len(value) > FREE_TEXT_MAX:
                    problems[field] = f"Write at most {FREE_TEXT_MAX:,} characters (this has {len(value):,})"
                elif value.strip():
                    clean[rule.id] = value.strip()
            elif rule.type == "multiple_choice":
                chosen = [value] if isinstance(value, str) else value
                if not isinstance(chosen, list) or not all(isinstance(c, str) for c in chosen):
                    problems[field] = "Expected a list of the question's answers"
                elif any(c not in rule.answers for c in chosen):
                    wrong = next(c for c in chosen if c not in rule.answers)
                    problems[field] = f"{wrong[:100]!r} is not one of the question's answers"
                elif len(set(chosen)) != len(chosen):
                    problems[field] = "An answer is ticked more than once"
                elif chosen:
                    clean[rule.id] = chosen
            elif not isinstance(value, str):
                problems[field] = "Expected one of the question's answers"
            elif value and value not in rule.answers:
                problems[field] = f"{value[:100]!r} is not one of the question's answers"
            elif value:
                clean[rule.id] = value
        return clean

    def _demographics(self, demographics: object, problems: dict[str, str]) -> dict[str, str]:
        if demographics is None:
            demographics = {}
        if not isinstance(demographics, Mapping):
            problems["demographics"] = "Expected an object of demographic id to option"
            return {}
        clean: dict[str, str] = {}
        for did, value in demographics.items():
            field = f"demographics.{did}"
            rule = self.demographics.get(str(did))
            if rule is None:
                problems[field] = "The survey asks no such question about you"
            elif not isinstance(value, str):
                problems[field] = "Expected one of the options"
            elif value and value != PREFER_NOT_TO_SAY and value not in rule.options:
                problems[field] = f"{value[:100]!r} is not one of the options"
            elif value:
                clean[rule.id] = value
        for rule in self.demographics.values():
            field = f"demographics.{rule.id}"
            if rule.required and rule.id not in clean and field not in problems:
                problems[field] = f"Choose an option, or {PREFER_NOT_TO_SAY!r}"
        return clean


class AlreadyAnswered(DomainError):
    """An invitation link that has already made its one response."""

    kind = "conflict"


class SurveyClosed(StageLocked):
    """A survey link used after the survey closed (or before it opened)."""
