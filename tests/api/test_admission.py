"""The web process never waits for the database on its event loop (found by bench.soak): more requests
at once than it has connections are all answered (api/admission.py), and so are requests of one
session at once when the session's once-a-minute touch takes a row lock (the permission check's
queries run in a worker thread, api/permissions.py)."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from api.admission import DatabaseAdmission
from plans.config import settings
from plans.db import engine_for, get_engine, session_scope
from plans.models import WebSession, utcnow
from tests.api.test_vision_pages import CAT, sign_in
from tests.conftest import SMALL_PLAN, Database
from tests.support import create


class TestDatabaseAdmission:
    def test_lets_in_at_most_its_slots_and_healthz_always(self) -> None:
        inside, most, release = 0, 0, asyncio.Event()

        async def app(scope: Any, receive: Any, send: Any) -> None:
            nonlocal inside, most
            inside += 1
            most = max(most, inside)
            if scope["path"] != "/healthz":
                await release.wait()
            inside -= 1
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})

        async def run() -> tuple[int, list[int]]:
            transport = httpx.ASGITransport(app=DatabaseAdmission(app, slots=3))
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                waiting = [asyncio.create_task(client.get(f"/plans/{i}")) for i in range(10)]
                await asyncio.sleep(0.05)
                alive = await asyncio.wait_for(client.get("/healthz"), 1)  # not queued behind the ten
                inside_then = inside
                release.set()
                answers = await asyncio.gather(*waiting)
            return inside_then, [alive.status_code, *(a.status_code for a in answers)]

        inside_then, statuses = asyncio.run(run())
        assert inside_then == 3 and most == 4  # three held, and the health check beside them
        assert statuses == [200] * 11


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)  # the pool of a real server's connections
def test_more_requests_at_once_than_connections_are_all_answered(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    plan_id, _ = create(SMALL_PLAN)
    monkeypatch.setattr(settings, "database_pool_size", 1)
    monkeypatch.setattr(settings, "database_max_overflow", 1)
    monkeypatch.setattr(settings, "database_pool_timeout", 5.0)
    engine_for.cache_clear()  # an engine with the two-connection pool
    try:
        browser = sign_in(CAT)  # a working party member: each request's permission check queries
        with browser:

            def read(_: int) -> int:
                return browser.get(f"/api/v1/plans/{plan_id}/vision").status_code

            started = time.monotonic()
            with ThreadPoolExecutor(12) as pool:
                statuses = list(pool.map(read, range(48)))
            took = time.monotonic() - started
    finally:
        get_engine().dispose()
        engine_for.cache_clear()
    # before: the third request's check waited for a connection on the event loop, the two holding them
    # could not finish, and after the pool's 5 s every waiting request failed (500)
    assert statuses == [200] * 48
    assert took < 5.0


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)  # the row lock of a real server
def test_one_sessions_requests_at_once_after_a_minute_are_all_answered(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan_id, _ = create(SMALL_PLAN)
    # a lock wait ends after 10 s (so that, were the loop to wait on one again, the test fails, not hangs)
    monkeypatch.setattr(settings, "database_url", db.url.replace("options=", "options=-clock_timeout%3D10000%20", 1))
    engine_for.cache_clear()
    try:
        browser = sign_in(CAT)
        with session_scope() as s:  # the session's last use a while ago: the next request touches it
            s.execute(update(WebSession).values(last_seen_at=utcnow() - timedelta(minutes=2)))
        with browser:

            def read(_: int) -> int:
                return browser.get(f"/api/v1/plans/{plan_id}/vision").status_code

            started = time.monotonic()
            with ThreadPoolExecutor(12) as pool:
                statuses = list(pool.map(read, range(24)))
            took = time.monotonic() - started
    finally:
        get_engine().dispose()
        engine_for.cache_clear()
    # before: the second request's touch waited for the first's row lock on the event loop, which the first
    # needed to commit; the process stood still until the lock timeout, every request after it with it
    assert statuses == [200] * 24
    assert took < 10.0
