"""The coordinator's analysis page: a plan's baseline or repeat survey as the analysis stored it, with
the organisation's figures, section means, what suppression hid, and the heatmap of one breakdown's
groups against the organisation (sorted and paged by plain links, so it works without scripts)."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import SessionDep
from api.pages import render
from api.routers.inbox import when
from plans.analysis_heatmap import MAX_PER_PAGE, PER_PAGE
from plans.analysis_views import AnalysisPage, SortKey, SortOrder
from plans.services.analysis_views import plan_analysis

router = APIRouter(include_in_schema=False)


@router.get("/plans/{plan_id}/analysis", response_class=HTMLResponse)
def analysis_page(
    request: Request,
    plan_id: int,
    session: SessionDep,
    kind: Literal["baseline", "repeat"] = "baseline",
    breakdown: Annotated[str | None, Query(max_length=120)] = None,
    sort: SortKey = "name",
    order: SortOrder = "asc",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = PER_PAGE,
) -> Response:
    view = plan_analysis(
        session,
        plan_id=plan_id,
        kind=kind,
        breakdown=breakdown,
        sort=sort,
        order=order,
        page=page,
        per_page=per_page,
    )
    return render(request, "analysis.html", {"page": view, "when": when, "href": Links(view), "pager": pager(view)})


class Links:
    """Addresses of this page with some of its choices changed (the others kept), for the templates."""

    def __init__(self, view: AnalysisPage) -> None:
        self.base = f"/plans/{view.plan_id}/analysis"
        heat = view.analysis.heatmap if view.analysis else None
        self.current: dict[str, Any] = {"kind": view.kind}
        if heat is not None:
            self.current |= {"breakdown": heat.breakdown, "sort": heat.sort, "order": heat.order, "page": heat.page}
            if heat.per_page != PER_PAGE:
                self.current["per_page"] = heat.per_page

    def __call__(self, **changes: Any) -> str:
        if "kind" in changes:  # the other survey, from its own defaults
            return f"{self.base}?{urlencode({'kind': changes['kind']})}"
        if {"breakdown", "sort", "order"} & set(changes):
            changes.setdefault("page", 1)  # a new ordering or breakdown starts at its first page
        query = {k: v for k, v in (self.current | changes).items() if v is not None}
        return f"{self.base}?{urlencode(query)}"


def pager(view: AnalysisPage) -> list[dict[str, Any]]:
    """The numbered links of the heatmap's pages: the first, the last, and two either side of the
    current one, with gaps between (``{"ellipsis": True}``)."""
    heat = view.analysis.heatmap if view.analysis else None
    if heat is None or heat.pages <= 1:
        return []
    links = Links(view)
    near = {1, heat.pages, *range(heat.page - 2, heat.page + 3)}
    items: list[dict[str, Any]] = []
    last = 0
    for number in sorted(n for n in near if 1 <= n <= heat.pages):
        if number > last + 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": links(page=number), "current": number == heat.page})
        last = number
    return items
