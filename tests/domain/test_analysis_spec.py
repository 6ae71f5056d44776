"""Turning a survey (stored or from its file) into what the analysis pipeline takes."""

from __future__ import annotations

import pytest

from plans.domain.analysis_spec import (
    closed_questions,
    default_breakdowns,
    free_text_questions,
    parse_breakdowns,
    spec_for,
)

FLAT = [
    {
        "id": "Q1",
        "section": "k",
        "type": "agreement",
        "text": "I know",
        "answers": ["SA", "A", "N", "D", "SD"],
        "positive": ["SA", "A"],
    },
    {"id": "Q2", "section": "s", "type": "yes_no", "text": "Trained?", "answers": ["Yes", "No"], "positive": ["Yes"]},
    {"id": "Q3", "section": "s", "type": "multiple_choice", "text": "Which?", "answers": ["a", "b"], "positive": []},
    {"id": "Q4", "section": "s", "type": "single_choice", "text": "Format?", "answers": ["x", "y"], "positive": []},
    {"id": "Q5", "section": "o", "type": "free_text", "text": "Anything else?", "answers": [], "positive": []},
]


def test_only_scored_questions_are_closed_and_keep_scale_section_and_wording() -> None:
    qs = closed_questions(FLAT)
    assert [q.id for q in qs] == ["Q1", "Q2"]
    assert qs[0].options == ("SA", "A", "N", "D", "SD") and qs[0].positive == {"SA", "A"}
    assert (qs[1].section, qs[1].text) == ("s", "Trained?")
    assert free_text_questions(FLAT) == ("Q5",)


def test_breakdowns_from_the_command_line() -> None:
    assert parse_breakdowns(["team", "team, ethnicity"]) == (("team",), ("team", "ethnicity"))
    with pytest.raises(ValueError, match="--by 'team,'"):
        parse_breakdowns(["team,"])


def test_default_breakdowns_are_the_levels_then_the_demographics_present() -> None:
    cols = ["team", "organisation", "ethnicity", "Q1"]
    assert default_breakdowns(cols, ["staff_group", "ethnicity"]) == (("organisation",), ("team",), ("ethnicity",))


def test_spec_names_a_breakdown_the_responses_lack() -> None:
    spec = spec_for(FLAT, columns=["team", "directorate", "ethnicity", "Q1", "Q2", "Q5"], demographics=["ethnicity"])
    assert spec.hierarchy == ("directorate", "team")
    assert spec.breakdowns == (("directorate",), ("team",), ("ethnicity",))
    assert spec.comment_questions == ("Q5",)
    with pytest.raises(
        ValueError,
        match=r"column .grade. is not in the responses \(columns to break down by: directorate, ethnicity, team",
    ):
        spec_for(
            FLAT, columns=["team", "directorate", "ethnicity"], demographics=["ethnicity"], breakdowns=[("grade",)]
        )
