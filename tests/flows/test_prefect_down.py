"""A decision recorded while Prefect is unreachable or hung is kept, the person is not held for long,
and the plan is still known to need a run (the reconcile flow starts it once Prefect is back)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from prefect.settings import PREFECT_API_URL, temporary_settings

from plans import orchestration
from plans.config import settings
from plans.db import session_scope
from plans.domain.stages import Stage
from plans.models import utcnow
from plans.services.lifecycle import plans_needing_a_run
from tests.conftest import SMALL_PLAN, Database
from tests.support import create, stage_of


@pytest.fixture
def hung_server() -> Iterator[str]:
    """An address that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/api"
    stop.set()
    thread.join(2)
    for conn in accepted:
        conn.close()
    listener.close()


# the wake-up's per-request timeout in these tests: the production 5 s would hold each hung case for 12 s
# (two attempts and the client's back-off); what is under test is that the bound is applied at all
TEST_WAKE_TIMEOUT = 1.0


def test_the_production_bound_holds_a_person_for_seconds_only() -> None:
    attempts = orchestration.WAKE_RETRIES + 1
    assert orchestration.WAKE_TIMEOUT_SECONDS * attempts <= 12 and attempts <= 2


class TestWakeWithPrefectDown:
    @pytest.mark.parametrize("where", ["refused", "hung"])
    def test_decision_kept_and_not_held(
        self, db: Database, monkeypatch: pytest.MonkeyPatch, hung_server: str, where: str
    ) -> None:
        plan_id, people = create(SMALL_PLAN)
        monkeypatch.setattr(settings, "wake_flows", True)
        monkeypatch.setattr(orchestration, "WAKE_TIMEOUT_SECONDS", TEST_WAKE_TIMEOUT)
        url = hung_server if where == "hung" else "http://127.0.0.1:9/api"
        with temporary_settings(updates={PREFECT_API_URL: url}):
            started = time.monotonic()
            people.agree_vision()  # the last agreement opens the gate and tries to wake the flow
            took = time.monotonic() - started
        # unbounded, the client would wait 60 s x 5 retries; bounded, two attempts of 1 s and a back-off
        assert took < 10, f"recording the vision took {took:.1f} s with Prefect {where}"
        assert stage_of(plan_id) is Stage.VISION
        with session_scope() as s:
            assert plans_needing_a_run(s, now=utcnow()) == [plan_id]
