"""JSON API for a plan's survey analysis: the same figures as the coordinator's analysis page. Hidden
(suppressed) figures are never in it: a hidden cell carries its ``n`` and reason only."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from api.deps import SessionDep
from plans.analysis_heatmap import MAX_PER_PAGE, PER_PAGE
from plans.analysis_views import AnalysisPage, SortKey, SortOrder
from plans.services.analysis_views import plan_analysis

router = APIRouter(prefix="/api/v1", tags=["surveys"])


@router.get("/plans/{plan_id}/analysis", response_model=AnalysisPage)
def api_analysis(
    plan_id: int,
    session: SessionDep,
    kind: Literal["baseline", "repeat"] = "baseline",
    breakdown: Annotated[str | None, Query(max_length=120, description="default: team, else the first")] = None,
    sort: SortKey = "name",
    order: SortOrder = "asc",
    page: Annotated[int, Query(ge=1, le=1_000_000, description="past the last page: the last page")] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = PER_PAGE,
) -> AnalysisPage:
    """The plan's survey of this kind and its stored analysis: the organisation's % positive per question
    (with its Wilson interval, distribution and change against the baseline), section means, groups hidden
    per breakdown (primary and secondary), questions not compared, and one page of a breakdown's heatmap.
    ``state`` says why there is no ``analysis`` yet: not_opened, open or not_analysed. 422 for a breakdown
    the analysis does not have."""
    return plan_analysis(
        session,
        plan_id=plan_id,
        kind=kind,
        breakdown=breakdown,
        sort=sort,
        order=order,
        page=page,
        per_page=per_page,
    )
