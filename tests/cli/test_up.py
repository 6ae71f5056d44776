"""``coproduce up`` as a user runs it: everything starts, the pages answer, the example plan is moved
by a served flow run, and Ctrl-C (SIGINT) stops every child process."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

pytestmark = pytest.mark.prefect


def test_up_serves_and_stops_cleanly(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "COPRODUCE_DATA_DIR": str(tmp_path),
        "COPRODUCE_PREFECT_PORT": "4311",
        "COPRODUCE_WEB_PORT": "8311",
        "PREFECT_API_URL": "",
    }
    env.pop("COPRODUCE_DATABASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "up", "--with-example"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 150
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if "Press Ctrl-C" in line or proc.poll() is not None:
                break
        output = "".join(lines)
        web = re.search(r"web app\s+(http://\S+)", output)
        prefect = re.search(r"Prefect UI\s+(http://\S+)", output)
        assert web and prefect, output
        children = psutil.Process(proc.pid).children(recursive=True)
        assert len(children) >= 3
        assert httpx.get(web.group(1) + "/", timeout=10).status_code == 303  # to sign in
        cli = [sys.executable, "-m", "api.cli", "user"]
        add = [*cli, "add", "coord@example.org", "--name", "Coordinator", "--role", "coordinator", "--no-password"]
        subprocess.run(add, env=env, check=True, capture_output=True)
        token = subprocess.run(
            [*cli, "token", "coord@example.org", "--name", "test"], env=env, check=True, capture_output=True, text=True
        ).stdout.strip()
        bearer = {"Authorization": f"Bearer {token}"}
        page = httpx.get(web.group(1) + "/plans", headers=bearer, timeout=10)
        assert page.status_code == 200 and "Citizen voice workforce development plan" in page.text
        assert httpx.get(prefect.group(1) + "/api/health", timeout=10).status_code == 200
        plans = httpx.get(web.group(1) + "/api/v1/plans", headers=bearer, timeout=10).json()["rows"]
        assert plans[0]["stage"] == "vision"
        # a new plan waits for its working party and wakes no run (plan_setup), so start one as the reconcile
        # flow or a decision would, through the deployment: the served flows must execute it
        api = prefect.group(1) + "/api"
        deployment = httpx.get(f"{api}/deployments/name/plan-lifecycle/plan-lifecycle", timeout=10).json()
        started = httpx.post(
            f"{api}/deployments/{deployment['id']}/create_flow_run",
            json={"parameters": {"plan_id": 1}, "tags": ["plan:1"]},
            timeout=10,
        )
        assert started.status_code == 201, started.text
        deadline, state = time.monotonic() + 90, None
        while time.monotonic() < deadline and state != "COMPLETED":
            runs = httpx.post(
                prefect.group(1) + "/api/flow_runs/filter",
                json={"flow_runs": {"tags": {"all_": ["plan:1"]}}},
                timeout=10,
            ).json()
            state = runs[0]["state_type"] if runs else None
            time.sleep(0.5)
        assert state == "COMPLETED" and runs[0]["name"] == "plan-1"
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            rest, _ = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
    assert proc.returncode == 0, "".join(lines) + rest
    assert "stopped." in rest
    time.sleep(0.5)
    assert all(not c.is_running() or c.status() == psutil.STATUS_ZOMBIE for c in children), "children left running"
