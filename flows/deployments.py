"""Deployments as ``prefect.yaml`` declares them, for serving without a work pool.

``prefect.yaml`` is the one place deployments and schedules are declared: ``prefect deploy --all``
reads it for work pools, and ``coproduce up`` / ``coproduce demo`` serve the same entries from it.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import yaml
from prefect import Flow
from prefect.deployments.runner import EntrypointType, RunnerDeployment
from prefect.schedules import Cron, Interval, Schedule

PREFECT_YAML = Path(__file__).resolve().parent.parent / "prefect.yaml"


def declared(path: Path = PREFECT_YAML) -> list[dict[str, Any]]:
    """The deployment entries of prefect.yaml."""
    return list(yaml.safe_load(path.read_text(encoding="utf-8"))["deployments"])


def load_flow(entrypoint: str) -> Flow[Any, Any]:
    """The flow an entrypoint like ``flows/lifecycle.py:plan_lifecycle`` names, imported as a module."""
    file, _, name = entrypoint.partition(":")
    module = importlib.import_module(file.removesuffix(".py").replace("/", "."))
    found = getattr(module, name)
    assert isinstance(found, Flow), f"{entrypoint} is not a Prefect flow"
    return found


def schedule_of(entry: dict[str, Any]) -> Schedule:
    """A prefect.yaml schedule entry (``cron`` with an optional ``timezone``, or ``interval`` seconds)."""
    if "cron" in entry:
        return Cron(entry["cron"], timezone=entry.get("timezone"))
    return Interval(entry["interval"], timezone=entry.get("timezone"))


def runner_deployments(*, with_schedules: bool = True, path: Path = PREFECT_YAML) -> list[RunnerDeployment]:
    """A served deployment for each prefect.yaml entry, importing flows from the installed package."""
    out = []
    for entry in declared(path):
        schedules = [s for s in entry.get("schedules") or [] if s.get("active", True)] if with_schedules else []
        out.append(
            load_flow(entry["entrypoint"]).to_deployment(
                name=entry["name"],
                description=entry.get("description"),
                tags=entry.get("tags"),
                schedules=[schedule_of(s) for s in schedules] or None,
                entrypoint_type=EntrypointType.MODULE_PATH,
            )
        )
    return out
