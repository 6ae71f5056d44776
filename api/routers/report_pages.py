"""The final report for coordinators: read it as a page, download it as a PDF, or download its evidence,
objectives, survey findings and judgements as CSV.

The plan's citizen panel reads the same report (and its PDF) under /panel once the summative report is
published to them. The page is the report's own standalone HTML (the same document the PDF and ``coproduce plan report``
write) with a toolbar of downloads; it can be read at any stage and says it is a draft until the plan
closes.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from api.deps import SessionDep
from api.permissions import CurrentPrincipal
from plans.models import utcnow
from plans.reports.render import CSV_NAMES, Links, csv_export, report_html, report_pdf
from plans.services.final_report import final_report, panel_report

router = APIRouter(include_in_schema=False)
Part = Literal["evidence", "objectives", "findings", "expectations"]
CSV_LABELS = {"evidence": "Evidence", "objectives": "Objectives", "findings": "Survey findings"}
CSV_LABELS["expectations"] = "Judgements"


def _links(plan_id: int) -> Links:
    base = f"/plans/{plan_id}/report"
    return Links(
        back=f"/plans/{plan_id}",
        pdf=f"{base}.pdf",
        csv=[(CSV_LABELS[name], f"{base}.csv?part={name}") for name in CSV_NAMES],
    )


def _download(body: bytes | str, media_type: str, filename: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"}
    return Response(body, media_type=media_type, headers=headers)


@router.get("/plans/{plan_id}/report", response_class=HTMLResponse)
def report_page(plan_id: int, session: SessionDep, principal: CurrentPrincipal) -> Response:
    report = final_report(session, plan_id=plan_id, now=utcnow())
    return HTMLResponse(report_html(report, links=_links(plan_id)), headers={"Cache-Control": "no-store"})


@router.get("/plans/{plan_id}/report.pdf")
def report_pdf_download(plan_id: int, session: SessionDep, principal: CurrentPrincipal) -> Response:
    report = final_report(session, plan_id=plan_id, now=utcnow())
    return _download(report_pdf(report_html(report)), "application/pdf", f"plan-{plan_id}-final-report.pdf")


@router.get("/plans/{plan_id}/report.csv")
def report_csv(plan_id: int, session: SessionDep, principal: CurrentPrincipal, part: Part = "evidence") -> Response:
    report = final_report(session, plan_id=plan_id, now=utcnow())
    return _download(csv_export(report, part), "text/csv; charset=utf-8", f"plan-{plan_id}-{part}.csv")


@router.get("/panel/plans/{plan_id}/report", response_class=HTMLResponse)
def panel_report_page(plan_id: int, session: SessionDep, principal: CurrentPrincipal) -> Response:
    """The plan's citizen panel reads the final report once the summative report is published to them."""
    report = panel_report(session, plan_id=plan_id, now=utcnow())
    links = Links(back=f"/panel/plans/{plan_id}", pdf=f"/panel/plans/{plan_id}/report.pdf")
    return HTMLResponse(report_html(report, links=links), headers={"Cache-Control": "no-store"})


@router.get("/panel/plans/{plan_id}/report.pdf")
def panel_report_pdf(plan_id: int, session: SessionDep, principal: CurrentPrincipal) -> Response:
    report = panel_report(session, plan_id=plan_id, now=utcnow())
    return _download(report_pdf(report_html(report)), "application/pdf", f"plan-{plan_id}-final-report.pdf")
