"""The summative evaluation through the services, on SQLite and PostgreSQL: judgements with their chain
of evidence, benefits and Phillips ROI against the ledger, cost per participant, and every bad input
refused readably with nothing written."""

from __future__ import annotations

import pytest

from evaluation.roi import IsolationMethod
from plans.db import session_scope
from plans.domain.delivery import FieldsRefused
from plans.domain.errors import AlreadyDecided, InvalidInput, NotFound, NotPermitted, StageLocked
from plans.domain.gates import summative_reasons
from plans.domain.stages import Stage
from plans.models import utcnow
from plans.repositories.facts import FactsRepository
from plans.repositories.summative import SummativeRepository
from plans.schemas_summative import BenefitIn, RetrospectiveIn
from plans.services import summative
from plans.services.evidence_items import EvidenceDraft, submit_evidence
from tests.conftest import SMALL_PLAN, Database
from tests.summative_world import SummativeWorld, at_summative
from tests.support import create, walk_to

CLAIMS = [
    BenefitIn(
        description="Fewer complaints handled",
        value_pence=300_000,
        isolation_method=IsolationMethod.TREND_LINE,
        contribution_pct=50,
        confidence_pct=80,
        how_valued="30 complaints x £100 handling cost",
    ),  # adjusted £1,200.00
    BenefitIn(
        description="Less agency cover",
        value_pence=250_000,
        isolation_method=IsolationMethod.MANAGER_ESTIMATE,
        how_valued="Finance: agency invoices",
    ),  # £2,500.00
    BenefitIn(description="Citizens trust the council more"),  # intangible
]


@pytest.fixture
def world(db: Database) -> SummativeWorld:
    return at_summative()


def test_register_judgements_gate_and_retrospective(world: SummativeWorld) -> None:
    """The register with evidence and chains; a judgement; the gate naming what is unjudged; the
    retrospective written once."""
    with session_scope() as s:
        view = summative.summative_view(s, plan_id=world.plan_id)
    first, second = (next(e for e in view.expectations if e.id == i) for i in world.expectations)
    assert (first.chain.needed, first.chain.evidenced, first.chain.complete) == ([1], [1], True)
    assert [i.type_label for i in second.evidence] == ["Quote", "Learning (level 2)", "Reaction (level 1)"]
    assert second.chain.words == "Evidence at level 1 (reaction), 2 (learning): the chain is complete."
    assert (view.judged, view.unjudged, view.roi.participants, view.roi.participants_from) == (
        0, 2, 40, "attendance evidence",
    )  # fmt: skip
    coordinator = world.people.coordinator
    with session_scope() as s:
        out = summative.judge(
            s, plan_id=world.plan_id, actor=coordinator, expectation_id=world.expectations[1],
            judgement="met", evidence="82% passed the check; feedback 4.4 of 5.", now=utcnow(),
        )  # fmt: skip
    assert (out.judgement_label, out.caution) == ("Met", None)
    with session_scope() as s:
        reasons = summative_reasons(FactsRepository(s).load([world.plan_id], utcnow())[world.plan_id])
    assert "1 expectation(s) not yet judged: Staff rate the learning as useful" in reasons
    with pytest.raises(AlreadyDecided), session_scope() as s:
        summative.judge(
            s, plan_id=world.plan_id, actor=coordinator, expectation_id=world.expectations[1],
            judgement="not_met", evidence="again", now=utcnow(),
        )  # fmt: skip
    with pytest.raises(InvalidInput, match="judgement: choose met, partly met or not met"), session_scope() as s:
        summative.judge(
            s, plan_id=world.plan_id, actor=coordinator, expectation_id=world.expectations[0],
            judgement="great", evidence="x", now=utcnow(),
        )  # fmt: skip
    with pytest.raises(NotFound, match=r"expectation_id: plan \d+ has no expectation 999999"), session_scope() as s:
        summative.judge(
            s, plan_id=world.plan_id, actor=coordinator, expectation_id=999_999,
            judgement="met", evidence="x", now=utcnow(),
        )  # fmt: skip
    body = RetrospectiveIn(
        what_we_did="Induction for all staff.", what_we_learned="Co-delivery works.",
        pleased_about="Citizens co-delivered.", could_have_been_different="Start earlier.",
    )  # fmt: skip
    with session_scope() as s:
        written = summative.write_retrospective(s, plan_id=world.plan_id, actor=coordinator, body=body, now=utcnow())
    assert written.pleased_about == "Citizens co-delivered."
    with pytest.raises(AlreadyDecided), session_scope() as s:
        summative.write_retrospective(s, plan_id=world.plan_id, actor=coordinator, body=body, now=utcnow())


def test_roi_against_the_ledger_and_bad_benefits_refused_by_row(world: SummativeWorld) -> None:
    coordinator = world.people.coordinator
    with session_scope() as s:
        r = summative.set_benefits(s, plan_id=world.plan_id, actor=coordinator, items=CLAIMS, now=utcnow())
    # costs £2,250; benefits £1,200 + £2,500 = £3,700; ROI (3700 - 2250) / 2250 = 64.4%
    assert (r.costs, r.benefits, r.net, r.roi) == ("£2,250.00", "£3,700.00", "£1,450.00", "64.4%")
    assert r.cost_per_participant == "£56.25"  # 2,250 / 40
    assert [b.adjusted for b in r.counted] == ["£1,200.00", "£2,500.00"]
    assert [b.description for b in r.intangible] == ["Citizens trust the council more"]
    bad = [
        CLAIMS[0],
        BenefitIn(description="Saved overtime", value_pence=10_000, how_valued="rota"),  # no isolation method
        BenefitIn(description=" ", value_pence=5, isolation_method="forecasting", confidence_pct=120),
        BenefitIn(description="Other plan's", expectation_id=999_999),
        BenefitIn(description="Huge", value_pence=3_000_000_000, isolation_method="forecasting", how_valued="x"),
        BenefitIn(description="Morale", confidence_pct=500),  # intangible, still a percentage
    ]
    with pytest.raises(FieldsRefused) as refused, session_scope() as s:
        summative.set_benefits(s, plan_id=world.plan_id, actor=coordinator, items=bad, now=utcnow())
    assert [f for f, _ in refused.value.problems] == [
        "benefits[1].isolation_method",
        "benefits[2].description",
        "benefits[2].confidence_pct",
        "benefits[2].how_valued",
        "benefits[3].expectation_id",
        "benefits[4].value",
        "benefits[5].confidence_pct",
    ]
    assert "benefits[1].isolation_method: a benefit with a money value needs an isolation method" in str(refused.value)
    with session_scope() as s:
        assert len(SummativeRepository(s).benefits(world.plan_id)) == 3  # the earlier claims stand
    with pytest.raises(NotPermitted), session_scope() as s:
        summative.set_benefits(s, plan_id=world.plan_id, actor=world.people.panel[0], items=CLAIMS, now=utcnow())


def test_evidence_for_an_expectation_of_another_plan_is_refused(world: SummativeWorld) -> None:
    other_id, other_people = create(SMALL_PLAN, slug="other-plan")
    walk_to(other_id, other_people, Stage.SIGN_OFF)
    with session_scope() as s:
        foreign = sorted(SummativeRepository(s).expectation_ids(other_id))[0]
    draft = EvidenceDraft(
        type="reaction", summary="Rated", value=4.0, unit="out of 5", participants=3, expectation_id=foreign
    )
    with pytest.raises(FieldsRefused) as refused, session_scope() as s:
        submit_evidence(s, plan_id=world.plan_id, actor=world.people.coordinator, draft=draft, now=utcnow())
    assert f"expectation_id: expectation {foreign} is not in this plan's register" in str(refused.value)
    with pytest.raises(StageLocked), session_scope() as s:
        summative.set_benefits(s, plan_id=other_id, actor=other_people.coordinator, items=CLAIMS, now=utcnow())
