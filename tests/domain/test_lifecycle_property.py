"""Property: whatever people do, in whatever order, a plan only makes moves the table allows, and its
audit log replays to the stage and version it is in.

``Sim`` is a small in-memory stand-in for the services: it keeps the facts, applies the flow's work
(``work_due``) and the move ``decide`` calls for, and writes audit events as it goes.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from plans.domain.errors import StageLocked
from plans.domain.facts import (
    Decision,
    DecisionFacts,
    ExpectationFacts,
    Judgement,
    MemberFacts,
    MemberKind,
    PanelFacts,
    PlanFacts,
    RecommendationFacts,
    SignOffFacts,
    SurveyFacts,
)
from plans.domain.gates import changes_requested, gate_reasons, recommendations_reasons
from plans.domain.lifecycle import EDITABLE_STAGES, Move, check_move, decide, edit_recommendations, replay, work_due
from plans.domain.quorum import QuorumKind, QuorumRule
from plans.domain.stages import Stage, next_stage, transition

START = datetime(2024, 1, 8, 9, 0)
MEMBERS = (("Ada", MemberKind.CITIZEN), ("Ben", MemberKind.STAFF), ("Cy", MemberKind.CITIZEN))
APPROVERS = ("Pat", "Quinn", "Ros")
QUESTIONS = ("q1", "q2", "q3")
PLANNED_CHECKPOINTS = 3


@dataclass
class Sim:
    eligible: int
    rule: QuorumRule
    repeat_keeps_questions: bool
    stage: Stage = Stage.VISION
    version: int = 1
    frozen: bool = False
    now: datetime = START
    agreed: list[bool] = field(default_factory=lambda: [False] * len(MEMBERS))
    contributed: list[bool] = field(default_factory=lambda: [False] * len(MEMBERS))
    aspirations: int = 0
    current_state: int = 0
    baseline: SurveyFacts | None = None
    repeat: SurveyFacts | None = None
    recs: list[list[Any]] = field(default_factory=list)
    round_version: int | None = None
    sent_version: int | None = None
    decisions: list[DecisionFacts] = field(default_factory=list)
    scheduled: int = 0
    recorded: int = 0
    expectations: list[list[Any]] = field(default_factory=list)
    report: bool = False
    reviews: int = 0
    challenges: list[str] = field(default_factory=list)
    override_pending: bool = False
    closed_once: bool = False
    moves: list[Move] = field(default_factory=list)
    events: list[tuple[str, dict[str, Any]]] = field(
        default_factory=lambda: [("plan_created", {"stage": "vision", "version": 1})]
    )

    def facts(self) -> PlanFacts:
        return PlanFacts(
            stage=self.stage,
            version=self.version,
            now=self.now,
            members=tuple(
                MemberFacts(n, k, a, c) for (n, k), a, c in zip(MEMBERS, self.agreed, self.contributed, strict=True)
            ),
            aspirations=self.aspirations,
            current_state_statements=self.current_state,
            baseline=self.baseline,
            recommendations=tuple(RecommendationFacts(t, links) for t, links in self.recs),
            sign_off=SignOffFacts(
                self.round_version, APPROVERS, self.rule, tuple(self.decisions), sent_version=self.sent_version
            ),
            checkpoints_planned=PLANNED_CHECKPOINTS,
            checkpoints_scheduled=self.scheduled,
            checkpoints_recorded=self.recorded,
            expectations=tuple(ExpectationFacts("Head", t, j) for t, j in self.expectations),
            summative_report=self.report,
            panel=PanelFacts(2, self.reviews, tuple(self.challenges)),
            repeat=self.repeat,
            baseline_question_ids=self.baseline.question_ids if self.baseline else (),
        )

    def survey(self) -> SurveyFacts | None:
        return {Stage.EVIDENCE_SURVEY: self.baseline, Stage.REPEAT_SURVEY: self.repeat}.get(self.stage)

    def set_survey(self, s: SurveyFacts) -> None:
        if self.stage is Stage.EVIDENCE_SURVEY:
            self.baseline = s
        else:
            self.repeat = s

    # --- what people do -------------------------------------------------------------------------------

    def edit(self, change: Any) -> None:
        try:
            after = edit_recommendations(self.stage, self.version, self.frozen)
        except StageLocked:
            assert self.stage not in EDITABLE_STAGES
            return
        assert self.stage in EDITABLE_STAGES
        change()
        if after.version != self.version:
            assert self.frozen and after.voids_pending_approvals
            assert after.version == self.version + 1
            self.version = after.version
            self.events.append(("version_created", {"version": after.version}))
            assert not any(d.version == self.version for d in self.decisions), "approvals carried to a new version"
        else:
            assert not self.frozen and not after.voids_pending_approvals
        self.frozen = after.frozen

    def apply(self, ev: tuple[Any, ...]) -> None:
        kind = ev[0]
        if kind == "agree":
            self.agreed[ev[1]] = True
        elif kind == "contribute":
            self.contributed[ev[1]] = True
        elif kind == "aspiration":
            self.aspirations += 1
        elif kind == "current_state":
            self.current_state += 1
        elif kind == "time":
            self.now += timedelta(days=ev[1])
        elif kind == "responses":
            s = self.survey()
            if s is not None and s.closed_at is None:
                self.set_survey(replace(s, responses=min(s.eligible, s.responses + ev[1])))
        elif kind == "add_rec":
            self.edit(lambda: self.recs.append([f"R{len(self.recs)}", int(ev[1])]))
        elif kind == "link":
            self.edit(lambda: self.recs and self.recs[ev[1] % len(self.recs)].__setitem__(1, 1))
        elif kind == "send":
            self.send()
        elif kind == "decide":
            who, decision = APPROVERS[ev[1]], ev[2]
            done = any(d.approver == who and d.version == self.version for d in self.decisions)
            if self.stage is Stage.SIGN_OFF and self.round_version == self.version and not done:
                self.decisions.append(DecisionFacts(who, decision, self.version))
        elif kind == "checkpoint":
            if self.stage is Stage.DELIVERY and self.recorded < self.scheduled:
                self.recorded += 1
        elif kind == "expectation":
            self.expectations.append([f"E{len(self.expectations)}", None])
        elif kind == "judge":
            if self.expectations:
                self.expectations[ev[1] % len(self.expectations)][1] = ev[2]
        elif kind == "report":
            self.report = self.report or self.stage is Stage.SUMMATIVE_EVALUATION
        elif kind == "review":
            self.reviews += self.stage is Stage.SUMMATIVE_EVALUATION
        elif kind == "challenge":
            self.challenges.append(f"C{len(self.challenges)}")
        elif kind == "answer":
            self.challenges = self.challenges[1:]
        elif kind == "override":
            self.override_pending = self.stage is not Stage.CLOSED
        elif kind == "run":
            self.run()
        else:  # pragma: no cover
            raise AssertionError(kind)

    def send(self) -> None:
        """The coordinator sends the current version, as ``signoff.send_for_sign_off`` allows: at
        recommendations or sign-off, not twice, no round open on it, no gate reason but the sending."""
        if self.stage not in EDITABLE_STAGES or (self.frozen and self.sent_version == self.version):
            return
        if self.stage is Stage.SIGN_OFF and self.round_version == self.version:
            return
        if [r for r in recommendations_reasons(self.facts()) if "has not been sent" not in r]:
            return
        self.sent_version, self.frozen = self.version, True

    # --- what the lifecycle flow does ---------------------------------------------------------------

    def do_work(self) -> None:
        for item in work_due(self.facts()):
            if item.startswith("open the"):
                ids = QUESTIONS if self.stage is Stage.EVIDENCE_SURVEY or self.repeat_keeps_questions else QUESTIONS[:2]
                self.set_survey(
                    SurveyFacts("S", self.now, self.now + timedelta(days=28), None, 0.6, 0, self.eligible, ids)
                )
            elif item == "close the survey":
                s = self.survey()
                assert s is not None
                self.set_survey(replace(s, closed_at=self.now))
            elif item.startswith("send version"):
                assert item == f"send version {self.version} for sign-off"
                if self.sent_version in (None, self.version):  # an edit during sign-off waits to be sent
                    self.round_version, self.frozen = self.version, True
            elif item == "schedule the formative checkpoints":
                self.scheduled = PLANNED_CHECKPOINTS
            else:  # pragma: no cover
                raise AssertionError(item)

    def run(self) -> None:
        self.do_work()
        f = self.facts()
        result = decide(f, override_pending=self.override_pending)
        if not isinstance(result, Move):
            assert result.stage is self.stage and result.reasons
            return
        assert self.stage is not Stage.CLOSED, "a closed plan moved"
        assert result.source is self.stage
        t = transition(result.source, result.target)
        assert t is not None, f"decide chose a forbidden move {result}"
        check_move(result.source, result.target)
        if result.via == "changes_requested":
            assert (result.source, result.target, t.kind) == (
                Stage.SIGN_OFF,
                Stage.RECOMMENDATIONS,
                "changes_requested",
            )
            assert changes_requested(f)
        else:
            assert result.target is next_stage(result.source) and t.kind == "advance"
            reasons = tuple(gate_reasons(f))
            assert (result.via == "gate") == (not reasons)
            if result.via == "override":
                assert self.override_pending and result.overridden_reasons == reasons
            if result.source is Stage.RECOMMENDATIONS and result.via == "gate":
                assert self.sent_version == self.version, "an unsent draft reached the approvers"
        self.moves.append(result)
        self.events.append(("stage_changed", {"from": result.source.value, "to": result.target.value}))
        self.stage = result.target
        self.override_pending = False
        self.closed_once = self.closed_once or self.stage is Stage.CLOSED

    def check(self) -> None:
        state = replay(self.events)
        assert (state.stage, state.version) == (self.stage, self.version)
        assert not self.closed_once or self.stage is Stage.CLOSED


RULES = st.sampled_from(
    [QuorumRule(), QuorumRule(QuorumKind.MAJORITY), *(QuorumRule(QuorumKind.N_OF_M, n) for n in range(1, 5))]
)
RUN, OVERRIDE = st.just(("run",)), st.just(("override",))
EVENTS = st.one_of(
    RUN,
    RUN,
    RUN,
    RUN,
    OVERRIDE,
    st.tuples(st.sampled_from(["agree", "contribute"]), st.integers(0, len(MEMBERS) - 1)),
    st.sampled_from(
        [
            ("aspiration",),
            ("current_state",),
            ("checkpoint",),
            ("expectation",),
            ("report",),
            ("review",),
            ("challenge",),
            ("answer",),
            ("send",),
        ]
    ),
    st.tuples(st.just("time"), st.integers(1, 40)),
    st.tuples(st.just("responses"), st.integers(1, 6)),
    st.tuples(st.just("add_rec"), st.booleans()),
    st.tuples(st.just("link"), st.integers(0, 5)),
    st.tuples(st.just("decide"), st.integers(0, len(APPROVERS) - 1), st.sampled_from(list(Decision))),
    st.tuples(st.just("decide"), st.integers(0, len(APPROVERS) - 1), st.just(Decision.APPROVE)),
    st.tuples(st.just("decide"), st.integers(0, len(APPROVERS) - 1), st.sampled_from(list(Decision)[1:])),
    st.tuples(st.just("judge"), st.integers(0, 5), st.sampled_from(list(Judgement))),
)


def happy_steps(*, reject_first: bool = False) -> list[tuple[Any, ...]]:
    """A plan whose people do everything the gates ask, in order (optionally turning back version 1)."""
    steps: list[tuple[Any, ...]] = [("run",)]
    steps += [("agree", i) for i in range(3)] + [("contribute", 0), ("contribute", 1)]
    steps += [("aspiration",), ("current_state",), ("run",), ("run",), ("responses", 6), ("responses", 6), ("run",)]
    steps += [("add_rec", True), ("run",), ("send",), ("run",), ("run",)]
    if reject_first:
        steps += [
            ("decide", 0, Decision.APPROVE),
            ("decide", 1, Decision.REJECT),
            ("run",),
            ("add_rec", True),
            ("run",),
            ("send",),
            ("run",),
            ("run",),
        ]
    steps += [("decide", i, Decision.APPROVE) for i in range(3)] + [("run",), ("run",)]
    steps += [("checkpoint",)] * 3 + [
        ("run",),
        ("expectation",),
        ("judge", 0, Judgement.MET),
        ("report",),
        ("review",),
        ("challenge",),
        ("answer",),
        ("run",),
        ("run",),
        ("time", 28),
        ("run",),
    ]
    return steps


HAPPY = happy_steps()


def play(sim: Sim, events: list[tuple[Any, ...]]) -> Sim:
    sim.check()
    for ev in events:
        sim.apply(ev)
        sim.check()
    return sim


# Prefixes that leave the plan in sign-off, drawn more often so the changes-requested loop gets exercised.
SIGN_OFF_PREFIXES = [
    k for k in range(len(HAPPY)) if play(Sim(10, QuorumRule(), True), HAPPY[:k]).stage is Stage.SIGN_OFF
]


@settings(max_examples=250, deadline=None)
@given(
    eligible=st.integers(0, 12),
    rule=RULES,
    keeps=st.booleans(),
    prelude=st.one_of(st.integers(0, len(HAPPY)), st.sampled_from(SIGN_OFF_PREFIXES)),
    events=st.lists(EVENTS, min_size=10, max_size=120),
)
def test_random_histories_stay_legal_and_replay(
    eligible: int, rule: QuorumRule, keeps: bool, prelude: int, events: list[tuple[Any, ...]]
) -> None:
    """Random events after a random-length prefix of a cooperative history (so later stages get explored)."""
    sim = play(Sim(eligible, rule, keeps), HAPPY[:prelude] + events)
    for move in sim.moves:
        event(f"moved {move.source.value}->{move.target.value} via {move.via}")
    event(f"ended in {sim.stage.value}")
    event(f"reached version {min(sim.version, 3)}{'+' if sim.version >= 3 else ''}")


class TestScriptedHistories:
    def test_gates_alone_carry_a_plan_to_closed(self) -> None:
        sim = play(Sim(eligible=10, rule=QuorumRule(), repeat_keeps_questions=True), HAPPY)
        assert sim.stage is Stage.CLOSED and sim.version == 1
        assert all(m.via == "gate" for m in sim.moves)
        assert [e for e in sim.events if e[0] == "stage_changed"] == [
            ("stage_changed", {"from": a.value, "to": b.value}) for a, b in itertools.pairwise(Stage)
        ]

    def test_rejection_sends_back_and_revision_makes_version_two(self) -> None:
        sim = play(Sim(eligible=10, rule=QuorumRule(), repeat_keeps_questions=True), happy_steps(reject_first=True))
        assert sim.stage is Stage.CLOSED and sim.version == 2
        assert [m.via for m in sim.moves].count("changes_requested") == 1
        assert ("stage_changed", {"from": "sign_off", "to": "recommendations"}) in sim.events
        assert ("version_created", {"version": 2}) in sim.events

    def test_an_unsent_version_waits_at_recommendations(self) -> None:
        steps = [e for e in HAPPY if e != ("send",)]
        sim = play(Sim(eligible=10, rule=QuorumRule(), repeat_keeps_questions=True), steps)
        assert sim.stage is Stage.RECOMMENDATIONS and sim.round_version is None
        assert gate_reasons(sim.facts()) == [
            "version 1 has not been sent for sign-off: the coordinator sends it with a deadline"
        ]
        play(sim, [("send",), ("run",), ("run",)])  # moves, then the next run opens the round
        assert (sim.stage, sim.round_version) == (Stage.SIGN_OFF, 1)

    def test_an_edit_during_sign_off_opens_no_round_until_sent(self) -> None:
        sim = play(
            Sim(eligible=10, rule=QuorumRule(), repeat_keeps_questions=True), HAPPY[: HAPPY.index(("send",)) + 3]
        )
        assert (sim.stage, sim.round_version) == (Stage.SIGN_OFF, 1)
        play(sim, [("add_rec", True), ("run",)])
        assert (sim.stage, sim.version, sim.round_version) == (Stage.SIGN_OFF, 2, 1)
        play(sim, [("send",), ("run",)])
        assert sim.round_version == 2

    def test_repeat_survey_missing_questions_needs_an_override(self) -> None:
        sim = play(Sim(eligible=10, rule=QuorumRule(), repeat_keeps_questions=False), HAPPY)
        assert sim.stage is Stage.REPEAT_SURVEY
        play(sim, [("run",), ("override",), ("run",)])
        assert sim.stage is Stage.CLOSED and sim.moves[-1].via == "override"
        play(sim, [("override",), ("run",), ("run",)])
        assert sim.stage is Stage.CLOSED and len(sim.moves) == 7
