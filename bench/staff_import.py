"""Staff list import at national scale: one organisation, 60,000 teams, 1,000,000 staff in one CSV.

Measures the wall time of ``import_staff_list`` (both passes, the merge, the headcounts, the commit)
for a first import into an empty list and for a second import replacing it, and the process's peak
memory growth during the import (the file is streamed twice, never held: only each email's line is
kept for the duplicate check). The CSV is generated deterministically (seed 7) into a temporary folder.
A full run (1,000,000 rows, both databases) writes ``bench/results/staff_import.json``.

    python -m bench.staff_import [--db sqlite|postgresql|both] [--rows 1000000] [--teams 60000]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, insert, select, text

from bench._common import RESULTS, machine

PG_BASE = os.environ.get("COPRODUCE_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
GROUPS = ["Nursing", "Medical", "Allied health", "Social work", "Administrative and clerical", "Estates"]
STATUS = [""] * 95 + ["leaver"] * 3 + ["long-term absence"] * 2


def write_csv(path: Path, rows: int, teams: int, seed: int = 7) -> None:
    """A staff list of ``rows`` people spread over team codes T00000.. (6 columns, 2 attributes)."""
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["team_code", "email", "staff_group", "name", "status", "band"])
        for i in range(rows):
            w.writerow(
                [
                    f"T{rng.randrange(teams):05d}",
                    f"person.{i}@nhs.example",
                    rng.choice(GROUPS),
                    f"Person {i}",
                    rng.choice(STATUS),
                    str(rng.randint(2, 9)),
                ]
            )


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_db(url: str, path: Path, teams: int) -> dict[str, Any]:
    """Seed the organisation and teams at ``url``, then import the list twice; times and memory."""
    from plans.db import engine_for, session_scope
    from plans.migrations import upgrade
    from plans.models import Organisation, StaffMember, Team, utcnow
    from plans.services.staff_lists import import_staff_list

    upgrade(url)
    engine = engine_for(url)
    with session_scope(engine) as s:
        org = Organisation(code="NAT", name="National")
        s.add(org)
        s.flush()
        team_rows = [
            {"organisation_id": org.id, "code": f"T{i:05d}", "name": f"Team {i}", "eligible_headcount": 0}
            for i in range(teams)
        ]
        for start in range(0, teams, 5000):
            s.execute(insert(Team), team_rows[start : start + 5000])
    out: dict[str, Any] = {}
    for run in ("first", "replace"):
        before = _peak_mb()
        started = time.perf_counter()
        with session_scope(engine) as s:
            summary = import_staff_list(s, organisation_code="NAT", path=path, now=utcnow())
        seconds = time.perf_counter() - started
        out[run] = {
            "seconds": round(seconds, 1),
            "rows_per_second": round(summary.rows / seconds),
            "peak_rss_mb": round(_peak_mb(), 0),
            "peak_growth_mb": round(_peak_mb() - before, 0),
        }
        print(f"  {run:<8} {summary.rows:,} rows in {seconds:.1f} s, peak RSS {_peak_mb():.0f} MB", flush=True)
    with session_scope(engine) as s:
        out["staff"] = s.scalar(select(func.count()).select_from(StaffMember))
        out["eligible_headcount"] = s.scalar(select(func.sum(Team.eligible_headcount)))
        out["eligible"] = summary.eligible
    engine.dispose()
    return out


def measure(db: str = "both", rows: int = 1_000_000, teams: int = 60_000) -> dict[str, Any]:
    """Write the CSV, then import it on each database asked for (``db``: sqlite, postgresql or both)."""
    result: dict[str, Any] = {"machine": machine(), "rows": rows, "teams": teams}
    with tempfile.TemporaryDirectory(prefix="bench-staff-") as tmp:
        path = Path(tmp) / "staff.csv"
        started = time.perf_counter()
        write_csv(path, rows, teams)
        print(f"wrote {path.stat().st_size / 2**20:.0f} MB in {time.perf_counter() - started:.0f} s", flush=True)
        if db in ("sqlite", "both"):
            print("SQLite:", flush=True)
            result["sqlite"] = measure_db(f"sqlite:///{tmp}/staff.db", path, teams)
        if db in ("postgresql", "both"):
            print("PostgreSQL:", flush=True)
            schema = "bench_staff_import"
            admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
            with admin.connect() as c:
                c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                c.execute(text(f'CREATE SCHEMA "{schema}"'))
            try:
                result["postgresql"] = measure_db(f"{PG_BASE}?options=-csearch_path%3D{schema}", path, teams)
            finally:
                with admin.connect() as c:
                    c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                admin.dispose()
    return result


def rows(res: dict[str, Any]) -> list[tuple[str, str, str, str, str, bool | None]]:
    """(figure, value, reference, ratio, goal, goal met) for ``python -m bench``'s table (one run each; no
    goal was set). The reference of the replacing import is the first one."""
    out: list[tuple[str, str, str, str, str, bool | None]] = []
    for dialect in ("sqlite", "postgresql"):
        got = res.get(dialect)
        if not got:
            continue
        first, again = got["first"], got["replace"]
        size = f"{res['rows']:,} staff, {res['teams']:,} teams"
        out.append(
            (
                f"[{dialect}] staff list import, {size} (one run)",
                f"{first['seconds']:.1f} s",
                f"{first['rows_per_second']:,} rows/s",
                "-",
                "-",
                None,
            )
        )
        out.append(
            (
                f"[{dialect}] staff list import replacing it (one run)",
                f"{again['seconds']:.1f} s",
                f"first import {first['seconds']:.1f} s",
                f"{again['seconds'] / first['seconds']:.2f}x",
                "-",
                None,
            )
        )
        out.append(
            (
                f"[{dialect}] staff list import, peak memory growth",
                f"{first['peak_growth_mb']:.0f} MB",
                f"peak RSS {got['replace']['peak_rss_mb']:.0f} MB",
                "-",
                "-",
                None,
            )
        )
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the measurement on the chosen databases and print a JSON summary."""
    import json

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--teams", type=int, default=60_000)
    args = parser.parse_args(argv)
    result = measure(args.db, args.rows, args.teams)
    print(json.dumps(result, indent=2))
    if args.rows == 1_000_000 and args.db == "both":
        (RESULTS / "staff_import.json").write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
