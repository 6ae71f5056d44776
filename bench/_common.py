"""Small helpers shared by the benchmarks: statistics, the machine's state, and a check that no
process we started (found by a marker in its environment) outlived the benchmark."""

from __future__ import annotations

import contextlib
import os
import platform
import signal
import statistics
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"


def summary(values: list[float]) -> dict[str, Any]:
    """Median, min, max and spread ((max - min) / median) of a list of numbers."""
    if not values:
        return {"n": 0, "median": None, "min": None, "max": None, "spread": None}
    med = statistics.median(values)
    return {
        "n": len(values),
        "median": med,
        "min": min(values),
        "max": max(values),
        "spread": (max(values) - min(values)) / med if med else None,
    }


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    load = os.getloadavg()
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg_at_start": [round(x, 2) for x in load],
    }


def children_by_parent() -> dict[int, list[int]]:
    """Every readable process's pid under its parent's pid, from /proc/*/stat (the field after the
    command name's closing parenthesis is the state, then the parent)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parents.setdefault(int(stat.rpartition(")")[2].split()[1]), []).append(int(entry.name))
    return parents


def processes_with_env(marker: str) -> list[tuple[int, str]]:
    """(pid, command line) of readable processes whose environment contains ``marker``."""
    found = []
    me = os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
                found.append((int(entry.name), cmd))
        except OSError:
            continue
    return found


def reap_leftovers(marker: str) -> list[str]:
    """Stop (by pid) processes left behind by a run we started, tagged with ``marker``; returns them."""
    left = processes_with_env(marker)
    for pid, _ in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGINT)
    if left:
        time.sleep(3)
        for pid, _ in processes_with_env(marker):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    return [f"{pid} {cmd[:120]}" for pid, cmd in left]


def sigint_default() -> bool:
    """Give SIGINT its default handling again if this process inherited it ignored (as under ``nohup`` or
    ``cmd &`` from a script), so the processes we start inherit a working SIGINT: flows.server stops its
    children with SIGINT and otherwise waits 15 s before SIGTERM. Returns whether it was ignored."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        return True
    return False
