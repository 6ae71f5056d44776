"""Formative checkpoints through the daily ``chase`` flow against the session's real Prefect API: the run
asks the evidence owners whose checkpoint's window has opened (inside its one chase task, never a task
per person), and publishes each recorded checkpoint's formative report once as a markdown artifact keyed
by plan and checkpoint. The markdown itself is checked without Prefect."""

from __future__ import annotations

from datetime import UTC, date, datetime

from prefect.artifacts import Artifact

from flows.chasing import chase
from flows.formative_artifacts import report_markdown
from plans.db import session_scope
from plans.domain.delivery import EvidenceType, Rag
from plans.schemas_delivery import FormativeReportOut, ObjectiveAtCheckpointOut, TypeSummaryOut
from plans.services import evaluation
from plans.services.formative import artifact_key
from tests.conftest import Database
from tests.delivery_world import ASKING, CORA, actor, in_delivery

REPORT = FormativeReportOut(
    plan_id=4,
    plan_title="Small | plan",
    output="formative-2",
    number=2,
    due_on=date(2027, 7, 4),
    recorded_at=datetime(2027, 7, 6, tzinfo=UTC),
    what_we_did="Ran workshops.\n# not a heading",
    what_we_learned="Co-delivery works.",
    what_we_will_change="",
    attendance=None,
    evidence_summary=[
        TypeSummaryOut(
            type=EvidenceType.REACTION, label="Reaction (level 1)", level=1, items=2, participants=40,
            figures=["mean 4.8 out of 5 (2 pieces of evidence, 40 people)"],
        )
    ],
    levels=[1],
    evidence=[],
    objectives=[
        ObjectiveAtCheckpointOut(
            id=1, text="Report back", owner="Tess", status=Rag.AMBER, percent_complete=40, note="a|b"
        ),
        ObjectiveAtCheckpointOut(id=2, text="Coach", owner="Tom", status=None, percent_complete=None, note=""),
    ],
    rag={"red": 0, "amber": 1, "green": 0, "not reported": 1},
    requests=[],
)  # fmt: skip


def test_the_markdown_of_a_report() -> None:
    text = report_markdown(REPORT)
    assert text.startswith("# Small \\| plan: formative checkpoint 2\n")
    assert "\\# not a heading" in text and "## What we will change\n\n(nothing written)" in text
    assert "| Reaction (level 1) | 2 | 40 | mean 4.8 out of 5 (2 pieces of evidence, 40 people) |" in text
    assert "| Report back | Tess | Amber | 40% | a\\|b |" in text and "| Coach | Tom | Not reported | - | - |" in text
    assert "Kirkpatrick levels with evidence: 1." in text and "0 of 0 asked answered." in text


def test_the_chase_asks_owners_and_publishes_each_report_once(prefect_api: str, db: Database) -> None:
    w = in_delivery()
    first = chase(at=ASKING)
    assert first["evidence_requests"] == 2 and first["formative_reports"] == 0
    with session_scope() as s:
        evaluation.record_checkpoint(
            s,
            plan_id=w.plan_id,
            actor=actor(CORA),
            number=1,
            did="Ran two workshops.",
            learned="Front-line staff could not be released.",
            change="Run them in team meetings.",
            attendance=37,
            now=datetime(2027, 7, 6, 15, tzinfo=UTC),
        )
    second = chase(at=datetime(2027, 7, 7, 8, tzinfo=UTC))
    assert second["evidence_requests"] == 0 and second["formative_reports"] == 1
    artifact = Artifact.get(artifact_key(w.plan_id, 1))
    assert artifact is not None and artifact.type == "markdown"
    text = str(artifact.data)
    assert "## What we learned\n\nFront-line staff could not be released." in text
    assert "0 of 2 asked answered." in text and "No answer from: Tess Manager, Tom Manager." in text
    assert chase(at=datetime(2027, 7, 8, 8, tzinfo=UTC))["formative_reports"] == 0
