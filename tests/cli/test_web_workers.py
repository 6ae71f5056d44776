"""``coproduce web --workers 2`` as production runs it behind a proxy (docs/operations.md): two worker
processes answer readiness and requests, and SIGINT stops every process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil

from flows.server import free_port
from plans.migrations import upgrade


def test_two_workers_answer_and_stop_together(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'web.db'}"
    upgrade(url)
    port = free_port(8391)
    env = {**os.environ, "COPRODUCE_DATA_DIR": str(tmp_path), "COPRODUCE_DATABASE_URL": url, "PREFECT_API_URL": ""}
    argv = [sys.executable, "-m", "api.cli", "web", "--workers", "2", "--port", str(port)]
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline, ready = time.monotonic() + 60, None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.3)
        assert ready is not None and ready.status_code == 200, proc.stdout.read() if proc.poll() is not None else ""
        workers = psutil.Process(proc.pid).children(recursive=True)
        assert len([w for w in workers if "spawn_main" in " ".join(w.cmdline())]) == 2
        answers = [httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code for _ in range(20)]
        assert answers == [200] * 20
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
    assert proc.returncode is not None
    # the master returns once its workers are joined; multiprocessing's resource tracker, also below it,
    # leaves a moment later (when its pipe closes): give every process a few seconds, no more
    _, alive = psutil.wait_procs(workers, timeout=10)
    assert not [w for w in alive if w.status() != psutil.STATUS_ZOMBIE]
