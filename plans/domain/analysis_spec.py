"""What to analyse in a survey: its closed questions, free-text questions and breakdowns, as the
pipeline in ``evaluation.pipeline`` takes them.

Both the stored survey (``Survey.questions``, the flattened form written by
``plans.domain.survey_definition.flatten``) and a survey file feed the same spec, so the command line and
the flow that analyses a closed survey publish the same numbers for the same answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from evaluation.findings import Question
from evaluation.pipeline import AnalysisSpec
from evaluation.suppression import DEFAULT_COMMENT_THRESHOLD, DEFAULT_THRESHOLD
from plans.domain.survey_definition import SurveyDefinition, flatten

#: The organisational levels of a responses frame, outermost first (see docs/analysis.md).
HIERARCHY = ("organisation", "directorate", "team")


def closed_questions(flat: Iterable[Mapping[str, Any]]) -> tuple[Question, ...]:
    """The questions scored as % positive: those with positive answers (agreement, yes/no, single choice
    where the file names them). Multiple choice and free text are not scored."""
    return tuple(
        Question(
            id=q["id"],
            positive=frozenset(q["positive"]),
            options=tuple(q.get("answers") or ()),
            section=q.get("section") or "",
            text=q.get("text") or "",
        )
        for q in flat
        if q.get("positive") and q.get("type", "agreement") != "multiple_choice"
    )


def free_text_questions(flat: Iterable[Mapping[str, Any]]) -> tuple[str, ...]:
    """The ids of the free-text questions, whose comments are published under their own threshold."""
    return tuple(q["id"] for q in flat if q.get("type") == "free_text")


def parse_breakdowns(values: Iterable[str]) -> tuple[tuple[str, ...], ...]:
    """``["team", "team,ethnicity"]`` -> ``(("team",), ("team", "ethnicity"))``; blanks are refused."""
    out = []
    for value in values:
        keys = tuple(part.strip() for part in value.split(","))
        if not all(keys):
            raise ValueError(f"--by {value!r}: name one column, or two separated by a comma")
        out.append(keys)
    return tuple(out)


def default_breakdowns(columns: Sequence[str], demographics: Sequence[str]) -> tuple[tuple[str, ...], ...]:
    """Every organisational level present, then every demographic present, each on its own."""
    present = set(columns)
    return tuple((c,) for c in (*HIERARCHY, *demographics) if c in present)


def spec_for(
    flat: Sequence[Mapping[str, Any]],
    *,
    columns: Sequence[str],
    demographics: Sequence[str],
    breakdowns: Sequence[tuple[str, ...]] = (),
    threshold: int = DEFAULT_THRESHOLD,
    comment_threshold: int = DEFAULT_COMMENT_THRESHOLD,
) -> AnalysisSpec:
    """The spec for a survey's flattened questions over a responses frame with these columns.

    Raises ValueError naming a breakdown column the responses do not have."""
    present = set(columns)
    chosen = tuple(breakdowns) or default_breakdowns(columns, demographics)
    for keys in chosen:
        for key in keys:
            if key not in present:
                known = ", ".join(sorted(c for c in (*HIERARCHY, *demographics) if c in present)) or "none"
                raise ValueError(
                    f"breakdown column {key!r} is not in the responses (columns to break down by: {known})"
                )
    return AnalysisSpec(
        questions=closed_questions(flat),
        breakdowns=chosen,
        hierarchy=tuple(h for h in HIERARCHY if h in present),
        threshold=threshold,
        comment_questions=free_text_questions(flat),
        comment_threshold=comment_threshold,
    )


def spec_for_definition(definition: SurveyDefinition, *, columns: Sequence[str], **options: Any) -> AnalysisSpec:
    """``spec_for`` from a survey file's definition (its demographics are the ones it collects)."""
    return spec_for(
        flatten(definition), columns=columns, demographics=[d.id for d in definition.demographics], **options
    )
