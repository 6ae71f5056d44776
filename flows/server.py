"""Starting and stopping the local processes ``coproduce up`` and ``coproduce demo`` need: a Prefect
server on SQLite and the process that serves the deployments. Each runs in its own process group so
that stopping it stops its children too; their output goes to log files, not the terminal."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import httpx

QUIET_PREFECT = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_RUNNER_POLL_FREQUENCY": "1",
}


def free_port(preferred: int) -> int:
    """``preferred`` if nothing listens there, else a free port the system picks."""
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])


def _default_signals() -> None:
    """In the child: restore SIGINT/SIGTERM handling, which a parent under nohup or ``&`` passes on
    ignored (the child would then sit out ``stop``'s SIGINT and wait for the SIGTERM)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


class ChildProcess:
    """A background process with its own process group and a log file."""

    def __init__(self, name: str, argv: list[str], env: Mapping[str, str], log_path: Path) -> None:
        self.name, self.argv, self.env, self.log_path = name, argv, dict(env), log_path
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            self.argv,
            preexec_fn=_default_signals,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 15) -> None:
        """SIGINT first (Prefect cleans up on it), then SIGTERM, then SIGKILL, to the whole group."""
        if self.proc is None or self.proc.poll() is not None:
            return
        for sig, wait in ((signal.SIGINT, timeout), (signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.proc.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def wait_http(self, url: str, timeout: float = 60) -> None:
        """Block until ``url`` answers 200, failing early (with the log's tail) if the process dies."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running():
                raise RuntimeError(f"the {self.name} exited at start-up:\n{self.tail()}")
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        raise RuntimeError(f"the {self.name} did not answer at {url} within {timeout:.0f} s:\n{self.tail()}")

    def tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class PrefectServer(ChildProcess):
    """``prefect server start`` on SQLite under ``home``, analytics off."""

    def __init__(self, home: Path, port: int, log_path: Path, *, ui: bool = True) -> None:
        home.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **QUIET_PREFECT, "PREFECT_HOME": str(home), "PREFECT_UI_ENABLED": str(ui).lower()}
        env.pop("PREFECT_API_URL", None)
        argv = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)]
        super().__init__("prefect server", argv, env, log_path)
        self.port = port

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    @property
    def ui_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_healthy(self, timeout: float = 120) -> None:
        self.wait_http(f"{self.api_url}/health", timeout)


def flow_server(
    api_url: str, database_url: str, log_path: Path, extra_env: Mapping[str, str] | None = None
) -> ChildProcess:
    """``python -m flows.serve``: serves every deployment of prefect.yaml against ``api_url``."""
    env = {
        **os.environ,
        **QUIET_PREFECT,
        "PREFECT_API_URL": api_url,
        "COPRODUCE_DATABASE_URL": database_url,
        **(extra_env or {}),
    }
    return ChildProcess("flow server", [sys.executable, "-m", "flows.serve"], env, log_path)


def wait_for_deployment(name: str, timeout: float = 60) -> None:
    """Block until the served deployment ``name`` (flow/deployment) is registered."""
    from prefect import get_client
    from prefect.exceptions import ObjectNotFound

    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            try:
                client.read_deployment_by_name(name)
                return
            except ObjectNotFound:
                time.sleep(0.25)
    raise RuntimeError(f"deployment {name} was not registered within {timeout:.0f} s")
