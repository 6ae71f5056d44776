"""A closed survey's analysis as stored: one row for the run, one per (breakdown, group, question), one
per (breakdown, group, section) and one response rate per organisational group.

The organisation-wide row per question stays in ``survey_findings`` (plans/models/survey.py), written
from the same run, so the panel, the views and the gates that read it keep working. A suppressed row
keeps its group's ``respondents`` (always shown) and its reason, never a value: ``n`` (how many answered
the question) and every column that could show an answer are null, so a reader of the table cannot
subtract around the suppression either (docs/statistics.md section 4 says why a hidden ``n`` matters).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from plans.models.base import Base, JSONType, UTCDateTime


class SurveyAnalysis(Base):
    """One analysis of a survey (a re-analysis replaces it): its settings, size and how long it took."""

    __tablename__ = "survey_analyses"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), unique=True)
    baseline_survey_id: Mapped[int | None] = mapped_column(ForeignKey("surveys.id"))
    analysed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    threshold: Mapped[int] = mapped_column(Integer)
    comment_threshold: Mapped[int] = mapped_column(Integer)
    respondents: Mapped[int] = mapped_column(Integer)
    # the breakdowns analysed, each a list of frame columns: [["team"], ["team", "ethnicity"]]
    breakdowns: Mapped[list[list[str]]] = mapped_column(JSONType)
    duration_ms: Mapped[int] = mapped_column(Integer)


class SurveyGroupFinding(Base):
    """% positive for one question in one group of one breakdown (``"overall"``/``"all"`` included)."""

    __tablename__ = "survey_group_findings"
    # named by hand: the conventional name is longer than PostgreSQL's 63 characters
    __table_args__ = (
        UniqueConstraint("survey_id", "breakdown", "group_label", "question_id", name="uq_survey_group_findings_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    breakdown: Mapped[str] = mapped_column(String(120))
    group_label: Mapped[str] = mapped_column(String(400))
    question_id: Mapped[str] = mapped_column(String(60))
    # the group's respondents (always shown); n: how many answered the question, null where hidden
    respondents: Mapped[int] = mapped_column(Integer)
    n: Mapped[int | None] = mapped_column(Integer)
    positive: Mapped[int | None] = mapped_column(Integer)
    pct_positive: Mapped[float | None] = mapped_column(Float)
    ci_low: Mapped[float | None] = mapped_column(Float)
    ci_high: Mapped[float | None] = mapped_column(Float)
    suppressed: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(String(200))
    # count per answer in the question's scale order
    distribution: Mapped[list[int] | None] = mapped_column(JSONType)
    # the change against the baseline survey for this group and question (null without a baseline)
    change: Mapped[dict[str, Any] | None] = mapped_column(JSONType)


class SurveySectionFinding(Base):
    """The mean of a section's questions' % positive in one group of one breakdown."""

    __tablename__ = "survey_section_findings"
    __table_args__ = (
        UniqueConstraint("survey_id", "breakdown", "group_label", "section_id", name="uq_survey_section_findings_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    breakdown: Mapped[str] = mapped_column(String(120))
    group_label: Mapped[str] = mapped_column(String(400))
    section_id: Mapped[str] = mapped_column(String(60))
    questions: Mapped[int] = mapped_column(Integer)
    mean_pct_positive: Mapped[float | None] = mapped_column(Float)
    suppressed: Mapped[bool] = mapped_column(Boolean)


class SurveyResponseRate(Base):
    """Responses against the eligible headcount of one organisational group (organisation, directorate,
    team) as the analysis found them, with the change against the baseline survey's rate. Counts and
    rates are never suppressed: who answered is published, what they answered is not."""

    __tablename__ = "survey_response_rates"
    __table_args__ = (UniqueConstraint("survey_id", "breakdown", "group_label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    breakdown: Mapped[str] = mapped_column(String(120))
    group_label: Mapped[str] = mapped_column(String(400))
    eligible: Mapped[int] = mapped_column(Integer)
    responses: Mapped[int] = mapped_column(Integer)
    # null when nobody was eligible (a team with responses but no headcount in the opening snapshot)
    rate: Mapped[float | None] = mapped_column(Float)
    change: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
