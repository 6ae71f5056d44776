"""The ``wres`` field of a survey question: which WRES staff-survey indicator (5-8) it asks."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from plans.domain.survey_definition import SurveyDefinition, flatten, wres_questions


def survey(*questions: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": "Staff survey",
        "sections": [{"id": "equality", "title": "Equality", "learning_need": "Fair treatment"}],
        "questions": list(questions),
    }


def q(qid: str, **fields: Any) -> dict[str, Any]:
    return {"id": qid, "section": "equality", "text": f"Question {qid}?", **fields}


def problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        SurveyDefinition.model_validate(data)
    return [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in caught.value.errors()]


class TestWresField:
    def test_carried_by_flatten_and_found_by_indicator(self) -> None:
        d = SurveyDefinition.model_validate(
            survey(
                q("H1", type="yes_no", positive=["No"], wres=5),
                q("H2", type="yes_no", wres=6),
                q("EO", wres=7),
                q("D1", type="yes_no", wres=8),
                q("Other"),
            )
        )
        flat = flatten(d)
        assert [x.get("wres") for x in flat] == [5, 6, 7, 8, None]
        assert "wres" not in flat[4]  # a question without one flattens as it always did
        assert wres_questions(flat) == {5: "H1", 6: "H2", 7: "EO", 8: "D1"}

    @pytest.mark.parametrize("indicator", [0, 1, 4, 9])
    def test_only_the_survey_indicators(self, indicator: int) -> None:
        found = problems(survey(q("Q1", type="yes_no", wres=indicator)))
        assert any("wres: the survey indicators are 5, 6, 7 and 8" in e for e in found), found

    @pytest.mark.parametrize(
        "fields",
        [
            {"type": "single_choice", "answers": ["Never", "Often"], "positive": ["Never"]},
            {"type": "multiple_choice", "answers": ["A", "B"]},
            {"type": "free_text"},
        ],
    )
    def test_only_on_yes_no_or_agreement_questions(self, fields: dict[str, Any]) -> None:
        found = problems(survey(q("Q1", wres=8, **fields)))
        assert any(e.startswith("questions.0") and "indicator 8 needs a yes_no or agreement" in e for e in found)

    def test_each_indicator_at_most_once(self) -> None:
        (found,) = problems(survey(q("A", type="yes_no", wres=5), q("B", type="yes_no", wres=5)))
        assert "questions[1].wres: indicator 5 is already asked by questions[0]" in found
