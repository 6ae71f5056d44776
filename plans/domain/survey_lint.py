"""The survey design lint: the seed programmes' principles applied to a valid definition, reported to
the coordinator as findings (it never refuses; validation does that).

The principles: keep it short (at most 15 headline questions), tie every question to a learning need,
do not explain on purpose the terms a knowledge question tests, keep it anonymous, open with an
introduction saying why, what "citizen voice" means and that it is everyone's responsibility, and ask
the demographics the equality reports need (staff group, ethnicity).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from plans.domain.survey_definition import QuestionType, SectionKind, SurveyDefinition

MAX_HEADLINE_QUESTIONS = 15
EXPECTED_DEMOGRAPHICS = ("staff_group", "ethnicity")


class Level(StrEnum):
    ERROR = "error"  # the design breaks a principle the programme treats as essential
    WARNING = "warning"  # a judgement the coordinator should make knowingly
    INFO = "info"  # what the lint checked and found fine, or a hint


class Principle(StrEnum):
    SHORT = "short"
    LEARNING_NEED = "learning_need"
    TERMINOLOGY = "terminology"
    ANONYMOUS = "anonymous"
    INTRODUCTION = "introduction"
    DEMOGRAPHICS = "demographics"


PRINCIPLE_TITLES: dict[Principle, str] = {
    Principle.SHORT: f"Short: at most {MAX_HEADLINE_QUESTIONS} headline questions",
    Principle.LEARNING_NEED: "Every question tied to a learning need",
    Principle.TERMINOLOGY: "Terms a knowledge question tests are not explained on purpose",
    Principle.ANONYMOUS: "Anonymous, and seen to be",
    Principle.INTRODUCTION: "An introduction: purpose, what citizen voice means, shared responsibility",
    Principle.DEMOGRAPHICS: "Demographics the equality reports need (staff group, ethnicity)",
}


@dataclass(frozen=True)
class LintFinding:
    level: Level
    principle: Principle
    where: str  # a path into the definition, e.g. "questions[3]" ("" for the survey as a whole)
    message: str


def lint(definition: SurveyDefinition) -> list[LintFinding]:
    """Every finding for the definition, principle by principle, in the order of the file."""
    return [
        *_short(definition),
        *_learning_needs(definition),
        *_terminology(definition),
        *_anonymous(definition),
        *_introduction(definition),
        *_demographics(definition),
    ]


def has_errors(findings: list[LintFinding]) -> bool:
    """Whether any finding is an error (the CLI exits 1 then)."""
    return any(f.level is Level.ERROR for f in findings)


def _short(d: SurveyDefinition) -> list[LintFinding]:
    headline = sum(1 for q in d.questions if q.headline)
    if headline > MAX_HEADLINE_QUESTIONS:
        return [
            LintFinding(
                Level.WARNING,
                Principle.SHORT,
                "questions",
                f"{headline} headline questions: the programmes kept to {MAX_HEADLINE_QUESTIONS} or fewer, "
                "because long surveys lose respondents (mark follow-ups headline: false, or cut)",
            )
        ]
    return [LintFinding(Level.INFO, Principle.SHORT, "questions", f"{headline} headline question(s)")]


def _learning_needs(d: SurveyDefinition) -> list[LintFinding]:
    out = []
    for i, q in enumerate(d.questions):
        if not (d.learning_need_of(q) or "").strip():
            out.append(
                LintFinding(
                    Level.ERROR,
                    Principle.LEARNING_NEED,
                    f"questions[{i}]",
                    f"{q.id} is tied to no learning need: give it a learning_need (or its section "
                    f"{q.section!r} one), or drop it",
                )
            )
    return out


def _normalised(text: str) -> str:
    # "co-production", "Co production" and "coproduction" are the same term to a reader
    return re.sub(r"[\s\-\u2010-\u2015]+", "", text.casefold())


def mentions(text: str, term: str) -> bool:
    """Whether ``text`` uses ``term`` (case, spaces and hyphens ignored)."""
    needle = _normalised(term)
    return bool(needle) and needle in _normalised(text)


def _terminology(d: SurveyDefinition) -> list[LintFinding]:
    out = []
    intro = d.introduction
    places = [
        ("introduction.purpose", intro.purpose),
        ("introduction.citizen_voice", intro.citizen_voice),
        ("introduction.shared_responsibility", intro.shared_responsibility),
    ] + [(f"questions[{j}].help", q.help or "") for j, q in enumerate(d.questions)]
    for i, q in enumerate(d.questions):
        if not q.tests_terms:
            continue
        if d.section(q.section).kind is not SectionKind.KNOWLEDGE:
            out.append(
                LintFinding(
                    Level.INFO,
                    Principle.TERMINOLOGY,
                    f"questions[{i}].tests_terms",
                    f"{q.id} lists terms it tests but is not in a knowledge section, so they are not checked",
                )
            )
            continue
        for term in q.tests_terms:
            explained = [where for where, text in places if mentions(text, term)]
            if explained:
                out.append(
                    LintFinding(
                        Level.WARNING,
                        Principle.TERMINOLOGY,
                        f"questions[{i}]",
                        f"{q.id} tests whether staff know {term!r}, but {', '.join(explained)} uses or explains "
                        "it: the answers would measure the survey, not what staff knew",
                    )
                )
    return out


def _anonymous(d: SurveyDefinition) -> list[LintFinding]:
    out = []
    if not d.anonymous:
        out.append(
            LintFinding(
                Level.WARNING,
                Principle.ANONYMOUS,
                "anonymous",
                "the survey is not anonymous: staff answer honestly only if nobody can tell who said what, "
                "and the page will not promise it",
            )
        )
    for i, dem in enumerate(d.demographics):
        if dem.required:
            out.append(
                LintFinding(
                    Level.WARNING,
                    Principle.ANONYMOUS,
                    f"demographics[{i}].required",
                    f"{dem.id} must be answered: in a small team it can identify a person; make it optional",
                )
            )
    for i, q in enumerate(d.questions):
        if q.type is QuestionType.FREE_TEXT and not (q.help or "").strip():
            out.append(
                LintFinding(
                    Level.INFO,
                    Principle.ANONYMOUS,
                    f"questions[{i}].help",
                    f"{q.id} is free text: a help text asking people not to name themselves or others protects them",
                )
            )
    return out


def _introduction(d: SurveyDefinition) -> list[LintFinding]:
    parts = {
        "purpose": "why the survey is run and what will happen with the answers",
        "citizen_voice": "what 'citizen voice' means here",
        "shared_responsibility": "that involving citizens is everyone's responsibility, not a specialist's",
    }
    return [
        LintFinding(
            Level.ERROR, Principle.INTRODUCTION, f"introduction.{field}", f"the introduction does not say {says}"
        )
        for field, says in parts.items()
        if not getattr(d.introduction, field).strip()
    ]


def _demographics(d: SurveyDefinition) -> list[LintFinding]:
    have = {dem.id for dem in d.demographics}
    return [
        LintFinding(
            Level.WARNING,
            Principle.DEMOGRAPHICS,
            "demographics",
            f"no {expected!r} demographic: the results cannot be broken down by it"
            + (" (the WRES indicators need it)" if expected == "ethnicity" else ""),
        )
        for expected in EXPECTED_DEMOGRAPHICS
        if expected not in have
    ]
