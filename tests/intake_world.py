"""A plan with a staff list whose baseline survey is open, and the invitation tokens it made: for the
intake's tests of services and pages."""

from __future__ import annotations

from sqlalchemy import select

from plans.db import session_scope
from plans.models import Plan, StaffMember, Survey, SurveyInvitation, Team
from plans.services.survey_tokens import invitation_ref, token_for
from tests.conftest import SMALL_PLAN
from tests.support import create, push

# (team code, eligible?) of the small council's staff list
STAFF = [("T1", True)] * 5 + [("T2", True)] * 3 + [("T2", False)]


def open_with_staff(staff: list[tuple[str, bool]] = STAFF) -> tuple[int, int]:
    """The small plan with a staff list (if given), pushed to an open baseline survey: (plan, survey)."""
    plan_id, people = create(SMALL_PLAN)
    with session_scope() as s:
        org = s.scalar(select(Plan.organisation_id).where(Plan.id == plan_id))
        teams = {code: tid for code, tid in s.execute(select(Team.code, Team.id).where(Team.organisation_id == org))}
        for i, (code, eligible) in enumerate(staff):
            s.add(
                StaffMember(
                    organisation_id=org,
                    team_id=teams[code],
                    email=f"staff{i}@small.example",
                    staff_group="Housing",
                    eligible=eligible,
                    ineligible_reason=None if eligible else "leaver",
                    attributes={},
                    line=i + 2,
                )
            )
    people.agree_vision()
    push(plan_id)
    with session_scope() as s:
        survey_id = s.scalar(select(Survey.id).where(Survey.plan_id == plan_id))
    assert survey_id is not None
    return plan_id, survey_id


def invitation_tokens(survey_id: int) -> list[str]:
    """Every invitation's token, derived as the sender derives it, in staff-list order."""
    with session_scope() as s:
        ids = s.scalars(select(SurveyInvitation.staff_member_id).where(SurveyInvitation.survey_id == survey_id))
        return [token_for(invitation_ref(survey_id, staff_id)) for staff_id in sorted(ids)]
