"""Gaps between groups of staff, baseline against repeat, from the plan's real analyses: each group of
each characteristic against the first option the survey lists, the change worked out as
``evaluation.gap_change`` does from the published findings, shown to the panel and in the final report;
people who preferred not to say are not a group, and a hidden group gives no gap."""

from __future__ import annotations

import pytest

from evaluation.gap_change import gap_changes
from plans.config import settings
from plans.db import session_scope
from plans.domain.errors import InvalidInput
from plans.domain.stages import Stage
from plans.domain.survey_answers import PREFER_NOT_TO_SAY
from plans.models import SurveyKind, utcnow
from plans.reports.render import report_html
from plans.repositories.analysis import AnalysisRepository
from plans.repositories.surveys import SurveyRepository
from plans.services import panel, responses
from plans.services.final_report import final_report
from plans.services.gap_comparison import plan_gap_comparison
from tests.api.test_vision_pages import PAT, sign_in
from tests.conftest import SMALL_PLAN, Database
from tests.support import create, walk_to


def test_gaps_before_and_after_from_the_real_analyses(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "reporting_threshold", 3)  # the small plan's groups are a handful each
    plan_id, people = create(SMALL_PLAN)
    walk_to(plan_id, people, Stage.CLOSED)
    with session_scope() as s:
        gaps = plan_gap_comparison(s, plan_id=plan_id)
        surveys = SurveyRepository(s)
        baseline = surveys.for_plan(plan_id, SurveyKind.BASELINE)
        repeat = surveys.for_plan(plan_id, SurveyKind.REPEAT)
        assert baseline is not None and repeat is not None
        analyses = AnalysisRepository(s)
        expected = gap_changes(
            analyses.group_findings(baseline.id), analyses.group_findings(repeat.id), "ethnicity", "White"
        )
    assert {(g.characteristic, g.reference) for g in gaps} == {
        ("Your staff group", "Social care"),
        ("Your ethnic group", "White"),
    }
    assert PREFER_NOT_TO_SAY not in {g.group for g in gaps} and {g.group for g in gaps} >= {"Black and minority ethnic"}
    ethnic = [g for g in gaps if g.reference == "White"]
    assert [(g.question_id, g.before, g.after) for g in ethnic] == [
        (r["question"], r["before"], r["after"])
        for r in expected.iter_rows(named=True)
        if r["group"] == "Black and minority ethnic"
    ]
    shown = [g for g in gaps if g.before is not None and g.after is not None]
    assert shown, "with a threshold of 3 some gaps are shown in both surveys"
    assert all(g.change.endswith(("could be chance)", "a real change)")) for g in shown)
    assert all(g.change.startswith("no comparison: ") for g in gaps if g not in shown)

    with session_scope() as s:
        comparison = panel.panel_plan(s, plan_id=plan_id).repeat_survey
        html = report_html(final_report(s, plan_id=plan_id, now=utcnow()))
    assert comparison is not None and comparison.gaps == gaps
    assert ">Gaps between groups of staff</h3>" in html and "compared with White (Your ethnic group)" in html
    page = sign_in(PAT).get(f"/panel/plans/{plan_id}").text
    assert "Gaps between groups of staff" in page and "Black and minority ethnic, compared with White" in page


def test_recorded_responses_carry_demographics_and_refuse_unknown_ones(db: Database) -> None:
    plan_id, people = create(SMALL_PLAN)
    walk_to(plan_id, people, Stage.EVIDENCE_SURVEY)
    rows = [
        {"team": "T1", "answers": {}, "demographics": {"ethnicity": "White", "shoe_size": "9"}},
        {"team": "T1", "answers": {}, "demographics": {"staff_group": "Astronaut"}},
        {"team": "T1", "answers": {}, "demographics": "White"},
    ]
    with pytest.raises(InvalidInput) as refused, session_scope() as s:
        responses.record(
            s, plan_id=plan_id, kind=SurveyKind.BASELINE, rows=rows, actor=people.coordinator, now=utcnow()
        )
    assert str(refused.value) == (
        "row 1: demographics.shoe_size: the survey asks no such question about people; "
        "row 2: demographics.staff_group: 'Astronaut' is not one of its options; "
        "row 3: demographics: expected a mapping of demographic id to option; nothing was recorded"
    )
