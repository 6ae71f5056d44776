"""The gaps between groups of staff, baseline against repeat survey, as the panel's comparison and the final
report show them (its own module: both ``plans.views`` and ``plans.schemas_report`` use it)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class GapChangeOut(BaseModel):
    """One group against the survey's reference group on one question, in the baseline and the repeat
    survey: each gap in % positive (group minus reference, as a proportion; None where either group is
    hidden or did not answer) and how the gap changed, in words."""

    characteristic: str = Field(description="the demographic question, e.g. 'Your ethnic group'")
    question_id: str
    question: str
    group: str
    reference: str = Field(description="the group every other is compared with: the first option the survey lists")
    before: float | None
    after: float | None
    change: str = Field(description="the change in points with its 95% interval and whether it is likely real")
    significant: bool | None
