"""Stage gates, first half of the lifecycle: vision, surveys, recommendations, sign-off."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from plans.domain.facts import (
    Decision,
    DecisionFacts,
    MemberFacts,
    MemberKind,
    PlanFacts,
    RecommendationFacts,
    SignOffFacts,
    SurveyFacts,
)
from plans.domain.gates import (
    GATES,
    evidence_survey_reasons,
    gate_reasons,
    recommendations_reasons,
    sign_off_reasons,
    survey_reasons,
    vision_reasons,
)
from plans.domain.quorum import QuorumKind, QuorumRule
from plans.domain.stages import Stage

NOW = datetime(2024, 6, 1, 12, 0)
CITIZEN, STAFF = MemberKind.CITIZEN, MemberKind.STAFF
APPROVE, CHANGES, REJECT = Decision.APPROVE, Decision.REQUEST_CHANGES, Decision.REJECT


def member(name: str, kind: MemberKind, *, agreed: bool = True, contributed: bool = True) -> MemberFacts:
    return MemberFacts(name, kind, agreed, contributed)


def survey(
    *, closes_in: int = 10, closed: bool = False, responses: int = 0, eligible: int = 10, target: float = 0.6
) -> SurveyFacts:
    return SurveyFacts(
        title="Staff survey",
        opens_at=NOW - timedelta(days=5),
        closes_at=NOW + timedelta(days=closes_in),
        closed_at=NOW if closed else None,
        target_rate=target,
        responses=responses,
        eligible=eligible,
        question_ids=("q1", "q2"),
    )


READY_MEMBERS = (member("Ada", CITIZEN), member("Ben", STAFF))


def vision(**kw: object) -> PlanFacts:
    base: dict[str, object] = {"members": READY_MEMBERS, "aspirations": 1, "current_state_statements": 1}
    return PlanFacts(stage=Stage.VISION, version=1, now=NOW, **(base | kw))  # type: ignore[arg-type]


def signoff(
    *decisions: tuple[str, Decision, int],
    approvers: tuple[str, ...] = ("Pat", "Quinn", "Ros"),
    rule: QuorumRule | None = None,
    version: int = 2,
    round_version: int | None = 2,
    stage: Stage = Stage.SIGN_OFF,
) -> PlanFacts:
    so = SignOffFacts(round_version, approvers, rule or QuorumRule(), tuple(DecisionFacts(*d) for d in decisions))
    return PlanFacts(stage=stage, version=version, now=NOW, sign_off=so)


class TestVisionReasons:
    def test_ready_vision_may_pass(self) -> None:
        assert vision_reasons(vision()) == []

    def test_no_members_is_the_only_reason(self) -> None:
        assert vision_reasons(vision(members=(), aspirations=0)) == ["the working party has no members yet"]

    def test_no_citizen(self) -> None:
        assert vision_reasons(vision(members=(member("Ben", STAFF),))) == ["the working party has no citizen member"]

    def test_no_staff(self) -> None:
        assert vision_reasons(vision(members=(member("Ada", CITIZEN),))) == ["the working party has no staff member"]

    @pytest.mark.parametrize("kind", list(MemberKind), ids=str)
    def test_kind_present_but_not_contributed(self, kind: MemberKind) -> None:
        members = tuple(member(m.name, m.kind, contributed=m.kind is not kind) for m in READY_MEMBERS)
        assert vision_reasons(vision(members=members)) == [f"no {kind.value} has contributed a vision statement yet"]

    def test_one_contributing_citizen_is_enough(self) -> None:
        members = (*READY_MEMBERS, member("Cy", CITIZEN, contributed=False))
        assert vision_reasons(vision(members=members)) == []

    def test_no_aspiration(self) -> None:
        assert vision_reasons(vision(aspirations=0)) == ["the vision has no aspiration statement yet"]

    def test_no_current_state(self) -> None:
        assert vision_reasons(vision(current_state_statements=0)) == [
            'the vision has no "what things are like now" statement yet'
        ]

    def test_members_not_agreed_are_named(self) -> None:
        members = (member("Ada", CITIZEN, agreed=False), member("Ben", STAFF), member("Cy", STAFF, agreed=False))
        assert vision_reasons(vision(members=members)) == [
            "waiting for 2 working party member(s) to agree the vision: Ada, Cy"
        ]

    def test_long_waiting_list_is_truncated(self) -> None:
        names = [f"M{i}" for i in range(8)]
        members = (*READY_MEMBERS, *(member(n, STAFF, agreed=False) for n in names))
        assert vision_reasons(vision(members=members)) == [
            "waiting for 8 working party member(s) to agree the vision: M0, M1, M2, M3, M4 and 3 more"
        ]

    def test_exactly_five_waiting_is_not_truncated(self) -> None:
        members = (*READY_MEMBERS, *(member(f"M{i}", STAFF, agreed=False) for i in range(5)))
        (reason,) = vision_reasons(vision(members=members))
        assert reason.endswith("M0, M1, M2, M3, M4")
        assert "more" not in reason

    def test_all_reasons_together_in_order(self) -> None:
        members = (member("Ada", CITIZEN, agreed=False, contributed=False),)
        assert vision_reasons(vision(members=members, aspirations=0, current_state_statements=0)) == [
            "the working party has no staff member",
            "no citizen has contributed a vision statement yet",
            "the vision has no aspiration statement yet",
            'the vision has no "what things are like now" statement yet',
            "waiting for 1 working party member(s) to agree the vision: Ada",
        ]


class TestSurveyReasons:
    def facts(self) -> PlanFacts:
        return PlanFacts(stage=Stage.EVIDENCE_SURVEY, version=1, now=NOW)

    def test_not_opened(self) -> None:
        assert survey_reasons(None, self.facts(), "baseline") == ["the baseline survey has not been opened"]

    @pytest.mark.parametrize("eligible", [0, 10])
    def test_closed_passes_whatever_the_rate(self, eligible: int) -> None:
        assert survey_reasons(survey(closed=True, eligible=eligible), self.facts(), "baseline") == []

    def test_no_eligible(self) -> None:
        assert survey_reasons(survey(eligible=0), self.facts(), "repeat") == [
            "the repeat survey has no eligible staff (no team headcounts)"
        ]

    @pytest.mark.parametrize("closes_in", [0, -1])
    def test_due_to_close_by_date(self, closes_in: int) -> None:
        assert survey_reasons(survey(closes_in=closes_in, responses=1), self.facts(), "baseline") == [
            "the baseline survey is due to close (end date reached; the next lifecycle run closes it)"
        ]

    def test_no_eligible_still_closes_at_its_end_date(self) -> None:
        assert survey_reasons(survey(closes_in=0, eligible=0), self.facts(), "baseline") == [
            "the baseline survey is due to close (end date reached; the next lifecycle run closes it)"
        ]

    @pytest.mark.parametrize("responses", [6, 7, 10])
    def test_due_to_close_by_target_rate(self, responses: int) -> None:
        assert survey_reasons(survey(responses=responses), self.facts(), "baseline") == [
            "the baseline survey is due to close (target rate met; the next lifecycle run closes it)"
        ]

    def test_open_says_rate_and_target(self) -> None:
        s = survey(closes_in=10, responses=3, eligible=10, target=0.6)
        assert survey_reasons(s, self.facts(), "baseline") == [
            "the baseline survey is open until 11 June 2024: 3 of 10 responded (30%, target 60%)"
        ]

    def test_evidence_survey_gate_checks_the_baseline(self) -> None:
        f = PlanFacts(stage=Stage.EVIDENCE_SURVEY, version=1, now=NOW, repeat=survey(closed=True))
        assert evidence_survey_reasons(f) == ["the baseline survey has not been opened"]
        assert gate_reasons(f) == evidence_survey_reasons(f)


class TestSurveyFactsRate:
    def test_rate(self) -> None:
        assert survey(responses=3, eligible=12).rate == 0.25

    def test_rate_is_zero_with_nobody_eligible(self) -> None:
        assert survey(responses=0, eligible=0).rate == 0.0


def sent(version: int, *decisions: DecisionFacts, round_version: int | None = None) -> SignOffFacts:
    """Sign-off facts for a plan whose coordinator sent ``version`` (the round on it once opened)."""
    return SignOffFacts(round_version, ("Pat", "Quinn"), QuorumRule(), decisions, sent_version=version)


class TestRecommendationsReasons:
    def facts(
        self, *recs: RecommendationFacts, sign_off: SignOffFacts | str | None = "sent", version: int = 1
    ) -> PlanFacts:
        so = sent(version) if sign_off == "sent" else sign_off
        assert not isinstance(so, str)
        return PlanFacts(stage=Stage.RECOMMENDATIONS, version=version, now=NOW, recommendations=recs, sign_off=so)

    def test_linked_recommendations_sent_may_pass(self) -> None:
        assert recommendations_reasons(self.facts(RecommendationFacts("Mentoring", 2))) == []

    def test_none(self) -> None:
        assert recommendations_reasons(self.facts()) == ["there are no recommendations yet"]

    def test_unlinked_are_named(self) -> None:
        recs = (RecommendationFacts("A", 0), RecommendationFacts("B", 1), RecommendationFacts("C", 0))
        assert recommendations_reasons(self.facts(*recs)) == ["2 recommendation(s) link to no evidence: A, C"]

    @pytest.mark.parametrize(
        "so", [None, sent(None), sent(1), sent(1, round_version=1)], ids=["no_facts", "never", "older", "older_round"]
    )  # type: ignore[arg-type]
    def test_a_version_not_sent_never_reaches_the_approvers(self, so: SignOffFacts | None) -> None:
        assert recommendations_reasons(self.facts(RecommendationFacts("A", 1), sign_off=so, version=2)) == [
            "version 2 has not been sent for sign-off: the coordinator sends it with a deadline"
        ]

    def test_every_reason_together(self) -> None:
        recs = (RecommendationFacts("A", 0),)
        assert recommendations_reasons(self.facts(*recs, sign_off=None)) == [
            "1 recommendation(s) link to no evidence: A",
            "version 1 has not been sent for sign-off: the coordinator sends it with a deadline",
        ]

    @pytest.mark.parametrize("decision", [CHANGES, REJECT], ids=str)
    def test_changes_requested_on_current_version_asks_for_next_version(self, decision: Decision) -> None:
        so = sent(3, DecisionFacts("Quinn", decision, 3), round_version=3)
        assert recommendations_reasons(self.facts(RecommendationFacts("A", 1), sign_off=so, version=3)) == [
            "changes were requested on version 3 by Quinn: revise the recommendations to make version 4"
        ]

    def test_changes_requested_on_an_unsent_round_says_revise_not_send(self) -> None:
        # a round opened without a request (an override): the reason to act on is the revision
        so = SignOffFacts(3, ("Pat",), QuorumRule(), (DecisionFacts("Pat", CHANGES, 3),))
        assert recommendations_reasons(self.facts(RecommendationFacts("A", 1), sign_off=so, version=3)) == [
            "changes were requested on version 3 by Pat: revise the recommendations to make version 4"
        ]

    def test_approvals_only_give_no_such_reason(self) -> None:
        so = sent(1, DecisionFacts("Pat", APPROVE, 1), round_version=1)
        assert recommendations_reasons(self.facts(RecommendationFacts("A", 1), sign_off=so)) == []

    def test_objection_on_an_older_version_is_forgotten_once_revised_and_sent(self) -> None:
        so = sent(2, DecisionFacts("Pat", CHANGES, 1), round_version=1)
        assert recommendations_reasons(self.facts(RecommendationFacts("A", 1), sign_off=so, version=2)) == []

    def test_a_revision_not_yet_sent_waits_for_the_coordinator(self) -> None:
        so = sent(1, DecisionFacts("Pat", CHANGES, 1), round_version=1)
        assert recommendations_reasons(self.facts(RecommendationFacts("A", 1), sign_off=so, version=2)) == [
            "version 2 has not been sent for sign-off: the coordinator sends it with a deadline"
        ]


class TestSignOffReasons:
    def test_not_sent(self) -> None:
        assert sign_off_reasons(signoff(round_version=None)) == ["version 2 has not been sent for sign-off"]
        f = PlanFacts(stage=Stage.SIGN_OFF, version=2, now=NOW)
        assert sign_off_reasons(f) == ["version 2 has not been sent for sign-off"]

    def test_round_on_an_older_version(self) -> None:
        assert sign_off_reasons(signoff(("Pat", APPROVE, 1), round_version=1)) == [
            "version 2 has not been sent for sign-off (the open round is on version 1)"
        ]

    def test_no_approvers(self) -> None:
        assert sign_off_reasons(signoff(approvers=())) == ["the plan has no approvers"]

    def test_quorum_larger_than_approvers(self) -> None:
        rule = QuorumRule(QuorumKind.N_OF_M, 4)
        assert sign_off_reasons(signoff(rule=rule)) == [
            "the quorum needs 4 approvals but the plan has only 3 approvers"
        ]

    @pytest.mark.parametrize("decision", [CHANGES, REJECT], ids=str)
    def test_objection_blocks_even_with_quorum(self, decision: Decision) -> None:
        rule = QuorumRule(QuorumKind.MAJORITY)
        f = signoff(("Pat", APPROVE, 2), ("Quinn", APPROVE, 2), ("Ros", decision, 2), rule=rule)
        assert sign_off_reasons(f) == ["changes requested or plan rejected on version 2 by Ros"]

    def test_waiting_lists_names(self) -> None:
        assert sign_off_reasons(signoff(("Quinn", APPROVE, 2))) == [
            "sign-off needs all approvers (3 of 3); 1 approved version 2; waiting for Pat, Ros"
        ]

    def test_approvals_on_older_versions_do_not_count(self) -> None:
        f = signoff(
            ("Pat", APPROVE, 1), ("Quinn", APPROVE, 1), ("Ros", CHANGES, 1), rule=QuorumRule(QuorumKind.MAJORITY)
        )
        assert sign_off_reasons(f) == [
            "sign-off needs a majority of approvers (2 of 3); 0 approved version 2; waiting for Pat, Quinn, Ros"
        ]

    def test_n_of_m_wording(self) -> None:
        assert sign_off_reasons(signoff(rule=QuorumRule(QuorumKind.N_OF_M, 2))) == [
            "sign-off needs 2 approvers (2 of 3); 0 approved version 2; waiting for Pat, Quinn, Ros"
        ]

    @pytest.mark.parametrize(
        ("rule", "approvals"),
        [
            (QuorumRule(), ("Pat", "Quinn", "Ros")),
            (QuorumRule(QuorumKind.MAJORITY), ("Pat", "Ros")),
            (QuorumRule(QuorumKind.N_OF_M, 1), ("Quinn",)),
            (QuorumRule(QuorumKind.N_OF_M, 3), ("Pat", "Quinn", "Ros")),
        ],
        ids=["all", "majority", "1_of_m", "3_of_m"],
    )
    def test_quorum_met_passes(self, rule: QuorumRule, approvals: tuple[str, ...]) -> None:
        f = signoff(*((a, APPROVE, 2) for a in approvals), rule=rule)
        assert sign_off_reasons(f) == []

    def test_majority_short_by_one(self) -> None:
        f = signoff(("Pat", APPROVE, 2), approvers=("Pat", "Quinn", "Ros", "Sam"), rule=QuorumRule(QuorumKind.MAJORITY))
        (reason,) = sign_off_reasons(f)
        assert reason.startswith("sign-off needs a majority of approvers (3 of 4); 1 approved version 2")

    def test_duplicate_approvals_by_one_person_count_once(self) -> None:
        f = signoff(("Pat", APPROVE, 2), ("Pat", APPROVE, 2), rule=QuorumRule(QuorumKind.N_OF_M, 2))
        assert sign_off_reasons(f) != []


class TestGateReasons:
    def test_every_stage_has_a_gate(self) -> None:
        assert set(GATES) == set(Stage)

    @pytest.mark.parametrize("stage", list(Stage), ids=str)
    def test_dispatches_on_the_stage(self, stage: Stage) -> None:
        f = PlanFacts(stage=stage, version=1, now=NOW)
        assert gate_reasons(f) == GATES[stage](f)
        assert gate_reasons(f), "an empty plan cannot leave any stage"
