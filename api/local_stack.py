"""``coproduce up``: everything on one machine, started in order and stopped cleanly.

Migrates the database, starts a Prefect server on SQLite (analytics off), serves the deployments of
prefect.yaml (the reconcile schedule included), starts the web app, prints the URLs, and on Ctrl-C
(or if any child dies) stops every child process it started, in reverse order.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from types import FrameType

from flows.server import ChildProcess, PrefectServer, flow_server, free_port, wait_for_deployment
from plans.config import settings
from plans.migrations import upgrade

EXAMPLE_SLUG = "citizen-voice-workforce"


def _load_example(api_url: str) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.demo import EXAMPLE
    from plans.db import session_scope
    from plans.files import load_plan_file
    from plans.models import utcnow
    from plans.repositories.plans import PlanRepository
    from plans.services.actors import SYSTEM
    from plans.services.plan_setup import create_plan

    with temporary_settings(updates={PREFECT_API_URL: api_url}), session_scope() as s:
        if PlanRepository(s).by_slug(EXAMPLE_SLUG) is None:
            create_plan(s, spec=load_plan_file(EXAMPLE), actor=SYSTEM, now=utcnow())
            print(f"loaded the example plan from {EXAMPLE}")


def run_stack(*, with_example: bool = False) -> None:
    """Start the stack and block until Ctrl-C."""
    database_url = settings.resolved_database_url()
    logs = settings.data_dir / "logs"
    upgrade(database_url)
    server = PrefectServer(settings.data_dir / "prefect", free_port(settings.prefect_port), logs / "prefect-server.log")
    children: list[ChildProcess] = [server]
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        print("starting the Prefect server ...", flush=True)
        server.start()
        server.wait_healthy()
        os.environ["PREFECT_API_URL"] = server.api_url
        served = flow_server(server.api_url, database_url, logs / "flow-server.log")
        served.start()
        children.append(served)
        wait_for_deployment(settings.lifecycle_deployment)
        web_port = free_port(settings.web_port)
        web_env = {
            **os.environ,
            "COPRODUCE_DATABASE_URL": database_url,
            "PREFECT_API_URL": server.api_url,
            "COPRODUCE_PREFECT_UI_URL": server.ui_url,
            "COPRODUCE_PUBLIC_URL": os.environ.get("COPRODUCE_PUBLIC_URL") or f"http://{settings.web_host}:{web_port}",
        }
        web = ChildProcess(
            "web app",
            [
                sys.executable,
                "-m",
                "uvicorn",
                "api.server:create_served_app",
                "--factory",
                "--host",
                settings.web_host,
                "--port",
                str(web_port),
                "--log-level",
                "warning",
                "--no-access-log",  # survey links (/s/{token}) must not be logged with a time (docs/anonymity.md)
            ],
            web_env,
            logs / "web.log",
        )
        web.start()
        children.append(web)
        web.wait_http(f"http://{settings.web_host}:{web_port}/healthz")
        if with_example:
            _load_example(server.api_url)
        print(
            f"\ncoproduce is up:\n  web app     http://{settings.web_host}:{web_port}\n"
            f"  Prefect UI  {server.ui_url}\n  database    {database_url}\n  logs        {logs}\n"
            "To sign in, add yourself first (in another terminal):\n"
            "  coproduce user add you@example.org --name 'Your Name' --role coordinator\n"
            "Press Ctrl-C to stop.",
            flush=True,
        )
        while not stopping:
            dead = [c for c in children if not c.running()]
            if dead:
                print(f"{dead[0].name} stopped unexpectedly; its log ends:\n{dead[0].tail()}", file=sys.stderr)
                break
            time.sleep(0.5)
    finally:
        print("stopping ...", flush=True)
        for child in reversed(children):
            child.stop()
        print("stopped.")
