"""Stage gates: for each stage, the reasons a plan cannot leave it yet (an empty list means it may).

Reasons are sentences for the coordinator's dashboard, so each names who or what is missing. The
``changes_requested`` check says when sign-off must send the plan back to recommendations instead.
"""

from __future__ import annotations

from collections.abc import Callable

from plans.domain.facts import Decision, MemberKind, PlanFacts, SurveyFacts
from plans.domain.quorum import quorum_met, required_approvals
from plans.domain.stages import Stage

MIN_OVERRIDE_REASON = 15


def _names(names: list[str], limit: int = 5) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def vision_reasons(f: PlanFacts) -> list[str]:
    """Citizens and staff both contributed, there is an aspiration, and every member agreed."""
    reasons: list[str] = []
    if not f.members:
        return ["the working party has no members yet"]
    kinds = {m.kind for m in f.members}
    for kind in MemberKind:
        if kind not in kinds:
            reasons.append(f"the working party has no {kind.value} member")
    contributing = {m.kind for m in f.members if m.contributed}
    for kind in MemberKind:
        if kind in kinds and kind not in contributing:
            reasons.append(f"no {kind.value} has contributed a vision statement yet")
    if f.aspirations == 0:
        reasons.append("the vision has no aspiration statement yet")
    if f.current_state_statements == 0:
        reasons.append('the vision has no "what things are like now" statement yet')
    waiting = [m.name for m in f.members if not m.agreed]
    if waiting:
        reasons.append(f"waiting for {len(waiting)} working party member(s) to agree the vision: {_names(waiting)}")
    return reasons


def survey_reasons(s: SurveyFacts | None, f: PlanFacts, which: str) -> list[str]:
    """A survey passes once closed: at its end date, or early when its target rate is met."""
    if s is None:
        return [f"the {which} survey has not been opened"]
    if s.closed_at is not None:
        return []
    due = s.close_reason(f.now)
    if due is not None:
        return [f"the {which} survey is due to close ({due}; the next lifecycle run closes it)"]
    if s.eligible == 0:
        return [f"the {which} survey has no eligible staff (no team headcounts)"]
    return [
        f"the {which} survey is open until {s.closes_at:%d %B %Y}: {s.responses} of {s.eligible} responded "
        f"({s.rate:.0%}, target {s.target_rate:.0%})"
    ]


def evidence_survey_reasons(f: PlanFacts) -> list[str]:
    """The baseline survey has closed."""
    return survey_reasons(f.baseline, f, "baseline")


def recommendations_reasons(f: PlanFacts) -> list[str]:
    """At least one recommendation, each linked to evidence (a finding or a workshop theme); after
    approvers asked for changes, a revised version rather than the one they turned back; and the
    coordinator has sent this version for sign-off with a deadline, so a draft never reaches approvers
    before the coordinator says it is ready (and by when they must decide)."""
    reasons: list[str] = []
    if not f.recommendations:
        reasons.append("there are no recommendations yet")
    unlinked = [r.title for r in f.recommendations if r.evidence_links == 0]
    if unlinked:
        reasons.append(f"{len(unlinked)} recommendation(s) link to no evidence: {_names(unlinked)}")
    so = f.sign_off
    objectors: list[str] = []
    if so is not None and so.round_version == f.version:
        objectors = [d.approver for d in so.decisions if d.version == f.version and d.decision is not Decision.APPROVE]
        if objectors:
            reasons.append(
                f"changes were requested on version {f.version} by {_names(objectors)}: revise the recommendations "
                f"to make version {f.version + 1}"
            )
    if not objectors and (so is None or so.sent_version != f.version):
        reasons.append(f"version {f.version} has not been sent for sign-off: the coordinator sends it with a deadline")
    return reasons


def sign_off_reasons(f: PlanFacts) -> list[str]:
    """The quorum of approvers approved the current version, and nobody asked for changes on it."""
    so = f.sign_off
    if so is None or so.round_version is None:
        return [f"version {f.version} has not been sent for sign-off"]
    if so.round_version != f.version:
        return [f"version {f.version} has not been sent for sign-off (the open round is on version {so.round_version})"]
    if not so.approvers:
        return ["the plan has no approvers"]
    current = [d for d in so.decisions if d.version == f.version]
    needed = required_approvals(so.rule, len(so.approvers))
    if needed > len(so.approvers):
        return [f"the quorum needs {needed} approvals but the plan has only {len(so.approvers)} approvers"]
    objections = [d.approver for d in current if d.decision is not Decision.APPROVE]
    if objections:
        return [f"changes requested or plan rejected on version {f.version} by {_names(objections)}"]
    # only the plan's named approvers count towards the quorum
    approved = {d.approver for d in current if d.decision is Decision.APPROVE} & set(so.approvers)
    if quorum_met(so.rule, len(so.approvers), len(approved)):
        return []
    waiting = [a for a in so.approvers if a not in approved]
    return [
        f"sign-off needs {so.rule.describe()} ({needed} of {len(so.approvers)}); {len(approved)} approved "
        f"version {f.version}; waiting for {_names(waiting)}"
    ]


def changes_requested(f: PlanFacts) -> bool:
    """Whether an approver asked for changes to, or rejected, the version under sign-off."""
    so = f.sign_off
    if f.stage is not Stage.SIGN_OFF or so is None or so.round_version != f.version:
        return False
    return any(d.version == f.version and d.decision is not Decision.APPROVE for d in so.decisions)


def delivery_reasons(f: PlanFacts) -> list[str]:
    """Every planned formative checkpoint has its report."""
    if f.checkpoints_planned == 0:
        return ["no formative checkpoints are scheduled"]
    missing = f.checkpoints_planned - f.checkpoints_recorded
    if missing > 0:
        return [f"{missing} of {f.checkpoints_planned} formative checkpoint report(s) not yet recorded"]
    return []


def summative_reasons(f: PlanFacts) -> list[str]:
    """Every expectation judged, the report written, and the citizen panel heard and answered."""
    reasons: list[str] = []
    if not f.expectations:
        reasons.append("the return-on-expectations register is empty")
    unjudged = [e.text for e in f.expectations if e.judgement is None]
    if unjudged:
        reasons.append(f"{len(unjudged)} expectation(s) not yet judged: {_names(unjudged, 3)}")
    if not f.summative_report:
        reasons.append("the summative report has not been written")
    if f.panel.members == 0:
        reasons.append("the plan has no citizen panel")
    elif f.panel.awaiting_review:
        waiting = list(f.panel.awaiting_review)
        reasons.append(
            f"waiting for {len(waiting)} citizen panel member(s) to review the summative report: {_names(waiting)}"
        )
    elif f.panel.reviews == 0:
        reasons.append("the citizen panel has not reviewed the summative report")
    return reasons + challenge_reasons(f)


def challenge_reasons(f: PlanFacts) -> list[str]:
    """Every citizen panel challenge, on any published output, has the coordinator's written answer;
    each waiting one is named by its member and output."""
    waiting = list(f.panel.unanswered_challenges)
    if not waiting:
        return []
    return [f"{len(waiting)} citizen panel challenge(s) await a written response: {_names(waiting, 3)}"]


def repeat_survey_reasons(f: PlanFacts) -> list[str]:
    """The repeat survey reuses the baseline's questions and has closed, every citizen panel member has
    reviewed its comparison with the baseline (the panel's last say, as on the summative report), and no
    challenge awaits an answer (passing this gate closes the plan)."""
    reasons = survey_reasons(f.repeat, f, "repeat")
    closed = not reasons
    if f.repeat is not None and f.baseline_question_ids:
        missing = [q for q in f.baseline_question_ids if q not in f.repeat.question_ids]
        if missing:
            reasons.append(f"the repeat survey leaves out baseline question(s) {_names(missing)}")
    if closed and f.panel.awaiting_repeat_review:
        waiting = list(f.panel.awaiting_repeat_review)
        reasons.append(
            f"waiting for {len(waiting)} citizen panel member(s) to review the repeat survey's comparison "
            f"with the baseline: {_names(waiting)}"
        )
    # leaving this stage closes the plan: no challenge may be left unanswered
    return reasons + challenge_reasons(f)


def closed_reasons(f: PlanFacts) -> list[str]:
    """A closed plan goes nowhere."""
    return ["the plan is closed"]


GATES: dict[Stage, Callable[[PlanFacts], list[str]]] = {
    Stage.VISION: vision_reasons,
    Stage.EVIDENCE_SURVEY: evidence_survey_reasons,
    Stage.RECOMMENDATIONS: recommendations_reasons,
    Stage.SIGN_OFF: sign_off_reasons,
    Stage.DELIVERY: delivery_reasons,
    Stage.SUMMATIVE_EVALUATION: summative_reasons,
    Stage.REPEAT_SURVEY: repeat_survey_reasons,
    Stage.CLOSED: closed_reasons,
}


def gate_reasons(f: PlanFacts) -> list[str]:
    """The reasons the plan cannot leave its current stage (empty: it may advance)."""
    return GATES[f.stage](f)


def override_reason_problem(reason: str | None) -> str | None:
    """What is wrong with a written override reason, or None when it is acceptable."""
    text = (reason or "").strip()
    if not text:
        return "an override needs a written reason"
    if len(text) < MIN_OVERRIDE_REASON or not any(c.isalpha() for c in text):
        return f"the override reason must say why in words (at least {MIN_OVERRIDE_REASON} characters)"
    return None
