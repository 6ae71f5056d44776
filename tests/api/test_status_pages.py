"""The coordinator's dashboard, plan page and JSON API: they list plans with their gate's reasons,
show one plan's history and audit log, answer 404 clearly, and escape what people typed."""

from __future__ import annotations

import yaml
from fastapi.testclient import TestClient

from plans.db import session_scope
from plans.files import parse_plan
from plans.models import Role, utcnow
from plans.services.actors import SYSTEM
from plans.services.plan_setup import create_plan
from tests.conftest import SMALL_PLAN, Database
from tests.web import make_user, signed_in


def _plan(title: str = "Small test plan") -> int:
    data = yaml.safe_load(SMALL_PLAN.read_text())
    data["plan"]["title"] = title
    with session_scope() as s:
        return create_plan(s, spec=parse_plan(data, "test"), actor=SYSTEM, now=utcnow()).id


def _coordinator() -> TestClient:
    return signed_in(make_user("coord@example.org", Role.COORDINATOR))[0]


class TestDashboard:
    def test_lists_plans_with_their_reasons(self, db: Database) -> None:
        plan_id = _plan()
        page = _coordinator().get("/plans")
        assert page.status_code == 200
        assert f'href="/plans/{plan_id}"' in page.text and "Vision" in page.text
        assert "waiting for 4 working party member(s) to agree the vision" in page.text

    def test_escapes_what_people_typed(self, db: Database) -> None:
        _plan(title="<script>alert(1)</script> plan")
        page = _coordinator().get("/plans")
        assert "<script>alert(1)</script>" not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt; plan" in page.text


class TestPlanPage:
    def test_history_and_audit(self, db: Database) -> None:
        plan_id = _plan()
        page = _coordinator().get(f"/plans/{plan_id}")
        assert page.status_code == 200
        assert "plan created" in page.text and "vision statement added" in page.text

    def test_unknown_plan_is_a_readable_404(self, db: Database) -> None:
        client = _coordinator()
        page = client.get("/plans/999")
        assert page.status_code == 404 and "plan 999 does not exist" in page.text
        api = client.get("/api/v1/plans/999")
        assert api.status_code == 404
        assert api.json() == {"error": "not_found", "detail": "plan 999 does not exist"}


class TestJsonApi:
    def test_plans_and_plan(self, db: Database) -> None:
        plan_id = _plan()
        client = _coordinator()
        listed = client.get("/api/v1/plans").json()["rows"]
        assert [p["id"] for p in listed] == [plan_id] and listed[0]["stage"] == "vision"
        one = client.get(f"/api/v1/plans/{plan_id}").json()
        assert one["history"][0]["stage"] == "vision" and one["blocked_by"]
        assert client.get("/api/v1/openapi.json").status_code == 200
