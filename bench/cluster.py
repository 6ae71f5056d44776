"""The production shape on one machine, for benchmarks and fault scenarios: a Prefect server whose own
database is PostgreSQL, the app's database on PostgreSQL (migrated to head), a process work pool
``coproduce`` with the deployments of prefect.yaml registered by ``prefect deploy`` (as
docs/operations.md has it), and N ``prefect worker start --pool coproduce`` processes, each in its own
process group with COPRODUCE_DATABASE_URL and the quiet Prefect settings.

    with cluster(workers=2) as c:          # c.api_url, c.app_url, c.env(), c.kill_worker(0), ...
        with c.client():                   # PREFECT_API_URL for this thread's Prefect calls
            ...

Everything is torn down on exit, even on error: workers and server stopped by process group, both
databases dropped (``DROP DATABASE ... WITH (FORCE)``), processes that carry the cluster's marker in
their environment reaped. Logs go to a temporary folder, removed on success and kept (and printed) on
failure or with ``keep_logs``. The databases are named ``bench_prefect_<hex>`` and ``bench_app_<hex>``
so that two clusters (two helpers, two benchmarks) never share one.

``extra_env`` goes to the workers (and ``env()``): COPRODUCE_SMTP_HOST, a shorter delivery lease, ...
Workers poll every ``query_seconds`` (1 s here, Prefect's default is 10 s: a wake-up would wait 5 s on
average before a worker even sees it) and run at most ``limit`` flow runs at once each (each run is a
Python process of about 150 MB and 2-3 s of CPU for its imports).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import create_engine, text

from bench._common import ROOT, children_by_parent, reap_leftovers, sigint_default
from flows.server import QUIET_PREFECT, ChildProcess, PrefectServer, free_port

PG_BASE = os.environ.get("COPRODUCE_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
POOL = "coproduce"
PREFECT_YAML = ROOT / "prefect.yaml"


def _pg_url(database: str, driver: str) -> str:
    """PG_BASE with another database and driver (``psycopg`` for the app, ``asyncpg`` for Prefect)."""
    head, _, _ = PG_BASE.rpartition("/")
    _, _, rest = head.partition("://")
    return f"postgresql+{driver}://{rest}/{database}"


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, theirs, ...), found through /proc: a flow run's process
    runs in a session of its own (Prefect isolates it), so the worker's process group misses it."""
    parents = children_by_parent()
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def cpu_seconds(pid: int) -> tuple[float, float]:
    """(CPU seconds of ``pid`` itself, of every process below it, living or ended and waited for)."""
    tick = os.sysconf("SC_CLK_TCK")

    def fields(p: int) -> list[int]:
        try:
            rest = Path(f"/proc/{p}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            return [0, 0, 0, 0]
        return [int(x) for x in rest[11:15]]  # utime, stime, cutime, cstime

    ut, st, cut, cst = fields(pid)
    below = cut + cst + sum(sum(fields(p)) for p in descendants(pid))
    return (ut + st) / tick, below / tick


@dataclass
class Cluster:
    """A running cluster: addresses, environment for clients, and its workers by index."""

    tmp: Path
    api_url: str
    app_url: str
    prefect_db_url: str
    marker: str
    worker_env: dict[str, str]
    limit: int | None
    workers: list[ChildProcess] = field(default_factory=list)
    kills: int = 0
    server: PrefectServer | None = None

    @property
    def logs(self) -> Path:
        return self.tmp / "logs"

    def env(self) -> dict[str, str]:
        """The environment of a client process (the app, a driver): the API and the app's database."""
        return dict(self.worker_env)

    @contextlib.contextmanager
    def client(self) -> Iterator[None]:
        """Prefect calls in this thread (and the services' wake-ups) go to the cluster's server; the
        services' database is the cluster's app database."""
        from prefect.settings import PREFECT_API_URL, temporary_settings

        from plans.config import settings

        before = settings.database_url
        settings.database_url = self.app_url
        try:
            with temporary_settings(updates={PREFECT_API_URL: self.api_url}):
                yield
        finally:
            settings.database_url = before

    def cpu(self) -> dict[str, float]:
        """CPU seconds used so far by the Prefect server, the workers, and the flow runs' processes
        (a killed worker's are lost with it)."""
        out = {"prefect_server": 0.0, "workers": 0.0, "flow_runs": 0.0}
        if self.server is not None and self.server.proc is not None:
            out["prefect_server"] = sum(cpu_seconds(self.server.proc.pid))
        for w in self.workers:
            if w.proc is not None:
                own, below = cpu_seconds(w.proc.pid)
                out["workers"] += own
                out["flow_runs"] += below
        return out

    def start_worker(self, index: int | None = None) -> int:
        """Start worker ``index`` (a new one by default, or again after a kill); returns its index."""
        if index is None:
            index = len(self.workers)
            self.workers.append(self._worker(index))
        elif self.workers[index].running():
            raise RuntimeError(f"worker {index} is already running")
        else:
            self.workers[index] = self._worker(index)
        self.workers[index].start()
        return index

    def _worker(self, index: int) -> ChildProcess:
        argv = [sys.executable, "-m", "prefect", "worker", "start", "--pool", POOL, "--name", f"bench-worker-{index}"]
        if self.limit:
            argv += ["--limit", str(self.limit)]
        return ChildProcess(f"worker {index}", argv, self.worker_env, self.logs / f"worker-{index}.log")

    def kill_worker(self, index: int) -> list[int]:
        """SIGKILL worker ``index`` and every process below it (its flow runs' processes too), at once,
        as a machine losing power would; returns the pids killed."""
        w = self.workers[index]
        if w.proc is None or w.proc.poll() is not None:
            return []
        pids = [w.proc.pid, *descendants(w.proc.pid)]
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(w.proc.pid, signal.SIGKILL)
        w.proc.wait(10)
        self.kills += 1
        return pids

    def restart_worker(self, index: int) -> None:
        """Kill worker ``index`` if it runs, then start it again under the same name."""
        self.kill_worker(index)
        self.start_worker(index)

    def wait_workers_online(self, timeout: float = 90) -> None:
        """Block until every running worker has told the server it polls the pool."""
        from prefect import get_client

        wanted = {f"bench-worker-{i}" for i, w in enumerate(self.workers) if w.running()}
        deadline = time.monotonic() + timeout
        with self.client(), get_client(sync_client=True) as client:
            while time.monotonic() < deadline:
                online = {w.name for w in client.read_workers_for_work_pool(POOL) if str(w.status).endswith("ONLINE")}
                if wanted <= online:
                    return
                for w in self.workers:
                    if w.proc is not None and not w.running():
                        raise RuntimeError(f"{w.name} exited at start-up:\n{w.tail()}")
                time.sleep(0.5)
        raise RuntimeError(f"workers not online after {timeout:.0f} s (wanted {sorted(wanted)})")


def _admin(sql: str) -> None:
    engine = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as c:
            c.execute(text(sql))
    finally:
        engine.dispose()


def _cli(args: list[str], env: dict[str, str], log: Path, timeout: float = 180) -> None:
    """A ``prefect`` command from the checkout's root, its output appended to ``log``; raises on failure."""
    with log.open("ab") as out:
        rc = subprocess.run(
            [sys.executable, "-m", "prefect", *args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            timeout=timeout,
        ).returncode
    if rc != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
        raise RuntimeError(f"prefect {' '.join(args)} failed ({rc}):\n{tail}")


def _prefect_file(path: Path, *, schedules: bool, extra: list[dict[str, Any]]) -> Path:
    """prefect.yaml as production deploys it, plus ``extra`` entries; without schedules if asked (a
    benchmark that wants no periodic runs mixed in)."""
    doc = yaml.safe_load(PREFECT_YAML.read_text(encoding="utf-8"))
    doc["deployments"] = [*doc["deployments"], *extra]
    if not schedules:
        for d in doc["deployments"]:
            d["schedules"] = []
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


@contextlib.contextmanager
def cluster(
    workers: int = 2,
    *,
    limit: int | None = 4,
    schedules: bool = True,
    extra_deployments: list[dict[str, Any]] | None = None,
    query_seconds: float = 1.0,
    extra_env: dict[str, str] | None = None,
    keep_logs: bool = False,
    echo: Any = print,
) -> Iterator[Cluster]:
    """Bring the cluster up, yield it, and tear it all down (see the module docstring)."""
    sigint_default()
    tmp = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    token = uuid.uuid4().hex[:10]
    marker = f"bench-cluster-{token}"
    prefect_db, app_db = f"bench_prefect_{token}", f"bench_app_{token}"
    app_url = _pg_url(app_db, "psycopg")
    prefect_db_url = _pg_url(prefect_db, "asyncpg")
    server = PrefectServer(tmp / "prefect-home", free_port(4380), tmp / "logs" / "prefect-server.log", ui=False)
    server.env.update({"PREFECT_SERVER_DATABASE_CONNECTION_URL": prefect_db_url, "COPRODUCE_BENCH_RUN": marker})
    client_env = {
        **os.environ,
        **QUIET_PREFECT,
        "PREFECT_API_URL": server.api_url,
        "PREFECT_HOME": str(tmp / "client-home"),
        "PREFECT_WORKER_QUERY_SECONDS": str(query_seconds),
        "COPRODUCE_DATABASE_URL": app_url,
        "COPRODUCE_DATA_DIR": str(tmp / "data"),
        "COPRODUCE_BENCH_RUN": marker,
        # the workers' and flow runs' scratch (Prefect's workspace folders, which a killed run leaves behind)
        "TMPDIR": str(tmp / "tmp"),
        **(extra_env or {}),
    }
    (tmp / "tmp").mkdir()
    c = Cluster(tmp, server.api_url, app_url, prefect_db_url, marker, client_env, limit, server=server)
    made: list[str] = []
    ok = False
    try:
        t0 = time.monotonic()
        for db in (prefect_db, app_db):
            _admin(f'CREATE DATABASE "{db}"')
            made.append(db)
        server.start()
        from plans.migrations import upgrade

        upgrade(app_url)
        server.wait_healthy(timeout=180)
        echo(f"cluster: Prefect server on PostgreSQL healthy after {time.monotonic() - t0:.1f} s ({server.api_url})")
        log = c.logs / "prefect-cli.log"
        _cli(["work-pool", "create", POOL, "--type", "process", "--overwrite"], client_env, log)
        yml = _prefect_file(tmp / "prefect.yaml", schedules=schedules, extra=extra_deployments or [])
        _cli(["--no-prompt", "deploy", "--all", "--prefect-file", str(yml)], client_env, log)
        for _ in range(workers):
            c.start_worker()
        c.wait_workers_online()
        echo(f"cluster: {workers} workers online after {time.monotonic() - t0:.1f} s; logs in {c.logs}")
        yield c
        ok = True
    finally:
        for w in c.workers:
            w.stop(timeout=10)
        server.stop()
        left = reap_leftovers(marker)
        if left:
            echo(f"cluster: stopped processes left behind: {left}")
        from plans.db import engine_for

        with contextlib.suppress(Exception):
            engine_for(app_url).dispose()
        for db in made:
            try:
                _admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            except Exception as exc:  # keep tearing down; say what is left
                echo(f"cluster: could not drop database {db}: {exc}")
        if ok and not keep_logs:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            echo(f"cluster: logs kept in {c.logs}")
