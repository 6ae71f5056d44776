"""The work each stage does by itself, run by the lifecycle flow before it tries the gate: open and
close surveys, send a version for sign-off, schedule checkpoints and ask evidence owners for their
evidence once a checkpoint's window opens. A closed survey is analysed by the ``analyse-survey`` flow,
which the lifecycle flow runs for every closed survey without an analysis before it tries the gate
(``plans.services.analysis.unanalysed``), in a transaction of its own: the close is recorded even if an
analysis fails, and the next run analyses it before the plan moves on.

Every piece is idempotent: it looks at what the database already holds and does only what is
missing, so a re-run (or a run racing another) never does the work twice.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy.orm import Session

from plans.domain.calendar import checkpoint_dates
from plans.domain.stages import Stage
from plans.models import Checkpoint, Plan, SignOffRound, Survey, SurveyKind
from plans.repositories.evaluation import EvaluationRepository
from plans.repositories.sign_off_document import SignOffDocumentRepository
from plans.repositories.signoff import SignOffRepository
from plans.repositories.surveys import SurveyRepository
from plans.services import evidence_requests, survey_admin, survey_opening
from plans.services.audit_trail import record_system
from plans.services.lifecycle import facts_for, load_plan
from plans.services.plan_document import content_hash

SIGN_OFF_DAYS = 14


def run(session: Session, *, plan_id: int, now: datetime) -> list[str]:
    """Do whatever the plan's current stage needs doing now; returns what was done, in words."""
    plan = load_plan(session, plan_id, lock=True)
    work = {
        Stage.EVIDENCE_SURVEY: lambda: _survey_work(session, plan, SurveyKind.BASELINE, now),
        Stage.SIGN_OFF: lambda: _ensure_round(session, plan, now),
        Stage.DELIVERY: lambda: _ensure_checkpoints(session, plan) + _ask_for_evidence(session, plan, now),
        Stage.REPEAT_SURVEY: lambda: _survey_work(session, plan, SurveyKind.REPEAT, now),
    }.get(plan.stage)
    return work() if work else []


def _audit(session: Session, plan: Plan, kind: str, now: datetime, data: dict[str, object], key: str) -> None:
    record_system(session, plan=plan, kind=kind, now=now, data=dict(data), dedupe_key=f"plan:{plan.id}:{key}")


def _survey_work(session: Session, plan: Plan, kind: SurveyKind, now: datetime) -> list[str]:
    repo = SurveyRepository(session)
    survey = repo.for_plan(plan.id, kind)
    done: list[str] = []
    if survey is None:
        survey = _open_survey(session, plan, kind, now)
        done.append(f"opened the {kind.value} survey until {survey.closes_at:%d %B %Y}")
    if survey.closed_at is None:
        facts = facts_for(session, plan.id, now)
        s = facts.baseline if kind is SurveyKind.BASELINE else facts.repeat
        assert s is not None
        why = s.close_reason(now)
        if why is not None:
            survey.closed_at = now
            _audit(
                session,
                plan,
                "survey_closed",
                now,
                {
                    "survey": kind.value,
                    "responses": s.responses,
                    "eligible": s.eligible,
                    "rate": round(s.rate, 4),
                    "why": why,
                    "by_team": [
                        {"team": code, "responses": n, "eligible": e}
                        for code, _, n, e in repo.team_rates(survey.id, plan.organisation_id)
                    ],
                },
                f"survey:{kind.value}:closed",
            )
            done.append(f"closed the {kind.value} survey ({why}: {s.responses} of {s.eligible})")
    return done


def _open_survey(session: Session, plan: Plan, kind: SurveyKind, now: datetime) -> Survey:
    repo = SurveyRepository(session)
    baseline = repo.for_plan(plan.id, SurveyKind.BASELINE) if kind is SurveyKind.REPEAT else None
    template = plan.survey_template or {}
    # the repeat survey reuses the baseline's questions exactly, so every question stays comparable
    questions = baseline.questions if baseline is not None else template.get("questions", [])
    title = template.get("title", plan.title)
    survey = repo.add(
        Survey(
            plan_id=plan.id,
            kind=kind,
            title=f"{title} ({kind.value})",
            opens_at=now,
            baseline_id=baseline.id if baseline else None,
            **survey_admin.opening_fields(plan, baseline, now),
        )
    )
    opening = survey_opening.open_survey(session, survey=survey, organisation_id=plan.organisation_id, now=now)
    _audit(
        session,
        plan,
        "survey_opened",
        now,
        {
            "survey": kind.value,
            "questions": len(questions),
            "closes_at": survey.closes_at.isoformat(),
            "target_rate": survey.target_rate,
            "teams": opening.teams,
            "invitations": opening.invitations,
        },
        f"survey:{kind.value}:opened",
    )
    return survey


def _ensure_round(session: Session, plan: Plan, now: datetime) -> list[str]:
    """Open the round on the version the coordinator sent, with the content hash it is bound to and their
    deadline (the end of that day, UTC). A version edited during sign-off waits until they send it. A
    plan moved here without a request (an override, or one sent before requests existed) gets the
    default deadline."""
    repo = SignOffRepository(session)
    if repo.round_for(plan.id, plan.version) is not None:
        return []
    requested = plan.sign_off_requested_version
    if requested is not None and requested != plan.version:
        return []
    plan.version_frozen = True
    if requested is not None and plan.sign_off_deadline is not None:
        deadline = datetime.combine(plan.sign_off_deadline, time.max, tzinfo=UTC)
        sent_by = SignOffDocumentRepository(session).sender_of(plan.id, plan.version)
    else:
        deadline, sent_by = now + timedelta(days=SIGN_OFF_DAYS), None
    rnd = repo.add_round(
        SignOffRound(
            plan_id=plan.id,
            version=plan.version,
            content_hash=content_hash(session, plan.id),
            opened_at=now,
            deadline=deadline,
            sent_by_id=sent_by,
        )
    )
    _audit(
        session,
        plan,
        "sign_off_requested",
        now,
        {
            "version": plan.version,
            "content_hash": rnd.content_hash,
            "deadline": rnd.deadline.isoformat(),
            "sent_by_id": sent_by,
        },
        f"round:v{plan.version}",
    )
    return [f"sent version {plan.version} for sign-off (deadline {rnd.deadline:%d %B %Y})"]


def _ask_for_evidence(session: Session, plan: Plan, now: datetime) -> list[str]:
    """Evidence owners asked for each checkpoint whose asking window has opened (the daily chase asks
    too, for plans no run comes by; a request is made once whoever asks first)."""
    return evidence_requests.ask_due(session, plan_id=plan.id, now=now)


def _ensure_checkpoints(session: Session, plan: Plan) -> list[str]:
    repo = EvaluationRepository(session)
    have = {c.number for c in repo.checkpoints(plan.id)}
    added = []
    dates = checkpoint_dates(plan.starts_on, plan.checkpoint_months, plan.checkpoints_planned)
    for number, due in enumerate(dates, start=1):
        if number not in have:
            repo.add(Checkpoint(plan_id=plan.id, number=number, due_on=due))
            added.append(number)
    return [f"scheduled formative checkpoint(s) {added}"] if added else []
