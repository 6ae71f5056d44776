"""The national data's staff lists and the open surveys' invitations (part of ``bench.national``).

Staff: each organisation's list, as an import of its CSV would leave it: every team with staff gets
exactly its eligible headcount of eligible people (so ``teams.eligible_headcount`` and the surveys'
``survey_teams.eligible`` snapshots agree with the list, as the app's opening code would fix them),
plus about 3% ineligible people listed with a reason (leaver, long-term absence, ...), who are neither
counted nor invited. Emails are ``s{n}@org{k}.nhs.example`` (``n`` the person's line in the list,
``k`` the organisation's id), staff groups drawn with NHS-like weights. Each organisation draws from its
own stream ``(seed, "staff/<code>")``, so adding an organisation leaves the others' lists unchanged.

Invitations: one per eligible person of the organisation for every open survey, with the token hash the
app would store (``survey_tokens.token_hash(token_for(invitation_ref(survey, staff member)))`` with the
given secret, by default the server's), so a server with that secret accepts the tokens derived again.
As many invitations per team are marked used as the team has responses in that survey (the intake marks
one per response); which ones is a fixed rotation, so no random draw is needed.

Both are written with Core executemany in batches (``Writer.write``); ids of the staff are assigned here,
so each team's eligible people are one run of ids and the invitations need no lookup.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from plans.models import StaffMember, SurveyInvitation
from plans.services.survey_tokens import invitation_ref, token_for, token_hash

if TYPE_CHECKING:
    from bench.national import Org, Writer

# NHS workforce-like shares (per cent)
STAFF_GROUPS = {
    "Nursing and midwifery": 27,
    "Additional clinical services": 17,
    "Administrative and clerical": 20,
    "Medical and dental": 10,
    "Allied health professionals": 9,
    "Scientific and technical": 6,
    "Estates and ancillary": 6,
    "Social care": 5,
}
INELIGIBLE_REASONS = {"leaver": 40, "long-term absence": 30, "parental leave": 20, "seconded out": 7, "career break": 3}
INELIGIBLE_SHARE = 0.03


@dataclass(frozen=True)
class TeamStaff:
    """A team's listed people: the eligible ones have ids ``first`` to ``first + eligible - 1``, the
    ineligible ones the ``ineligible`` ids after them."""

    organisation_id: int
    team_id: int
    first: int
    eligible: int
    ineligible: int


def write_staff(w: Writer, orgs: list[Org], seed: int) -> dict[int, list[TeamStaff]]:
    """Every organisation's staff list; returns each organisation's teams with their eligible ids."""
    groups, group_weights = list(STAFF_GROUPS), list(STAFF_GROUPS.values())
    reasons, reason_weights = list(INELIGIBLE_REASONS), list(INELIGIBLE_REASONS.values())
    next_id = w.next_id(StaffMember)
    teams: dict[int, list[TeamStaff]] = {}
    for org in orgs:
        listed = teams[org.id] = []
        rng = random.Random(f"{seed}/staff/{org.code}")
        for team_id, headcount in zip(org.leaf_teams, org.headcounts, strict=True):
            ineligible = round(headcount * rng.uniform(0, 2 * INELIGIBLE_SHARE))
            listed.append(TeamStaff(org.id, team_id, next_id, headcount, ineligible))
            next_id += headcount + ineligible

    def rows() -> Iterator[dict[str, Any]]:
        for org in orgs:
            rng = random.Random(f"{seed}/staff-groups/{org.code}")
            line = 1  # the header
            domain = f"org{org.id}.nhs.example"
            for team in teams[org.id]:
                drawn = rng.choices(groups, weights=group_weights, k=team.eligible + team.ineligible)
                why = rng.choices(reasons, weights=reason_weights, k=team.ineligible)
                for n, group in enumerate(drawn):
                    line += 1
                    yield {
                        "id": team.first + n,
                        "organisation_id": org.id,
                        "team_id": team.team_id,
                        "email": f"s{line - 1}@{domain}",
                        "staff_group": group,
                        "eligible": n < team.eligible,
                        "ineligible_reason": None if n < team.eligible else why[n - team.eligible],
                        "attributes": {},
                        "line": line,
                    }

    w.write(StaffMember, rows())
    return teams


def _open_surveys(w: Writer, survey_ids: list[int]) -> list[tuple[int, int]]:
    """(survey id, organisation id) of the open surveys among ``survey_ids``."""
    if not survey_ids:
        return []
    found = w.conn.execute(
        text(
            "SELECT s.id, p.organisation_id FROM surveys s JOIN plans p ON p.id = s.plan_id "
            "WHERE s.closed_at IS NULL AND s.id BETWEEN :lo AND :hi ORDER BY s.id"
        ),
        {"lo": min(survey_ids), "hi": max(survey_ids)},
    )
    return [(int(sid), int(org)) for sid, org in found]


def _answered(w: Writer, survey_ids: list[int]) -> dict[tuple[int, int], int]:
    """Responses per (survey, team), from the intake's day counters."""
    if not survey_ids:
        return {}
    found = w.conn.execute(
        text(
            "SELECT survey_id, team_id, sum(responses) FROM survey_team_days "
            "WHERE survey_id BETWEEN :lo AND :hi GROUP BY survey_id, team_id"
        ),
        {"lo": min(survey_ids), "hi": max(survey_ids)},
    )
    return {(int(s), int(t)): int(n) for s, t, n in found}


def write_invitations(w: Writer, teams: dict[int, list[TeamStaff]], survey_ids: list[int], secret: bytes) -> None:
    """An invitation per eligible person for each open survey among ``survey_ids``; as many used per team
    as it has responses."""
    open_ = _open_surveys(w, survey_ids)
    answered = _answered(w, [sid for sid, _ in open_])

    def rows() -> Iterator[dict[str, Any]]:
        for survey_id, org_id in open_:
            for team in teams.get(org_id, []):
                used = min(answered.get((survey_id, team.team_id), 0), team.eligible)
                start = (survey_id * 7919 + team.team_id) % team.eligible
                for k in range(team.eligible):
                    staff_id = team.first + k
                    yield {
                        "survey_id": survey_id,
                        "staff_member_id": staff_id,
                        "team_id": team.team_id,
                        "token_hash": token_hash(token_for(invitation_ref(survey_id, staff_id), secret)),
                        "used": (k - start) % team.eligible < used,
                        "reminders_sent": 0,
                        "last_reminded_on": None,
                    }

    w.write(SurveyInvitation, rows())
