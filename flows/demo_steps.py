"""The demo's script: what the simulated people wait for at each point of the plan's life, and what they
then do. ``coproduce demo`` walks one plan through it, waiting on each step in turn; the throughput
benchmark (bench/throughput.py) walks hundreds at once, acting on whichever plan is ready. Either way
nobody moves a plan: each action is recorded through the services, and the recorded decision wakes a
run of the plan-lifecycle deployment, which moves the plan when the gate passes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from flows.demo_people import People
from plans.db import session_scope
from plans.domain.panel_outputs import REPEAT_OUTPUT
from plans.domain.stages import Stage
from plans.models import Plan, SurveyKind
from plans.repositories.evaluation import EvaluationRepository
from plans.repositories.panel import PanelRepository
from plans.repositories.plans import PlanRepository
from plans.repositories.signoff import SignOffRepository
from plans.repositories.surveys import SurveyRepository


@dataclass(frozen=True)
class Step:
    """People wait for ``waiting_for`` (the plan in ``stage`` and ``ready``), then ``act``, which returns
    what they did in words."""

    waiting_for: str
    stage: Stage | None
    ready: Callable[[Session, Plan], bool]
    act: Callable[[People], str]


def _always(s: Session, plan: Plan) -> bool:
    return True


def _survey_open(kind: SurveyKind) -> Callable[[Session, Plan], bool]:
    return lambda s, plan: SurveyRepository(s).for_plan(plan.id, kind) is not None


def _baseline_analysed(s: Session, plan: Plan) -> bool:
    survey = SurveyRepository(s).for_plan(plan.id, SurveyKind.BASELINE)
    return survey is not None and bool(SurveyRepository(s).findings(survey.id))


def _round_sent(s: Session, plan: Plan) -> bool:
    """The plan's current version has gone to the approvers."""
    return SignOffRepository(s).round_for(plan.id, plan.version) is not None


def _version(people: People) -> int:
    with session_scope() as s:
        plan = PlanRepository(s).get(people.plan_id)
        assert plan is not None
        return plan.version


def _vision(p: People) -> str:
    p.agree_vision()
    return "Vision: the working party added statements and everyone agreed"


def _baseline(p: People) -> str:
    return f"Evidence survey: {p.answer_survey(SurveyKind.BASELINE, rate=0.64, lift=0.0)} staff answered"


def _recommend(p: People) -> str:
    p.add_expectations()
    p.draft_recommendations()
    return (
        "Workshop: 17 sticky notes from 3 tables grouped into themes and dot-voted; recommendations drafted "
        "from the themes and findings, with the learning plan and investment ledger, and sent for sign-off"
    )


def _request_changes(p: People) -> str:
    p.sign_off(1, first_requests_changes=True)
    return "Sign-off: an approver requested changes to version 1"


def _revise(p: People) -> str:
    return f"Recommendations revised: version {p.draft_recommendations(revised=True)}"


def _approve(p: People) -> str:
    version = _version(p)
    p.sign_off(version, first_requests_changes=False)
    return f"Sign-off: all approvers approved version {version}"


def _deliver(p: People) -> str:
    p.deliver()
    return "Delivery: evidence and progress from the objectives' owners, and a formative report, at each checkpoint"


def _evaluate(p: People) -> str:
    p.evaluate()
    return (
        "Summative evaluation: expectations judged on their evidence, benefits valued for ROI, "
        "the panel reviewed, its challenge answered"
    )


def _repeat(p: People) -> str:
    return f"Repeat survey: {p.answer_survey(SurveyKind.REPEAT, rate=0.7, lift=0.2)} staff answered"


def _review_repeat(p: People) -> str:
    p.review_repeat()
    return "Repeat survey: the citizen panel reviewed its comparison with the baseline"


STEPS: tuple[Step, ...] = (
    Step("the working party to meet", Stage.VISION, _always, _vision),
    Step("the baseline survey to open", Stage.EVIDENCE_SURVEY, _survey_open(SurveyKind.BASELINE), _baseline),
    Step("the analysis of the baseline", Stage.RECOMMENDATIONS, _baseline_analysed, _recommend),
    Step("sign-off of version 1", Stage.SIGN_OFF, _round_sent, _request_changes),
    Step("the plan to return to recommendations", Stage.RECOMMENDATIONS, _always, _revise),
    Step("sign-off of the revised version", Stage.SIGN_OFF, _round_sent, _approve),
    Step(
        "the checkpoints to be scheduled",
        Stage.DELIVERY,
        lambda s, plan: len(EvaluationRepository(s).checkpoints(plan.id)) > 0,
        _deliver,
    ),
    Step("summative evaluation", Stage.SUMMATIVE_EVALUATION, _always, _evaluate),
    Step("the repeat survey to open", Stage.REPEAT_SURVEY, _survey_open(SurveyKind.REPEAT), _repeat),
    Step(
        "the repeat survey's comparison to be published to the citizen panel",
        None,
        lambda s, plan: PanelRepository(s).publication(plan.id, REPEAT_OUTPUT) is not None,
        _review_repeat,
    ),
)


def is_ready(session: Session, plan: Plan, step: Step) -> bool:
    """Whether the people can take ``step`` on ``plan`` now."""
    return (step.stage is None or plan.stage is step.stage) and step.ready(session, plan)
