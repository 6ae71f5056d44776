"""The summative evaluation: every expectation of the register with the evidence given for it, the chain
that evidence makes up the Kirkpatrick levels and the coordinator's judgement; the benefits claimed and
the return on the investment ledger (Phillips); and the retrospective.

The chain is shown beside a judgement, never instead of it: people judge (``evaluation/roe.py``), and a
judgement the linked evidence cannot carry is shown with a caution saying which level is missing. A
benefit with a money value counts in ROI only with an isolation method; benefits are saved as a whole
list, all or nothing, with every bad row named (``benefits[2].isolation_method``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from evaluation import roe
from evaluation.roi import Benefit, IsolationMethod, benefit_problems, cost_per_participant, roi, round_pence
from evaluation.roi import adjusted_value as adjusted
from plans.domain.delivery import Problem, refuse_if_any
from plans.domain.errors import InvalidInput, NotFound, StageLocked
from plans.domain.expectations import level_label
from plans.domain.facts import Judgement
from plans.domain.investment import pounds
from plans.domain.stages import Stage
from plans.models import BenefitClaim, Plan, Role, SummativeReport
from plans.repositories.delivery import DeliveryRepository
from plans.repositories.evaluation import EvaluationRepository
from plans.repositories.summative import SummativeRepository
from plans.schemas_delivery import EvidenceItemOut
from plans.schemas_summative import (
    BenefitIn,
    BenefitOut,
    ChainOut,
    ExpectationJudgedOut,
    RetrospectiveIn,
    RetrospectiveOut,
    RoiOut,
    SummativeView,
)
from plans.services import evaluation
from plans.services.actors import Actor
from plans.services.audit_trail import record_and_wake
from plans.services.delivery_views import item_out
from plans.services.expectations import expectation_rows
from plans.services.investment import lines
from plans.services.lifecycle import load_plan

JUDGEMENT_WORDS = {"met": "Met", "partly_met": "Partly met", "not_met": "Not met"}
MAX_DESCRIPTION, MAX_HOW = 2000, 2000
MAX_VALUE_PENCE = 2_000_000_000  # £20m: the column holds whole pence as a 32-bit integer
MAX_ID = 2**31 - 1


def chain_words(c: roe.Chain) -> str:
    """The chain in a sentence a stakeholder can read."""
    have = [f"{lv.value} ({lv.label.lower()})" for lv in c.needed if lv in c.evidenced]
    gaps = [f"{lv.value} ({lv.label.lower()})" for lv in c.gaps]
    if not have:
        return f"No evidence yet at any of the levels it needs (1 to {c.level.value})."
    said = f"Evidence at level {', '.join(have)}"
    return f"{said}; none yet at level {', '.join(gaps)}." if gaps else f"{said}: the chain is complete."


def _chain_out(c: roe.Chain) -> ChainOut:
    return ChainOut(
        needed=[lv.value for lv in c.needed],
        evidenced=sorted(lv.value for lv in c.evidenced),
        gaps=[lv.value for lv in c.gaps],
        complete=c.complete,
        words=chain_words(c),
    )


def expectations_judged(session: Session, plan: Plan) -> list[ExpectationJudgedOut]:
    """Every expectation of the register with its evidence items, chain and judgement."""
    stored = {e.id: e for e in EvaluationRepository(session).expectations(plan.id)}
    numbers = {c.id: c.number for c in EvaluationRepository(session).checkpoints(plan.id)}
    evidence: dict[int, list[EvidenceItemOut]] = defaultdict(list)
    for item, giver in DeliveryRepository(session).items(plan.id):
        if item.expectation_id is not None:
            evidence[item.expectation_id].append(item_out(item, giver, numbers))
    out = []
    for row in expectation_rows(session, plan.id):
        e = stored[row.id]
        items = evidence[e.id]
        c = roe.chain(e.level, [i.level for i in items if i.level is not None])
        caution = roe.judgement_problem(e.judgement or Judgement.MET, c)
        out.append(
            ExpectationJudgedOut(
                id=e.id,
                stakeholder=row.stakeholder,
                text=e.text,
                measure=e.measure,
                target=e.target,
                level=e.level,
                level_label=level_label(e.level),
                evidence=items,
                chain=_chain_out(c),
                judgement=e.judgement.value if e.judgement else None,
                judgement_label=JUDGEMENT_WORDS[e.judgement.value] if e.judgement else None,
                judgement_evidence=e.evidence,
                caution=caution[:1].upper() + caution[1:] if caution else None,
            )
        )
    return out


def _benefit(row: BenefitClaim) -> Benefit:
    return Benefit(row.description, row.value_pence, row.isolation_method, row.contribution_pct, row.confidence_pct)


def _benefit_out(row: BenefitClaim) -> BenefitOut:
    money = row.value_pence is not None and row.isolation_method is not None
    value = round_pence(adjusted(_benefit(row))) if money else None
    method = row.isolation_method
    return BenefitOut(
        id=row.id,
        description=row.description,
        value_pence=row.value_pence,
        value=pounds(row.value_pence) if row.value_pence is not None else None,
        isolation_method=method.value if method else None,
        isolation_label=method.label if method else None,
        contribution_pct=row.contribution_pct,
        confidence_pct=row.confidence_pct,
        adjusted_pence=value,
        adjusted=pounds(value) if value is not None else None,
        how_valued=row.how_valued,
        expectation_id=row.expectation_id,
        intangible=row.value_pence is None,
    )


def participants(session: Session, plan_id: int) -> tuple[int, str]:
    """How many people took part, and where the count comes from: the attendance evidence, or failing
    that the attendance recorded with the checkpoints."""
    repo = SummativeRepository(session)
    counted = repo.attendance_evidence(plan_id)
    if counted is not None:
        return counted, "attendance evidence"
    recorded = repo.checkpoint_attendance(plan_id)
    if recorded is not None:
        return recorded, "attendance recorded at the formative checkpoints"
    return 0, "no attendance has been recorded"


def roi_out(session: Session, plan_id: int) -> RoiOut:
    """The return on the investment ledger's total, with the cost per participant."""
    _, totals = lines(session, plan_id=plan_id)
    rows = list(SummativeRepository(session).benefits(plan_id))
    result = roi(totals.overall_pence, [_benefit(r) for r in rows])  # stored rows passed the same checks
    people, source = participants(session, plan_id)
    per = cost_per_participant(result.costs_pence, people)
    out = [_benefit_out(r) for r in rows]
    return RoiOut(
        costs_pence=result.costs_pence,
        costs=pounds(result.costs_pence),
        benefits_pence=result.benefits_pence,
        benefits=pounds(result.benefits_pence),
        net_pence=result.net_pence,
        net=pounds(result.net_pence),
        roi_pct=float(result.roi_pct) if result.roi_pct is not None else None,
        roi="not defined (nothing was spent)" if result.roi_pct is None else f"{float(result.roi_pct):,.1f}%",
        benefit_cost_ratio=float(result.benefit_cost_ratio) if result.benefit_cost_ratio is not None else None,
        participants=people,
        participants_from=source,
        cost_per_participant_pence=per,
        cost_per_participant=pounds(per) if per is not None else None,
        counted=[b for b in out if not b.intangible],
        intangible=[b for b in out if b.intangible],
    )


def _retrospective(report: SummativeReport | None) -> RetrospectiveOut | None:
    if report is None:
        return None
    return RetrospectiveOut(
        what_we_did=report.what_we_did,
        what_we_learned=report.what_we_learned,
        pleased_about=report.pleased_about,
        could_have_been_different=report.could_have_been_different,
        recorded_at=report.recorded_at,
    )


def summative_view(session: Session, *, plan_id: int) -> SummativeView:
    """The summative page's and the API's view of the plan."""
    plan = load_plan(session, plan_id)
    rows = expectations_judged(session, plan)
    counts = {j: sum(1 for r in rows if r.judgement == j) for j in JUDGEMENT_WORDS}
    judged = sum(counts.values())
    return SummativeView(
        plan_id=plan.id,
        title=plan.title,
        stage=plan.stage.value,
        editable=plan.stage is Stage.SUMMATIVE_EVALUATION,
        expectations=rows,
        judged=judged,
        unjudged=len(rows) - judged,
        by_judgement=counts,
        complete_chains=sum(1 for r in rows if r.chain.complete),
        roi=roi_out(session, plan.id),
        retrospective=_retrospective(EvaluationRepository(session).summative_report(plan.id)),
        isolation_methods=[(m.value, m.label) for m in IsolationMethod],
    )


def _summative(session: Session, plan_id: int, actor: Actor, action: str) -> Plan:
    actor.require(Role.COORDINATOR, action)
    plan = load_plan(session, plan_id)
    if plan.stage is not Stage.SUMMATIVE_EVALUATION:
        raise StageLocked(
            f"{action} belongs to the summative evaluation stage; plan {plan.id} is in {plan.stage.label}"
        )
    return plan


def benefits_problems(items: Sequence[BenefitIn], expectation_ids: set[int]) -> list[Problem]:
    """Every problem of the benefits as given, each naming its row and field."""
    found: list[Problem] = []
    given = [
        Benefit(b.description, b.value_pence, b.isolation_method, b.contribution_pct, b.confidence_pct) for b in items
    ]
    for text in benefit_problems(given):
        field, _, message = text.partition(": ")
        found.append((field, message))
    for i, b in enumerate(items):
        if len(b.description) > MAX_DESCRIPTION:
            found.append((f"benefits[{i}].description", f"keep it under {MAX_DESCRIPTION} characters"))
        if len(b.how_valued) > MAX_HOW:
            found.append((f"benefits[{i}].how_valued", f"keep it under {MAX_HOW} characters"))
        if b.value_pence is not None and b.value_pence > MAX_VALUE_PENCE:
            found.append((f"benefits[{i}].value", f"keep it under {pounds(MAX_VALUE_PENCE)}"))
        if b.value_pence is not None and not b.how_valued.strip():
            found.append((f"benefits[{i}].how_valued", "say how the money value was worked out"))
        for name, pct in (("contribution_pct", b.contribution_pct), ("confidence_pct", b.confidence_pct)):
            if b.value_pence is None and not 0 <= pct <= 100:  # the rules check these on monetised rows only
                found.append((f"benefits[{i}].{name}", f"{pct} is not a percentage from 0 to 100"))
        if b.value_pence is None and b.isolation_method is not None:
            found.append((f"benefits[{i}].value", "an isolation method needs a money value to apply to"))
        if b.expectation_id is not None and b.expectation_id not in expectation_ids:
            found.append((f"benefits[{i}].expectation_id", f"expectation {b.expectation_id} is not in this register"))
    return sorted(found, key=lambda p: _row_of(p[0]))


def _row_of(field: str) -> int:
    inside = field.partition("[")[2].partition("]")[0]
    return int(inside) if inside.isdigit() else -1


def set_benefits(
    session: Session,
    *,
    plan_id: int,
    actor: Actor,
    items: Sequence[BenefitIn],
    now: datetime,
    found: Sequence[Problem] = (),
) -> RoiOut:
    """Replace the plan's benefits with ``items``, all or nothing; returns the return on investment.
    ``found`` are problems the caller met reading the rows (a sum that is not money), refused together
    with the rules' own, one per field."""
    plan = _summative(session, plan_id, actor, "claiming benefits")
    repo = SummativeRepository(session)
    problems: dict[str, str] = {}
    for name, message in [*found, *benefits_problems(items, repo.expectation_ids(plan.id))]:
        problems.setdefault(name, message)
    refuse_if_any(sorted(problems.items(), key=lambda p: _row_of(p[0])))
    assert actor.person_id is not None
    repo.replace_benefits(
        plan.id,
        [
            BenefitClaim(
                expectation_id=b.expectation_id,
                description=b.description.strip(),
                value_pence=b.value_pence,
                isolation_method=b.isolation_method,
                contribution_pct=b.contribution_pct,
                confidence_pct=b.confidence_pct,
                how_valued=b.how_valued.strip(),
                recorded_by_id=actor.person_id,
                recorded_at=now,
            )
            for b in items
        ],
    )
    result = roi_out(session, plan.id)
    record_and_wake(
        session,
        plan=plan,
        actor=actor,
        kind="benefits_claimed",
        now=now,
        data={
            "benefits": len(items),
            "intangible": len(result.intangible),
            "benefits_pence": result.benefits_pence,
            "costs_pence": result.costs_pence,
        },
    )
    return result


def judge(
    session: Session, *, plan_id: int, actor: Actor, expectation_id: int, judgement: str, evidence: str, now: datetime
) -> ExpectationJudgedOut:
    """Judge one expectation (met, partly met, not met) with what the evidence shows; returns it as the
    register now shows it, its chain and any caution beside the judgement."""
    if not 0 < expectation_id <= MAX_ID:
        raise NotFound(f"expectation_id: plan {plan_id} has no expectation {expectation_id}")
    if judgement not in JUDGEMENT_WORDS:
        raise InvalidInput(f"judgement: choose met, partly met or not met (not {judgement!r})")
    evaluation.judge_expectation(
        session,
        plan_id=plan_id,
        actor=actor,
        expectation_id=expectation_id,
        judgement=Judgement(judgement),
        evidence=evidence,
        now=now,
    )
    plan = load_plan(session, plan_id)
    return next(e for e in expectations_judged(session, plan) if e.id == expectation_id)


def write_retrospective(
    session: Session, *, plan_id: int, actor: Actor, body: RetrospectiveIn, now: datetime
) -> RetrospectiveOut:
    """The retrospective (the summative report's words), published to the citizen panel; every empty
    part is named at once."""
    _summative(session, plan_id, actor, "writing the summative report")
    asks = {
        "what_we_did": "say what the plan did",
        "what_we_learned": "say what you learned",
        "pleased_about": "say what you are pleased about",
        "could_have_been_different": "say what could have been different",
    }
    refuse_if_any([(name, ask) for name, ask in asks.items() if not str(getattr(body, name)).strip()])
    report = evaluation.write_summative_report(
        session,
        plan_id=plan_id,
        actor=actor,
        did=body.what_we_did,
        learned=body.what_we_learned,
        pleased=body.pleased_about,
        different=body.could_have_been_different,
        now=now,
    )
    out = _retrospective(report)
    assert out is not None
    return out
