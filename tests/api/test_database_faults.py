"""The database lost in the middle of a request, for real: the request's PostgreSQL connection is
terminated by the server after the service has written (``pg_terminate_backend`` of its own backend).
The answer is a 503 saying nothing was saved, with when to try again, on the API and on a page;
nothing of the request is in the database, and the next request works on a fresh connection."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from plans.db import session_scope
from plans.models import AuditEvent, VisionStatement
from plans.services import vision
from tests.api.test_vision_pages import CAT, sign_in, token
from tests.conftest import SMALL_PLAN, Database
from tests.support import create

UNAVAILABLE = "The database could not be reached, so nothing was saved. Try again in a minute."


def _rows(plan_id: int) -> tuple[int, int]:
    with session_scope() as s:
        statements = s.scalar(
            select(func.count()).select_from(VisionStatement).where(VisionStatement.plan_id == plan_id)
        )
        events = s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.plan_id == plan_id))
    return statements or 0, events or 0


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)  # the server ends the connection
def test_a_connection_dropped_mid_request_saves_nothing_and_says_so(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan_id, _ = create(SMALL_PLAN)
    real = vision.add_statement

    def add_then_lose_the_connection(session: Session, **kwargs: Any) -> Any:
        row = real(session, **kwargs)  # the statement and its audit event are written (flushed)
        session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
        return row

    cat = sign_in(CAT)
    csrf = token(cat)
    before = _rows(plan_id)
    monkeypatch.setattr(vision, "add_statement", add_then_lose_the_connection)
    body = {"kind": "aspiration", "text": "Citizens are paid for their time."}
    url = f"/api/v1/plans/{plan_id}/vision/statements"
    answer = cat.post(url, json=body, headers={"X-CSRF-Token": csrf})
    assert (answer.status_code, answer.json()) == (503, {"error": "unavailable", "detail": UNAVAILABLE})
    assert answer.headers["retry-after"] == "30"
    page = cat.post(
        f"/plans/{plan_id}/vision/statements",
        data={"csrf_token": csrf, "kind": "aspiration", "text": "Citizens are paid for their time."},
        follow_redirects=False,
    )
    assert page.status_code == 503 and UNAVAILABLE in page.text and "Sorry, the service is unavailable" in page.text
    assert _rows(plan_id) == before  # nothing half-written

    monkeypatch.setattr(vision, "add_statement", real)
    again = cat.post(url, json=body, headers={"X-CSRF-Token": csrf})
    assert again.status_code == 201, again.text
    assert _rows(plan_id) == (before[0] + 1, before[1] + 1)
