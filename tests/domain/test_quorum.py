"""Sign-off quorum, exhaustively over small committees."""

from __future__ import annotations

import pytest

from plans.domain.errors import InvalidInput
from plans.domain.quorum import QuorumKind, QuorumRule, quorum_met, required_approvals

RULES = [QuorumRule(), QuorumRule(QuorumKind.MAJORITY)] + [QuorumRule(QuorumKind.N_OF_M, n) for n in range(1, 14)]
CASES = [(rule, m, a) for rule in RULES for m in range(13) for a in range(m + 1)]


def _rule_id(rule: QuorumRule) -> str:
    return rule.kind.value if rule.n is None else f"{rule.n}_of_m"


def expected_required(rule: QuorumRule, approvers: int) -> int:
    """Independent statement of the rule: all of them, more than half of them, or n of them."""
    if rule.kind is QuorumKind.ALL:
        return approvers
    if rule.kind is QuorumKind.MAJORITY:
        return next(k for k in range(approvers + 1) if 2 * k > approvers) if approvers else 0
    assert rule.n is not None
    return rule.n


class TestQuorumRule:
    def test_default_is_all(self) -> None:
        assert QuorumRule() == QuorumRule(QuorumKind.ALL, None)

    @pytest.mark.parametrize("n", [None, 0, -1, -10])
    def test_n_of_m_needs_n_of_at_least_one(self, n: int | None) -> None:
        with pytest.raises(InvalidInput) as info:
            QuorumRule(QuorumKind.N_OF_M, n)
        assert info.value.message.startswith("quorum.n:")
        assert info.value.kind == "invalid"

    @pytest.mark.parametrize("kind", [QuorumKind.ALL, QuorumKind.MAJORITY], ids=str)
    @pytest.mark.parametrize("n", [0, 1, 3])
    def test_only_n_of_m_takes_n(self, kind: QuorumKind, n: int) -> None:
        with pytest.raises(InvalidInput) as info:
            QuorumRule(kind, n)
        assert str(info.value) == f"quorum.n: only an n_of_m quorum takes n (this one is {kind.value})"

    @pytest.mark.parametrize(
        ("rule", "words"),
        [
            (QuorumRule(), "all approvers"),
            (QuorumRule(QuorumKind.MAJORITY), "a majority of approvers"),
            (QuorumRule(QuorumKind.N_OF_M, 2), "2 approvers"),
        ],
        ids=["all", "majority", "2_of_m"],
    )
    def test_describe(self, rule: QuorumRule, words: str) -> None:
        assert rule.describe() == words

    def test_frozen(self) -> None:
        with pytest.raises(AttributeError):
            QuorumRule().kind = QuorumKind.MAJORITY  # type: ignore[misc]


class TestRequiredApprovals:
    @pytest.mark.parametrize("rule", RULES, ids=_rule_id)
    def test_exhaustive(self, rule: QuorumRule) -> None:
        for approvers in range(13):
            assert required_approvals(rule, approvers) == expected_required(rule, approvers), approvers

    @pytest.mark.parametrize(("approvers", "needed"), [(0, 0), (1, 1), (2, 2), (3, 2), (4, 3), (5, 3), (12, 7)])
    def test_majority_is_strict(self, approvers: int, needed: int) -> None:
        assert required_approvals(QuorumRule(QuorumKind.MAJORITY), approvers) == needed

    def test_n_of_m_may_ask_for_more_than_there_are(self) -> None:
        # The docstring says "never more than there are", but n_of_m returns n unchanged; callers
        # (sign_off_reasons, quorum_met) rely on seeing needed > approvers to report the misconfiguration.
        assert required_approvals(QuorumRule(QuorumKind.N_OF_M, 5), 3) == 5

    @pytest.mark.parametrize("rule", RULES[:3], ids=_rule_id)
    def test_negative_approvers_refused(self, rule: QuorumRule) -> None:
        with pytest.raises(InvalidInput, match=r"^approvers: cannot be negative$"):
            required_approvals(rule, -1)


class TestQuorumMet:
    def test_case_count(self) -> None:
        assert len(CASES) == len(RULES) * sum(m + 1 for m in range(13)) == 15 * 91

    @pytest.mark.parametrize("rule", RULES, ids=_rule_id)
    def test_exhaustive(self, rule: QuorumRule) -> None:
        for approvers in range(13):
            needed = expected_required(rule, approvers)
            for approvals in range(approvers + 1):
                expected = approvers > 0 and needed <= approvers and approvals >= needed
                assert quorum_met(rule, approvers, approvals) is expected, (approvers, approvals)

    @pytest.mark.parametrize("rule", RULES, ids=_rule_id)
    def test_no_approvers_never_meets(self, rule: QuorumRule) -> None:
        assert quorum_met(rule, 0, 0) is False

    @pytest.mark.parametrize("approvers", range(1, 13))
    def test_everyone_approving_meets_any_satisfiable_rule(self, approvers: int) -> None:
        for rule in RULES:
            assert quorum_met(rule, approvers, approvers) is (rule.n is None or rule.n <= approvers)

    def test_monotone_in_approvals(self) -> None:
        for rule in RULES:
            for approvers in range(13):
                met = [quorum_met(rule, approvers, a) for a in range(approvers + 1)]
                assert met == sorted(met), (rule, approvers)

    def test_all_is_at_least_as_strict_as_majority(self) -> None:
        for approvers in range(13):
            for approvals in range(approvers + 1):
                if quorum_met(QuorumRule(), approvers, approvals):
                    assert quorum_met(QuorumRule(QuorumKind.MAJORITY), approvers, approvals)

    @pytest.mark.parametrize(
        ("approvers", "approvals", "met"), [(1, 1, True), (2, 1, False), (3, 2, True), (4, 2, False)]
    )
    def test_majority_examples(self, approvers: int, approvals: int, met: bool) -> None:
        assert quorum_met(QuorumRule(QuorumKind.MAJORITY), approvers, approvals) is met
