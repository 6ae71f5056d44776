"""prefect.yaml against a real server: ``prefect deploy --all`` creates a deployment for every flow,
and the scheduled one gets runs. The second check guards a silent failure: with an incompatible
SQLAlchemy the Prefect scheduler fails every loop and schedules create no runs, visible only in the
server's log."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from prefect import get_client
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId, FlowRunFilter
from prefect.client.schemas.objects import StateType
from prefect.settings import PREFECT_API_URL, temporary_settings

from flows.deployments import declared, runner_deployments
from flows.server import free_port
from tests.prefect_stack import running_prefect_server

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.prefect


def _prefect(args: list[str], api: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PREFECT_API_URL": api, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
    return subprocess.run(
        [sys.executable, "-m", "prefect", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def own_prefect_api(tmp_path: Path) -> Iterator[str]:
    """A Prefect server of this test's own: on the session's, the deployments that earlier tests' flow
    servers registered under the same names (with no work pool) were there first, and in two full runs,
    once the longest test files went first, ``prefect deploy --all`` left plan-lifecycle without its
    work pool (not seen when run alone: what an earlier runner left differs with the order)."""
    with (
        running_prefect_server(tmp_path / "prefect-home", free_port(4395), tmp_path / "prefect-server.log") as server,
        temporary_settings(updates={PREFECT_API_URL: server.api_url}),
    ):
        yield server.api_url


class TestPrefectYaml:
    def test_every_flow_module_has_a_deployment(self) -> None:
        names = {d["name"] for d in declared()}
        assert names == {
            "plan-lifecycle",
            "analyse-survey",
            "reconcile",
            "deliver-outbox",
            "chase",
            "purge-personal-data",
        }
        served = {d.name: d for d in runner_deployments()}
        assert set(served) == names
        assert served["reconcile"].schedules and not served["plan-lifecycle"].schedules
        assert not served["analyse-survey"].schedules
        assert [s.schedule.interval.total_seconds() for s in served["deliver-outbox"].schedules] == [60]  # type: ignore[union-attr]
        (daily,) = [s.schedule for s in served["chase"].schedules]
        assert (daily.cron, daily.timezone) == ("0 9 * * *", "Europe/London")  # type: ignore[union-attr]
        (nightly,) = [s.schedule for s in served["purge-personal-data"].schedules]
        assert (nightly.cron, nightly.timezone) == ("30 2 * * *", "Europe/London")  # type: ignore[union-attr]

    def test_deploy_all_and_the_schedule_creates_runs(self, own_prefect_api: str) -> None:
        pool = _prefect(["work-pool", "create", "coproduce", "--type", "process", "--overwrite"], own_prefect_api)
        assert pool.returncode == 0, pool.stdout + pool.stderr
        before = (ROOT / "prefect.yaml").read_text()
        deployed = _prefect(["--no-prompt", "deploy", "--all"], own_prefect_api)
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        assert (ROOT / "prefect.yaml").read_text() == before, "prefect deploy rewrote prefect.yaml"

        expected = yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]
        with get_client(sync_client=True) as client:
            for entry in expected:
                flow_name = entry["entrypoint"].split(":")[1].replace("_", "-")
                deployment = client.read_deployment_by_name(f"{flow_name}/{entry['name']}")
                assert deployment.work_pool_name == "coproduce"
            delivery = client.read_deployment_by_name("deliver-outbox/deliver-outbox")
            assert [s.schedule.interval.total_seconds() for s in delivery.schedules] == [60]  # type: ignore[union-attr]
            daily = client.read_deployment_by_name("chase/chase")
            assert [(s.schedule.cron, s.schedule.timezone) for s in daily.schedules] == [  # type: ignore[union-attr]
                ("0 9 * * *", "Europe/London")
            ]
            retention = client.read_deployment_by_name("purge-personal-data/purge-personal-data")
            assert [(s.schedule.cron, s.schedule.timezone) for s in retention.schedules] == [  # type: ignore[union-attr]
                ("30 2 * * *", "Europe/London")
            ]
            reconcile = client.read_deployment_by_name("reconcile/reconcile")
            assert [s.schedule.interval.total_seconds() for s in reconcile.schedules] == [300]  # type: ignore[union-attr]
            deadline = time.monotonic() + 90
            runs = []
            while time.monotonic() < deadline and not runs:
                runs = client.read_flow_runs(
                    deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[reconcile.id])),
                    flow_run_filter=FlowRunFilter(),
                )
                time.sleep(1)
        assert runs, "the reconcile schedule created no runs: is the Prefect scheduler failing?"
        assert all(r.state_type is StateType.SCHEDULED for r in runs)
