"""The access rules, checked over every rule, every combination of roles and every relation to the
object: deny by default, and each allowance has a reason."""

from __future__ import annotations

from itertools import chain, combinations

import pytest

from plans.domain.access import PLAN_CAPACITY, Relation, Rule, Verdict, verdict

ROLES = ["coordinator", "manager", "approver", "citizen_panel", "admin"]
ROLE_SETS = [frozenset(c) for c in chain.from_iterable(combinations(ROLES, n) for n in range(len(ROLES) + 1))]
CAPACITY_SETS = [
    frozenset(c)
    for c in chain.from_iterable(combinations(["working_party", "approver", "citizen_panel"], n) for n in range(4))
]
RELATIONS = [Relation(exists=False)] + [
    Relation(capacities=caps, manages=manages) for caps in CAPACITY_SETS for manages in (False, True)
]


def expected(rule: Rule, roles: frozenset[str] | None, rel: Relation | None) -> Verdict:
    """The rules written out longhand, independently of the implementation's structure."""
    if rule is Rule.PUBLIC:
        return Verdict.ALLOW
    if roles is None:
        return Verdict.SIGN_IN
    coordinating = "coordinator" in roles or "admin" in roles
    table = {
        Rule.SIGNED_IN: Verdict.ALLOW,
        Rule.ADMIN: Verdict.ALLOW if "admin" in roles else Verdict.FORBIDDEN,
        Rule.COORDINATOR: Verdict.ALLOW if coordinating else Verdict.FORBIDDEN,
    }
    if rule in table:
        return table[rule]
    assert rel is not None
    if not rel.exists:
        return Verdict.HIDDEN
    if rule is Rule.PLAN_APPROVER:
        return Verdict.ALLOW if "approver" in rel.capacities else Verdict.HIDDEN
    if coordinating:
        return Verdict.ALLOW
    if rule is Rule.TEAM_MANAGER:
        return Verdict.ALLOW if rel.manages else Verdict.HIDDEN
    return Verdict.ALLOW if PLAN_CAPACITY[rule] in rel.capacities else Verdict.HIDDEN


@pytest.mark.parametrize("rule", list(Rule))
def test_every_rule_role_set_and_relation(rule: Rule) -> None:
    for roles in [None, *ROLE_SETS]:
        for rel in RELATIONS:
            assert verdict(rule, roles, rel) is expected(rule, roles, rel), (rule, roles, rel)


def test_object_rules_without_an_object_hide_it() -> None:
    for rule in (Rule.PLAN_WORKING_PARTY, Rule.PLAN_APPROVER, Rule.PLAN_PANEL, Rule.TEAM_MANAGER):
        assert verdict(rule, frozenset({"admin", "coordinator"}), None) is Verdict.HIDDEN


def test_a_sign_off_request_is_for_its_approvers_alone() -> None:
    """Even an admin cannot decide for an approver: the request is addressed to named people."""
    assert verdict(Rule.PLAN_APPROVER, frozenset(ROLES), Relation()) is Verdict.HIDDEN
    assert verdict(Rule.PLAN_APPROVER, frozenset(), Relation(capacities=frozenset({"approver"}))) is Verdict.ALLOW
