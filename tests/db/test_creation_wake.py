"""A new plan wakes the lifecycle flow only when a run would do something, like any decision: at its
vision gate it waits for the working party, so its creation starts no run (bench.throughput found that
run, one in twelve, moved nothing); the working party's last agreement then wakes one."""

from __future__ import annotations

import pytest

from plans import orchestration
from plans.config import settings
from tests.conftest import SMALL_PLAN, Database
from tests.support import create


class TestCreationWake:
    def test_a_new_plan_wakes_nothing_until_its_vision_is_agreed(
        self, db: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        woken: list[tuple[int, str]] = []
        monkeypatch.setattr(settings, "wake_flows", True)
        monkeypatch.setattr(
            orchestration, "start_lifecycle_run", lambda plan_id, uid, key: woken.append((plan_id, key))
        )
        plan_id, people = create(SMALL_PLAN)
        assert woken == []
        people.agree_vision()
        assert [p for p, _ in woken] == [plan_id]


class TestOneWakePerTransaction:
    """One transaction that records two decisions about a plan (a checkpoint's evidence and its panel
    publication) wakes the plan once: bench.throughput found the second run found nothing to do."""

    def test_two_wakes_of_one_plan_in_one_transaction_start_one_run(
        self, db: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from plans.db import session_scope
        from plans.models import utcnow
        from plans.services.lifecycle import wake_if_ready

        woken: list[tuple[int, str]] = []
        plan_id, people = create(SMALL_PLAN)
        people.agree_vision()  # the gate passes: a run would move the plan
        monkeypatch.setattr(settings, "wake_flows", True)
        monkeypatch.setattr(
            orchestration, "start_lifecycle_run", lambda plan_id, uid, key: woken.append((plan_id, key))
        )
        with session_scope() as s:
            assert wake_if_ready(s, plan_id=plan_id, cause="first", now=utcnow())
            assert wake_if_ready(s, plan_id=plan_id, cause="second", now=utcnow())
        assert woken == [(plan_id, "first")]
        with session_scope() as s:  # the next transaction wakes again
            wake_if_ready(s, plan_id=plan_id, cause="third", now=utcnow())
        assert woken == [(plan_id, "first"), (plan_id, "third")]
