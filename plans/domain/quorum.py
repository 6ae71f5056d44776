"""Sign-off quorum: how many of a plan's approvers must approve the version under sign-off."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from plans.domain.errors import InvalidInput


class QuorumKind(StrEnum):
    ALL = "all"
    MAJORITY = "majority"
    N_OF_M = "n_of_m"


@dataclass(frozen=True)
class QuorumRule:
    """``all`` approvers, a strict ``majority``, or at least ``n`` of them (``n_of_m``)."""

    kind: QuorumKind = QuorumKind.ALL
    n: int | None = None

    def __post_init__(self) -> None:
        if self.kind is QuorumKind.N_OF_M and (self.n is None or self.n < 1):
            raise InvalidInput("quorum.n: an n_of_m quorum needs n of at least 1")
        if self.kind is not QuorumKind.N_OF_M and self.n is not None:
            raise InvalidInput(f"quorum.n: only an n_of_m quorum takes n (this one is {self.kind.value})")

    def describe(self) -> str:
        """The rule in words."""
        if self.kind is QuorumKind.ALL:
            return "all approvers"
        if self.kind is QuorumKind.MAJORITY:
            return "a majority of approvers"
        return f"{self.n} approvers"


def required_approvals(rule: QuorumRule, approvers: int) -> int:
    """How many approvals the rule needs from ``approvers`` people. An n_of_m rule may need more
    than there are; ``quorum_met`` is then never true and the sign-off gate says why."""
    if approvers < 0:
        raise InvalidInput("approvers: cannot be negative")
    if rule.kind is QuorumKind.ALL:
        return approvers
    if rule.kind is QuorumKind.MAJORITY:
        return approvers // 2 + 1 if approvers else 0
    assert rule.n is not None
    return rule.n


def quorum_met(rule: QuorumRule, approvers: int, approvals: int) -> bool:
    """Whether ``approvals`` approvals out of ``approvers`` satisfy the rule. A plan with no
    approvers can never be signed off by quorum: somebody senior must own the decision."""
    needed = required_approvals(rule, approvers)
    if approvers == 0 or needed > approvers:
        return False
    return approvals >= needed
