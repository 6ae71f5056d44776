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
