"""Who may do what: the access rules as data and one pure function.

Every route names one ``Rule`` (api/permissions.py holds the table). Deny by default: a rule that is
not met answers "sign in" (nobody signed in), "forbidden" (the person lacks the role) or "hidden" (the
object exists but is not theirs: the edge answers 404, so ids of other plans and teams reveal nothing).
Admins pass every role check; object checks still apply to them as to coordinators.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Rule(StrEnum):
    PUBLIC = "public"  # anyone, signed in or not (sign-in pages, health, the survey pages later)
    SIGNED_IN = "signed_in"  # any signed-in person, acting on their own things (inbox, tokens)
    COORDINATOR = "coordinator"  # coordinators and admins: every plan, overrides, edits
    ADMIN = "admin"  # people and roles
    PLAN_WORKING_PARTY = "plan_working_party"  # the vision of a plan: its working party, or coordinators
    PLAN_APPROVER = "plan_approver"  # a sign-off request: only the approvers it is addressed to
    PLAN_PANEL = "plan_panel"  # a plan's published outputs: its citizen panel, or coordinators
    TEAM_MANAGER = "team_manager"  # a team's rates: its manager or a manager above it, or coordinators
    # a plan's delivery evidence: its evidence owners (objective owners and people named), or coordinators
    PLAN_EVIDENCE_OWNER = "plan_evidence_owner"


class Verdict(StrEnum):
    ALLOW = "allow"
    SIGN_IN = "sign_in"
    FORBIDDEN = "forbidden"
    HIDDEN = "hidden"


COORDINATING = frozenset({"coordinator", "admin"})

# the capacity on a plan each plan rule asks for (capacities as stored on plan members)
PLAN_CAPACITY = {
    Rule.PLAN_WORKING_PARTY: "working_party",
    Rule.PLAN_APPROVER: "approver",
    Rule.PLAN_PANEL: "citizen_panel",
    Rule.PLAN_EVIDENCE_OWNER: "evidence_owner",  # owning an objective of the plan counts too
}
# rules where coordinators see the object too (a sign-off request is addressed to approvers alone)
COORDINATORS_SEE = frozenset({Rule.PLAN_WORKING_PARTY, Rule.PLAN_PANEL, Rule.TEAM_MANAGER, Rule.PLAN_EVIDENCE_OWNER})
OBJECT_RULES = frozenset(PLAN_CAPACITY) | {Rule.TEAM_MANAGER}


@dataclass(frozen=True)
class Relation:
    """How the person relates to the object a route names: plan capacities, or managing the team."""

    exists: bool = True
    capacities: frozenset[str] = frozenset()
    manages: bool = False


def verdict(rule: Rule, roles: frozenset[str] | None, relation: Relation | None = None) -> Verdict:
    """Whether a person with ``roles`` (None: nobody signed in) may use a route under ``rule``.

    ``relation`` is needed only for the object rules; a missing object is HIDDEN for everyone, so a
    missing plan and another's plan look alike.
    """
    if rule is Rule.PUBLIC:
        return Verdict.ALLOW
    if roles is None:
        return Verdict.SIGN_IN
    if rule is Rule.SIGNED_IN:
        return Verdict.ALLOW
    if rule is Rule.ADMIN:
        return Verdict.ALLOW if "admin" in roles else Verdict.FORBIDDEN
    if rule is Rule.COORDINATOR:
        return Verdict.ALLOW if roles & COORDINATING else Verdict.FORBIDDEN
    if relation is None or not relation.exists:
        return Verdict.HIDDEN
    if rule in COORDINATORS_SEE and roles & COORDINATING:
        return Verdict.ALLOW
    if rule is Rule.TEAM_MANAGER:
        return Verdict.ALLOW if relation.manages else Verdict.HIDDEN
    return Verdict.ALLOW if PLAN_CAPACITY[rule] in relation.capacities else Verdict.HIDDEN
