"""The summative report as a Prefect markdown artifact through the daily ``chase`` flow against the
session's real Prefect API: published once as a draft when the retrospective is written (a re-run
publishes nothing), under a key stable per plan; the markdown names the judgements with their chain of
evidence, the return on investment with the isolation method, and the retrospective."""

from __future__ import annotations

import pytest
from prefect.artifacts import Artifact

from evaluation.roi import IsolationMethod
from flows.chasing import chase
from flows.summative_artifacts import summative_markdown
from plans.db import session_scope
from plans.models import utcnow
from plans.schemas_summative import BenefitIn, RetrospectiveIn
from plans.services import summative
from plans.services.final_report import final_report
from plans.services.summative_publishing import artifact_key
from tests.conftest import Database
from tests.summative_world import at_summative


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)  # the publishing rule, not the database, is tested
def test_the_chase_publishes_the_summative_report_once(prefect_api: str, db: Database) -> None:
    world = at_summative()
    coordinator = world.people.coordinator
    claims = [
        BenefitIn(
            description="Fewer complaints | handled", value_pence=300_000, isolation_method=IsolationMethod.TREND_LINE,
            contribution_pct=50, confidence_pct=80, how_valued="30 complaints x £100",
        ),
        BenefitIn(description="Citizens trust the council more"),
    ]  # fmt: skip
    retro = RetrospectiveIn(
        what_we_did="Induction for all staff.\n# not a heading", what_we_learned="Co-delivery works.",
        pleased_about="Citizens co-delivered.", could_have_been_different="Start earlier.",
    )  # fmt: skip
    with session_scope() as s:
        summative.judge(
            s, plan_id=world.plan_id, actor=coordinator, expectation_id=world.expectations[1], judgement="met",
            evidence="82% passed.", now=utcnow(),
        )  # fmt: skip
        summative.set_benefits(s, plan_id=world.plan_id, actor=coordinator, items=claims, now=utcnow())
    assert chase(at=utcnow())["summative_reports"] == 0  # nothing to publish before the retrospective
    with session_scope() as s:
        summative.write_retrospective(s, plan_id=world.plan_id, actor=coordinator, body=retro, now=utcnow())
        text = summative_markdown(final_report(s, plan_id=world.plan_id, now=utcnow()))
    assert text.startswith("# Small test plan: summative report\n\nDraft: the plan is in summative evaluation.")
    assert "## Expectations: 1 met, 0 partly met, 0 not met, 1 not judged" in text
    assert "Evidence at level 1 (reaction), 2 (learning): the chain is complete. |" in text
    assert "| Fewer complaints \\| handled | £3,000.00 | trend line | 50% | 80% | £1,200.00 |" in text
    assert "return on investment **-46.7%**" in text and "\\# not a heading" in text

    assert chase(at=utcnow())["summative_reports"] == 1
    artifact = Artifact.get(artifact_key(world.plan_id))
    assert artifact is not None and artifact.type == "markdown"
    assert "## What we are pleased about\n\nCitizens co-delivered." in str(artifact.data)
    assert chase(at=utcnow())["summative_reports"] == 0
