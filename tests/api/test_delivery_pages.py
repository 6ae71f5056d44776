"""The delivery pages and JSON API: an evidence owner sees what they were asked for, gives evidence and
reports their objective's progress; bad input comes back with every problem linked to its box (or named by
field in JSON) and nothing written; someone who is not an owner is not shown the plan; the coordinator sees
the delivery (RAG, percentage, milestones, history), names an evidence owner, records a checkpoint and
reads its formative report (what we did, learned, will change)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.routers import delivery_admin_pages, delivery_pages
from plans.db import session_scope
from plans.models import AuditEvent, EvidenceItem, ObjectiveProgress
from plans.services import evidence_requests
from tests.conftest import Database
from tests.delivery_world import ASKING, CORA, SUE, TESS, TOM, World, actor, in_delivery
from tests.web import signed_in


def _as(w: World, email: str) -> tuple[TestClient, str]:
    return signed_in(w.people[email])


def _asked() -> World:
    w = in_delivery()
    with session_scope() as s:
        evidence_requests.ask_due(s, plan_id=w.plan_id, now=ASKING)
    return w


def _written() -> tuple[int, int, int]:
    with session_scope() as s:
        return tuple(
            int(s.scalar(select(func.count()).select_from(m)) or 0)
            for m in (EvidenceItem, ObjectiveProgress, AuditEvent)
        )  # type: ignore[return-value]


def test_an_owner_gives_evidence_and_bad_input_names_every_box(db: Database) -> None:
    w, other = _asked(), in_delivery("other-plan")
    tess, csrf = _as(w, TESS)
    mine = tess.get("/evidence")
    assert mine.status_code == 200 and "Small test plan" in mine.text and "Checkpoint 1 (4 July 2027)" in mine.text
    page = tess.get(f"/plans/{w.plan_id}/evidence")
    assert page.status_code == 200 and "Reaction (level 1)" in page.text and "Results (level 4)" in page.text
    before = _written()
    bad = {
        "csrf_token": csrf,
        "type": "reaction",
        "summary": "Feedback forms",
        "value": "7",
        "unit": "out of 5",
        "participants": "twelve",
        "checkpoint": "1",
        "objective_id": str(other.objectives[0]),
    }
    refused = tess.post(f"/plans/{w.plan_id}/evidence", data=bad)
    assert refused.status_code == 422 and _written() == before
    assert 'href="#evidence-participants"' in refused.text  # the form's own check comes first
    bad["participants"] = "12"
    refused = tess.post(f"/plans/{w.plan_id}/evidence", data=bad)
    assert refused.status_code == 422 and _written() == before
    links = re.findall(r'href="#(evidence-[a-z_]+)"', refused.text)
    assert links == ["evidence-value", "evidence-objective_id"]
    assert "7 is outside its scale" in refused.text and 'value="Feedback forms"' not in refused.text
    assert "Feedback forms</textarea>" in refused.text  # what was typed is kept
    good = {**bad, "value": "4.5", "objective_id": str(w.objectives[0])}
    done = tess.post(f"/plans/{w.plan_id}/evidence", data=good)
    assert done.status_code == 303 and done.headers["location"].endswith("/evidence#given")
    page = tess.get(f"/plans/{w.plan_id}/evidence")
    assert "4.5 out of 5" in page.text and "Evidence given" in page.text
    overview = signed_in(w.people[CORA])[0].get(f"/plans/{w.plan_id}/delivery").text
    assert "Every piece of evidence (1)" in overview and "Feedback forms" in overview


def test_someone_not_an_owner_is_not_shown_the_plan_and_owners_keep_to_their_objectives(db: Database) -> None:
    w = _asked()
    sue, _ = _as(w, SUE)
    assert sue.get(f"/plans/{w.plan_id}/evidence").status_code == 404
    assert sue.get(f"/api/v1/plans/{w.plan_id}/delivery/mine").status_code == 404
    tom, csrf = _as(w, TOM)
    before = _written()
    data = {"csrf_token": csrf, "objective_id": str(w.objectives[0]), "status": "green", "percent_complete": "50"}
    refused = tom.post(f"/plans/{w.plan_id}/progress", data=data)
    assert refused.status_code == 403 and "for the objective&#39;s owner or a coordinator" in refused.text
    assert _written() == before


def test_progress_needs_a_note_when_amber_and_the_coordinator_sees_it(db: Database) -> None:
    w = _asked()
    tess, csrf = _as(w, TESS)
    form = f"progress-{w.objectives[0]}"
    data = {"csrf_token": csrf, "objective_id": str(w.objectives[0]), "status": "amber", "percent_complete": "35"}
    refused = tess.post(f"/plans/{w.plan_id}/progress", data=data)
    assert refused.status_code == 422 and f'href="#{form}-note"' in refused.text
    done = tess.post(f"/plans/{w.plan_id}/progress", data={**data, "note": "Two teams could not release staff."})
    assert done.status_code == 303
    cora, _ = _as(w, CORA)
    page = cora.get(f"/plans/{w.plan_id}/delivery")
    assert page.status_code == 200
    assert "35% complete" in page.text and "Two teams could not release staff." in page.text
    assert "Every piece of evidence (0)" not in page.text  # the list comes with the first piece
    assert "0 red, 1 amber, 0 green" in " ".join(page.text.split())
    assert tess.get(f"/plans/{w.plan_id}/delivery").status_code == 403  # the overview is the coordinator's


def test_the_coordinator_names_an_owner_records_a_checkpoint_and_reads_its_report(db: Database) -> None:
    w = _asked()
    cora, csrf = _as(w, CORA)
    named = cora.post(f"/plans/{w.plan_id}/evidence-owners", data={"csrf_token": csrf, "email": SUE})
    assert named.status_code == 303
    again = cora.post(f"/plans/{w.plan_id}/evidence-owners", data={"csrf_token": csrf, "email": SUE})
    assert again.status_code == 409 and "already an evidence owner" in again.text
    unknown = cora.post(f"/plans/{w.plan_id}/evidence-owners", data={"csrf_token": csrf, "email": "x@nowhere.example"})
    assert unknown.status_code == 422 and 'href="#owner-email"' in unknown.text
    record = {"csrf_token": csrf, "number": "1", "did": "Ran two workshops.", "learned": " ", "change": "Evenings."}
    refused = cora.post(f"/plans/{w.plan_id}/checkpoints", data=record)
    assert refused.status_code == 422 and 'href="#checkpoint-learned"' in refused.text
    recorded = cora.post(f"/plans/{w.plan_id}/checkpoints", data={**record, "learned": "Co-delivery works."})
    assert recorded.status_code == 303 and recorded.headers["location"].endswith("/formative#checkpoint-1")
    report = cora.get(f"/plans/{w.plan_id}/formative")
    assert report.status_code == 200
    assert "What we learned" in report.text and "Co-delivery works." in report.text
    assert "0 of 2 evidence owners asked answered." in " ".join(report.text.split())  # Sue: no window open now


def test_the_json_api(db: Database) -> None:
    w, other = _asked(), in_delivery("other-plan")
    tess, csrf = _as(w, TESS)
    headers = {"X-CSRF-Token": csrf}
    body = {"type": "learning", "summary": "Quiz", "value": 82, "unit": "%", "participants": 17, "checkpoint": 1}
    refused = tess.post(
        f"/api/v1/plans/{w.plan_id}/delivery/evidence",
        json={**body, "expectation_id": other.expectation, "value": 182},
        headers=headers,
    )
    assert refused.status_code == 422
    detail = refused.json()["detail"]
    assert detail.startswith("value: 182 is outside its scale") and "expectation_id: expectation" in detail
    given = tess.post(f"/api/v1/plans/{w.plan_id}/delivery/evidence", json=body, headers=headers)
    assert given.status_code == 201 and given.json()["figure"] == "82%" and given.json()["level"] == 2
    progress = {"objective_id": w.objectives[0], "status": "green", "percent_complete": 30}
    objective = tess.post(f"/api/v1/plans/{w.plan_id}/delivery/progress", json=progress, headers=headers)
    assert objective.status_code == 201 and objective.json()["history"][0]["percent_complete"] == 30
    mine = tess.get("/api/v1/evidence-requests").json()["requests"]
    assert [(r["checkpoint"], r["state"], r["evidence"]) for r in mine] == [(1, "evidence", 1)]
    cora, csrf = _as(w, CORA)
    checkpoint = {"number": 1, "did": "Ran workshops.", "learned": "It works.", "change": "More of it."}
    report = cora.post(
        f"/api/v1/plans/{w.plan_id}/delivery/checkpoints", json=checkpoint, headers={"X-CSRF-Token": csrf}
    )
    assert report.status_code == 201 and report.json()["levels"] == [2]
    assert [r["number"] for r in cora.get(f"/api/v1/plans/{w.plan_id}/delivery/formative-reports").json()] == [1]
    delivery = cora.get(f"/api/v1/plans/{w.plan_id}/delivery").json()
    assert delivery["rag"]["green"] == 1 and delivery["checkpoints"][0]["recorded_at"] is not None


def test_the_coordinator_records_an_overdue_owner_has_nothing(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    w = _asked()
    late = datetime(2027, 7, 10, 9, tzinfo=UTC)  # both owners' evidence was due on 4 July
    for module in (delivery_pages, delivery_admin_pages):
        monkeypatch.setattr(module, "utcnow", lambda: late)
    cora, csrf = _as(w, CORA)
    page = " ".join(cora.get(f"/plans/{w.plan_id}/delivery").text.split())
    assert "Tom Manager: checkpoint 1, overdue by 6 days" in page
    data = {"csrf_token": csrf, "checkpoint": "1", "on_behalf_of": str(w.people[TOM]), "note": "On leave"}
    assert cora.post(f"/plans/{w.plan_id}/evidence/nothing", data=data).status_code == 303
    page = " ".join(cora.get(f"/plans/{w.plan_id}/delivery").text.split())
    assert "Tom Manager: checkpoint 1" not in page and "Tess Manager: checkpoint 1, overdue by 6 days" in page


def test_someone_asked_for_evidence_starts_on_their_requests(db: Database) -> None:
    w = _asked()
    sue, _ = _as(w, SUE)
    assert sue.get("/").headers["location"] == "/vision"  # a working party member, not asked yet
    with session_scope() as s:
        evidence_requests.name_owner(s, plan_id=w.plan_id, actor=actor(CORA), email=SUE, now=ASKING)
    assert sue.get("/").headers["location"] == "/evidence"
