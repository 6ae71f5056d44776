"""The results file of ``python -m bench`` (``bench/results/latest.json``): the table it prints, where each
benchmark's figures came from, and how a file keeps the latest measurement of every benchmark.

Why entries merge: at full scale the whole suite needs more hours than a 2-core box gives in one sitting
(throughput's 200 plans alone take about 3.3 hours of both cores), so the table is built benchmark by
benchmark (``python -m bench --only throughput``) and a run replaces only the entries it measured. Each
entry therefore says when, at which commit and under what load it was measured, and ``--report`` prints
that beside the table: a reader sees which figures are from the same day and code.

``--adopt NAME=FILE[#KEY]`` records a standalone run (``python -m bench.throughput --json FILE``: the same
``measure`` result the suite would have stored) as NAME's entry; its provenance comes from the result
itself where it says (``when``, ``commit``), else from git (the commit that saved a tracked file), else
from the working tree as it is now.
"""

from __future__ import annotations

import importlib
import json
import subprocess
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench._common import ROOT

WIDEST = 100  # a cell longer than this is cut in the printed table (the JSON keeps it whole)
WHEN_KEYS = ("when", "measured_at", "started", "at")  # what the benchmarks' own results call the moment
COMMIT_KEYS = ("commit", "code", "git")  # and the code they measured: a string or {"commit": ...}


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    return done.stdout.strip() if done.returncode == 0 else ""


def head() -> str:
    """The short commit checked out, with ``+changes`` when the working tree differs from it."""
    commit = git("rev-parse", "--short", "HEAD")
    return commit + ("+changes" if commit and git("status", "--porcelain", "--untracked-files=no") else "")


MEASURED = "measured by python -m bench"


def stamp(entry: dict[str, Any], when: str, at_start: dict[str, Any]) -> dict[str, Any]:
    """An entry measured here: when it started, the code, and the machine with its load at the start."""
    entry.update(when=when, commit=head(), machine=at_start, how=MEASURED)
    return entry


def with_provenance(saved: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A results file's entries, each with its provenance: an entry of a file written in one run (before
    entries carried their own) takes its file's."""
    entries: dict[str, dict[str, Any]] = saved.get("benchmarks") or {}
    for entry in entries.values():
        for key in ("when", "commit", "machine"):
            entry.setdefault(key, saved.get(key))
        entry.setdefault("how", MEASURED)
    return entries


def _cut(cell: str) -> str:
    return cell if len(cell) <= WIDEST else cell[: WIDEST - 3] + "..."


def table_rows(results: dict[str, dict[str, Any]]) -> list[tuple[str, str, str, str, str]]:
    """The five columns, the goal with its verdict."""
    out = []
    for name, entry in results.items():
        if "error" in entry:
            out.append((f"{name}: ERROR", entry["error"][:100], "-", "-", "-"))
            continue
        for figure, value, ref, ratio, goal, ok in entry["rows"]:
            verdict = goal if ok is None else f"{goal}: {'met' if ok else 'NOT MET'}"
            out.append((_cut(figure), _cut(value), _cut(ref), ratio, verdict))
        for failure in entry.get("failures", []):
            out.append((f"{name}: FAILURE", failure[:100], "-", "-", "-"))
    return out


def table(rows: Sequence[tuple[str, ...]], markdown: bool = False, head: tuple[str, ...] | None = None) -> str:
    head = head or ("figure", "value", "reference (same run)", "ratio", "goal")
    if markdown:
        return "\n".join("| " + " | ".join(r) + " |" for r in [head, ("---",) * len(head), *rows])
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    fmt = " | ".join(f"{{:<{w}}}" for w in widths)
    line = "-+-".join("-" * w for w in widths)
    return "\n".join([fmt.format(*head), line, *(fmt.format(*r) for r in rows)])


def provenance_rows(results: dict[str, dict[str, Any]]) -> list[tuple[str, ...]]:
    """Per benchmark: when, which code, the load at its start, how long, and how it got into the file."""
    out: list[tuple[str, ...]] = []
    for name, entry in results.items():
        load = (entry.get("machine") or {}).get("loadavg_at_start")
        secs = entry.get("seconds")
        out.append(
            (
                name,
                str(entry.get("when", "?")),
                str(entry.get("commit", "?")),
                "/".join(str(x) for x in load) if load else "?",
                f"{secs:.0f} s" if isinstance(secs, int | float) else "-",
                str(entry.get("how", "?")),
            )
        )
    return out


PROVENANCE_HEAD = ("benchmark", "measured", "commit", "load (1/5/15 min)", "took", "how")


def read(path: Path) -> dict[str, Any] | None:
    """A results file of this version, or None when there is none; SystemExit for anything else there."""
    if not path.exists():
        return None
    saved = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(saved, dict) or not isinstance(saved.get("benchmarks"), dict):
        raise SystemExit(f"{path}: not a results file of this version of python -m bench (no 'benchmarks')")
    return saved


def merged(old: dict[str, Any] | None, new: dict[str, Any], order: list[str]) -> dict[str, Any]:
    """``new`` with the entries of ``old`` that it did not measure again, in the registry's order. An old
    entry without its own provenance (a file written before entries carried it) takes its file's."""
    if old is not None and bool(old.get("quick")) != bool(new.get("quick")):
        kind = "quick" if old.get("quick") else "full-scale"
        raise SystemExit(f"the results file holds {kind} results; give another --json for these")
    entries = dict(with_provenance(old)) if old is not None else {}
    entries.update(new["benchmarks"])
    rank = {name: i for i, name in enumerate(order)}
    new["benchmarks"] = dict(sorted(entries.items(), key=lambda kv: rank.get(kv[0], len(rank))))
    return new


def _result_says(result: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = result.get(key)
        if isinstance(value, dict):
            value = value.get("commit")
        if isinstance(value, str) and value:
            return value[:7] if keys is COMMIT_KEYS and len(value) == 40 else value
    return None


def adopted(name: str, module_name: str, source: str) -> dict[str, Any]:
    """NAME's entry from a standalone run's JSON (``FILE`` or ``FILE#KEY`` for one key of it). The
    module's ``rows`` must read it: a result of an older format is refused, naming the file."""
    file, _, key = source.partition("#")
    path = Path(file)
    if not path.is_absolute() and not path.exists():
        path = ROOT / path
    if not path.exists():
        raise SystemExit(f"--adopt {name}={source}: no such file")
    result = whole = json.loads(path.read_text(encoding="utf-8"))
    if key:
        if not isinstance(result, dict) or key not in result:
            raise SystemExit(f"--adopt {name}={source}: the file has no key {key!r}")
        result = result[key]
    module = importlib.import_module(module_name)
    try:
        rows = [list(r) for r in module.rows(result)]
    except (KeyError, TypeError, ValueError) as e:
        raise SystemExit(
            f"--adopt {name}={source}: {module_name}.rows cannot read it ({type(e).__name__}: {e}); "
            "it is from another version of the benchmark: measure it again"
        ) from None
    rel = str(path.resolve().relative_to(ROOT)) if path.resolve().is_relative_to(ROOT) else ""
    # the last commit that changed the file's content (a rename is not a new measurement)
    saved_in = git("log", "-1", "--follow", "--diff-filter=AM", "--format=%h %cI", "--", rel).split() if rel else []
    tracked = bool(saved_in) and not git("status", "--porcelain", "--", rel)
    when = _result_says(result, WHEN_KEYS) or (_result_says(whole, WHEN_KEYS) if key else None)
    commit = _result_says(result, COMMIT_KEYS) or (_result_says(whole, COMMIT_KEYS) if key else None)
    if tracked:
        how = f"adopted from {rel} as saved in {saved_in[0]}"
        when, commit = when or saved_in[1], commit or f"{saved_in[0]} or before"
    else:
        how = f"adopted from {source} (a standalone run)"
        mtime = datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat(timespec="seconds")
        when, commit = when or mtime, commit or head()
    return {
        "module": module_name,
        "keywords": {"adopted": source},
        "result": result,
        "rows": rows,
        "failures": list(result.get("failures") or []) if isinstance(result, dict) else [],
        "when": when,
        "commit": commit,
        "machine": result.get("machine") if isinstance(result, dict) else None,
        "seconds": result.get("bench_wall_s") if isinstance(result, dict) else None,
        "how": how,
    }
