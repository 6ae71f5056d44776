"""The summative evaluation page, the final report's page and downloads, and the JSON API, for a plan in
its summative evaluation: a coordinator judges an expectation, claims benefits and writes the
retrospective; mistakes come back with the NHS error summary linked to the field (the benefit's row
named) and what was typed kept; the report reads as a page, a PDF and CSVs; others are refused."""

from __future__ import annotations

import re

from plans.db import session_scope
from plans.repositories.people import PeopleRepository
from tests.conftest import Database
from tests.summative_world import at_summative
from tests.web import signed_in

SUMMARY = re.compile(r'nhsuk-error-summary".*?</ul>', re.S)


def _person(email: str) -> int:
    with session_scope() as s:
        return PeopleRepository(s).people_by_email([email])[email].id


def test_the_coordinator_judges_claims_benefits_and_reads_the_report(db: Database) -> None:
    world = at_summative()
    plan = world.plan_id
    cora, csrf = signed_in(_person("cora@small.example"))
    page = cora.get(f"/plans/{plan}/summative")
    assert (
        page.status_code == 200 and "Evidence at level 1 (reaction), 2 (learning): the chain is complete." in page.text
    )
    eid = world.expectations[0]

    refused = cora.post(f"/plans/{plan}/summative/judgement", data={"csrf_token": csrf, "expectation_id": str(eid)})
    summary = SUMMARY.search(refused.text)
    assert refused.status_code == 422 and summary is not None
    assert f'href="#judge-{eid}-judgement"' in summary.group(
        0
    ) and "Select met, partly met or not met" in summary.group(0)
    judged = cora.post(
        f"/plans/{plan}/summative/judgement",
        data={"csrf_token": csrf, "expectation_id": str(eid), "judgement": "met", "evidence": "4.2 of 5 in feedback."},
    )
    assert judged.status_code == 303 and judged.headers["location"].endswith(f"#expectation-{eid}")

    rows = {
        "description": ["Fewer complaints handled", "", "Citizens trust us more"],
        "value": ["3,000", "", ""],
        "isolation_method": ["", "", ""],
        "contribution_pct": ["50", "", ""],
        "confidence_pct": ["80", "", ""],
        "how_valued": ["30 complaints x £100", "", ""],
        "expectation_id": ["", "", ""],
    }
    refused = cora.post(f"/plans/{plan}/summative/benefits", data={"csrf_token": csrf, **rows})
    summary = SUMMARY.search(refused.text)
    assert refused.status_code == 422 and summary is not None
    assert 'href="#benefit-0-isolation_method"' in summary.group(0)
    assert "Benefit 1: a benefit with a money value needs an isolation method" in summary.group(0)
    assert 'value="30 complaints x £100"' in refused.text  # what was typed is kept
    rows["isolation_method"][0] = "trend_line"
    saved = cora.post(f"/plans/{plan}/summative/benefits", data={"csrf_token": csrf, **rows})
    assert saved.status_code == 303 and saved.headers["location"].endswith("#roi")
    page = cora.get(f"/plans/{plan}/summative").text
    assert "£1,200.00" in page and "Citizens trust us more" in page  # 3,000 x 50% x 80%; the intangible listed

    retro = {"csrf_token": csrf, "what_we_did": "Induction.", "what_we_learned": "", "pleased_about": "Co-delivery."}
    refused = cora.post(f"/plans/{plan}/summative/retrospective", data=retro)
    assert refused.status_code == 422 and 'href="#retrospective-what_we_learned"' in refused.text
    assert 'href="#retrospective-could_have_been_different"' in refused.text and "Induction." in refused.text

    report = cora.get(f"/plans/{plan}/report")
    assert report.status_code == 200 and "Draft." in report.text and 'id="chart-investment"' in report.text
    assert f'href="/plans/{plan}/report.pdf"' in report.text
    findings = cora.get(f"/plans/{plan}/report.csv", params={"part": "findings"})
    assert findings.headers["content-type"].startswith("text/csv") and findings.text.startswith("question_id,")
    assert cora.get(f"/plans/{plan}/report.csv", params={"part": "secrets"}).status_code == 422
    pdf = cora.get(f"/plans/{plan}/report.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")

    panel, _ = signed_in(_person("pat@citizens.example"))
    assert panel.get(f"/plans/{plan}/summative").status_code == 403
    assert panel.get(f"/plans/{plan}/report.pdf").status_code == 403
    unpublished = panel.get(f"/panel/plans/{plan}/report")  # the summative report is not published yet
    assert unpublished.status_code == 409 and "has not published its summative report" in unpublished.text


def test_the_api_refuses_bad_input_readably(db: Database) -> None:
    world = at_summative()
    plan = world.plan_id
    cora, csrf = signed_in(_person("cora@small.example"))
    cora.headers["X-CSRF-Token"] = csrf
    view = cora.get(f"/api/v1/plans/{plan}/summative").json()
    assert view["unjudged"] == 2 and view["roi"]["costs"] == "£2,250.00" and view["roi"]["participants"] == 40

    other = cora.post(
        f"/api/v1/plans/{plan}/judgements", json={"expectation_id": 999_999, "judgement": "met", "evidence": "x"}
    )
    assert other.status_code == 404 and "has no expectation 999999" in other.json()["detail"]
    bad = cora.put(
        f"/api/v1/plans/{plan}/benefits",
        json={"benefits": [{"description": "Saved overtime", "value_pence": 10_000, "how_valued": "rota"}]},
    )
    assert bad.status_code == 422
    assert bad.json()["detail"].startswith("benefits[0].isolation_method: a benefit with a money value needs")
    good = cora.put(
        f"/api/v1/plans/{plan}/benefits",
        json={"benefits": [{"description": "Saved overtime", "value_pence": 450_000, "isolation_method":
              "control_group", "how_valued": "rota"}, {"description": "Morale"}]},
    )  # fmt: skip
    assert good.status_code == 200 and good.json()["roi"] == "100.0%" and good.json()["intangible"][0]["intangible"]
    retro = {"what_we_did": "a", "what_we_learned": "b", "pleased_about": "c", "could_have_been_different": "d"}
    assert cora.post(f"/api/v1/plans/{plan}/retrospective", json=retro).status_code == 201
    assert cora.post(f"/api/v1/plans/{plan}/retrospective", json=retro).status_code == 409
    pat, _ = signed_in(_person("pat@citizens.example"))
    page = pat.get(f"/panel/plans/{plan}/report")  # published to the panel with the retrospective
    assert page.status_code == 200 and f'href="/panel/plans/{plan}/report.pdf"' in page.text
    assert "report.csv" not in page.text
    report = cora.get(f"/api/v1/plans/{plan}/report").json()
    assert report["summative"]["retrospective"]["pleased_about"] == "c" and not report["closed"]
