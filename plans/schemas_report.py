"""The final report of a plan as data: everything its HTML, PDF, CSV exports and Prefect artifact show,
gathered once so the four say the same."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from plans.schemas import StageEntryOut
from plans.schemas_coproduction import LadderOut
from plans.schemas_delivery import EvidenceItemOut, FormativeReportOut, ObjectiveDeliveryOut
from plans.schemas_gaps import GapChangeOut
from plans.schemas_panel import PanelRecord
from plans.schemas_signoff import InvestmentLineOut, TotalsOut
from plans.schemas_summative import SummativeView


class QuestionChangeOut(BaseModel):
    """One question of the staff survey: the baseline's and the repeat's organisation-wide % positive
    (None where hidden or not asked) and the change as the analysis worked it out."""

    question_id: str
    text: str
    baseline_pct: float | None
    repeat_pct: float | None
    change: str = Field(description="the change in words: points, interval and significance, or why none")
    significant: bool | None


class FinalReport(BaseModel):
    plan_id: int
    title: str
    organisation: str
    stage: str
    stage_label: str
    closed: bool
    generated_at: datetime
    history: list[StageEntryOut]
    ladder: LadderOut
    formative: list[FormativeReportOut]
    evidence: list[EvidenceItemOut]
    evidence_by_type: dict[str, int] = Field(description="how many pieces of evidence of each type")
    objectives: list[ObjectiveDeliveryOut]
    summative: SummativeView
    ledger: list[InvestmentLineOut]
    totals: TotalsOut
    baseline_title: str | None
    repeat_title: str | None
    questions: list[QuestionChangeOut]
    gaps: list[GapChangeOut] = Field(default_factory=list, description="gaps between groups, before and after")
    panel: PanelRecord
