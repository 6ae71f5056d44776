"""A survey as its coordinator declares it (YAML, validated here): introduction, sections, questions,
demographics, how it closes and how it chases. Pure: no file or database access.

Validation refuses what cannot work (an unknown section, a positive answer that is not an answer);
whether the design is *good* (short, tied to learning needs, anonymous) is the lint's business
(``plans.domain.survey_lint``), which reports and never refuses.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from plans.domain.chasing_config import ChasingConfig

ID = r"^[A-Za-z][A-Za-z0-9_]{0,59}$"

AGREEMENT = ("Strongly agree", "Agree", "Neither agree nor disagree", "Disagree", "Strongly disagree")
AGREEMENT_POSITIVE = ("Strongly agree", "Agree")
YES_NO = ("Yes", "No")
YES_NO_POSITIVE = ("Yes",)
#: The staff-survey indicators of the Workforce Race Equality Standard a question may carry (evaluation.wres).
WRES_SURVEY_INDICATORS = (5, 6, 7, 8)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SectionKind(StrEnum):
    """What a section asks about; the seed programmes used the first three."""

    KNOWLEDGE = "knowledge"
    SKILLS = "skills"
    EXPERIENCE = "experience"
    OTHER = "other"


class QuestionType(StrEnum):
    AGREEMENT = "agreement"  # the fixed 5-point scale, Strongly agree .. Strongly disagree
    YES_NO = "yes_no"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    FREE_TEXT = "free_text"


FIXED_ANSWERS: dict[QuestionType, tuple[tuple[str, ...], tuple[str, ...]]] = {
    QuestionType.AGREEMENT: (AGREEMENT, AGREEMENT_POSITIVE),
    QuestionType.YES_NO: (YES_NO, YES_NO_POSITIVE),
}


class Introduction(_Strict):
    """What the survey page says before the first question. The lint reports any part left empty."""

    purpose: str = ""
    citizen_voice: str = Field(default="", description="what 'citizen voice' means in this organisation")
    shared_responsibility: str = Field(default="", description="why involving citizens is everyone's job")


class Section(_Strict):
    id: str = Field(pattern=ID)
    title: str = Field(min_length=1, max_length=200)
    kind: SectionKind = SectionKind.OTHER
    learning_need: str | None = Field(default=None, description="covers every question of the section")


class Question(_Strict):
    id: str = Field(pattern=ID)
    section: str = Field(min_length=1)
    type: QuestionType = QuestionType.AGREEMENT
    text: str = Field(min_length=1, max_length=1000)
    help: str | None = Field(default=None, max_length=2000)
    answers: list[str] = Field(default_factory=list)
    positive: list[str] | None = None
    learning_need: str | None = None
    headline: bool = True
    tests_terms: list[str] = Field(default_factory=list)
    wres: int | None = Field(default=None, description="the WRES staff-survey indicator (5-8) this question asks")

    @model_validator(mode="after")
    def _answers_fit_the_type(self) -> Question:
        if self.wres is not None:
            if self.wres not in WRES_SURVEY_INDICATORS:
                raise ValueError(f"wres: the survey indicators are 5, 6, 7 and 8 (got {self.wres})")
            if self.type not in (QuestionType.YES_NO, QuestionType.AGREEMENT):
                # WRES reports the share answering yes (or agreeing): only these scales have one
                raise ValueError(f"wres: indicator {self.wres} needs a yes_no or agreement question")
        self.answers = [a.strip() for a in self.answers]
        self.tests_terms = [t.strip() for t in self.tests_terms if t.strip()]
        if self.type in FIXED_ANSWERS:
            fixed, default_positive = FIXED_ANSWERS[self.type]
            if self.answers and tuple(self.answers) != fixed:
                raise ValueError(
                    f"answers: {self.type.value} questions always have the answers {list(fixed)} (leave answers out)"
                )
            self.answers = list(fixed)
            if self.positive is None:
                self.positive = list(default_positive)
            elif not self.positive:
                raise ValueError(f"positive: {self.type.value} questions need at least one positive answer")
        elif self.type is QuestionType.FREE_TEXT:
            if self.answers or self.positive:
                raise ValueError("a free_text question has no answers and no positive answers")
            self.positive = []
        else:
            if len(self.answers) < 2:
                raise ValueError(f"answers: {self.type.value} questions need at least two answers")
            if self.type is QuestionType.MULTIPLE_CHOICE and self.positive:
                # a response may tick several answers, so "% positive" has no single meaning here
                raise ValueError(
                    "positive: multiple_choice questions are not scored as % positive "
                    "(ask a single_choice or yes_no question to score it)"
                )
            self.positive = self.positive or []
        repeated = sorted({a for a in self.answers if self.answers.count(a) > 1})
        if repeated:
            raise ValueError(f"answers: {repeated} listed more than once")
        unknown = [p for p in self.positive if p not in self.answers]
        if unknown:
            raise ValueError(f"positive answers {unknown} are not among the question's answers")
        if self.answers and set(self.positive) == set(self.answers):
            raise ValueError("positive: every answer counts as positive, so the question cannot show anything")
        return self

    @property
    def positive_answers(self) -> list[str]:
        """The answers that count as positive (filled in by validation; empty when not scored)."""
        return list(self.positive or [])


class Demographic(_Strict):
    """A self-reported characteristic asked of every respondent, e.g. staff group or ethnicity."""

    id: str = Field(pattern=ID)
    text: str = Field(min_length=1, max_length=500)
    help: str | None = Field(default=None, max_length=2000)
    options: list[str] = Field(min_length=2)
    required: bool = False

    @model_validator(mode="after")
    def _distinct_options(self) -> Demographic:
        self.options = [o.strip() for o in self.options]
        repeated = sorted({o for o in self.options if self.options.count(o) > 1})
        if repeated or "" in self.options:
            raise ValueError(f"options: {repeated or ['(empty)']} listed more than once or empty")
        return self


class SurveyDefinition(_Strict):
    """A whole survey: what the YAML file (or a plan file's ``plan.survey``) declares."""

    title: str = Field(min_length=1, max_length=200)
    introduction: Introduction = Introduction()
    anonymous: bool = True
    target_rate: float = Field(default=0.6, gt=0, le=1)
    days: int = Field(default=28, ge=1, le=365)
    close_when_target_met: bool = True
    sections: list[Section] = Field(min_length=1)
    questions: list[Question] = Field(min_length=1)
    demographics: list[Demographic] = Field(default_factory=list)
    chasing: ChasingConfig = ChasingConfig()

    @model_validator(mode="after")
    def _references(self) -> SurveyDefinition:
        problems = reference_problems(self.model_dump())
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def section(self, section_id: str) -> Section:
        """The section with this id (validation guarantees it exists for every question)."""
        return next(s for s in self.sections if s.id == section_id)

    def learning_need_of(self, question: Question) -> str | None:
        """The question's own learning need, else its section's."""
        return question.learning_need or self.section(question.section).learning_need


def _ids(items: Any) -> list[tuple[int, Any, Any]]:
    """(index, id, the item) for the items of a list that are mappings with a text id; anything else is
    the field validation's to report."""
    if not isinstance(items, list):
        return []
    return [
        (i, item["id"], item)
        for i, item in enumerate(items)
        if isinstance(item, dict) and isinstance(item.get("id"), str)
    ]


def reference_problems(data: Any) -> list[str]:
    """Ids listed twice and questions in unknown sections, as 'path: message'. Works on raw YAML data
    too, so a file with other errors still hears about these in the same report."""
    if not isinstance(data, dict):
        return []
    problems = []
    sections: dict[Any, int] = {}
    for i, sid, _ in _ids(data.get("sections")):
        if sid in sections:
            problems.append(f"sections[{i}].id: {sid!r} is listed twice (also sections[{sections[sid]}])")
        sections.setdefault(sid, i)
    questions: dict[Any, int] = {}
    indicators: dict[Any, int] = {}
    for i, qid, q in _ids(data.get("questions")):
        wres = q.get("wres")
        if isinstance(wres, int) and wres in indicators:
            problems.append(f"questions[{i}].wres: indicator {wres} is already asked by questions[{indicators[wres]}]")
        if isinstance(wres, int):
            indicators.setdefault(wres, i)
        if qid in questions:
            problems.append(f"questions[{i}].id: {qid!r} is listed twice (also questions[{questions[qid]}])")
        questions.setdefault(qid, i)
        if (
            isinstance(data.get("sections"), list)
            and isinstance(q.get("section"), str)
            and q["section"] not in sections
        ):
            problems.append(f"questions[{i}].section: no section with id {q['section']!r}")
    demographics: dict[Any, int] = {}
    for i, did, _ in _ids(data.get("demographics")):
        if did in demographics:
            problems.append(f"demographics[{i}].id: {did!r} is listed twice")
        elif did in questions:
            problems.append(f"demographics[{i}].id: {did!r} is also a question's id")
        demographics.setdefault(did, i)
    return problems


def flatten(definition: SurveyDefinition) -> list[dict[str, Any]]:
    """The questions as ``Survey.questions`` holds them: what the analysis, the responses and the
    repeat-survey gate read (id, section, type, text, answers, positive, and ``wres`` on the questions
    that carry a WRES indicator, so surveys stored before the field read back unchanged), in file order."""
    return [
        {
            "id": q.id,
            "section": q.section,
            "type": q.type.value,
            "text": q.text,
            "answers": list(q.answers),
            "positive": q.positive_answers,
            **({"wres": q.wres} if q.wres is not None else {}),
        }
        for q in definition.questions
    ]


def wres_questions(flat_questions: list[dict[str, Any]]) -> dict[int, str]:
    """WRES indicator (5-8) -> the id of the question asking it, from ``flatten``'s (stored) questions."""
    return {int(q["wres"]): str(q["id"]) for q in flat_questions if q.get("wres") is not None}
