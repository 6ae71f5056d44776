"""Live response rates of one national survey: 60,000 teams, about 1,000,000 eligible, 40% answered.

The coordinator's page (bench.dashboard) measures the largest survey the national data has (one
organisation's few hundred teams). This asks more: one survey over every team of ``bench.national``
(60,000 teams in 200 organisations' hierarchies), its counters written the way the intake keeps them
(each team's eligible snapshot, responses per team and day over 28 days: about 40% of the eligible,
spread at random), then times the services the pages, the API, the artifacts and the chase call, in
process and warm: ``survey_progress`` (organisation, every directorate, every team, history),
``league_table`` (all teams ranked), and ``team_progress`` for the directorate with the most teams (its
history and league places, which ranks the whole survey). Per service: p50/p95 of ``--repeats`` calls
and the SQL statements one call runs. The data goes into a temporary SQLite file or a PostgreSQL
schema of its own (``bench_survey_rates``), dropped at the end.

    python -m bench.survey_rates [--db sqlite|postgresql|both] [--repeats 20] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, func, insert, select, text

from bench._common import RESULTS, machine

PG_BASE = os.environ.get("COPRODUCE_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SCHEMA = "bench_survey_rates"
ANSWERED = 0.4
DAYS = 28
BATCH = 5000


def national_survey(url: str, seed: int = 5, organisations: int = 200, teams: int = 60000) -> dict[str, Any]:
    """Seed the national data (a few plans: the teams are what matter) and one open survey over every
    team, with its counters; returns the survey's id, a big directorate's id and the row counts."""
    from bench.national import seed as seed_national
    from plans.db import engine_for
    from plans.models import Plan, Survey, SurveyKind, SurveyTeam, SurveyTeamDay, Team

    summary = seed_national(url, plans=20, organisations=organisations, teams=teams, seed=1, staff=False)
    rng = random.Random(seed)
    now = datetime.now(UTC)
    engine = engine_for(url)
    with engine.begin() as c:
        plan_id = c.scalar(select(func.min(Plan.id)).where(Plan.stage == "vision"))
        opens = now - timedelta(days=DAYS - 1)
        survey_id = c.execute(
            insert(Survey).returning(Survey.id),
            {
                "plan_id": plan_id,
                "kind": SurveyKind.BASELINE,
                "title": "National staff survey",
                "questions": [],
                "target_rate": 0.6,
                "opens_at": opens,
                "closes_at": opens + timedelta(days=DAYS + 7),
            },
        ).scalar_one()
        teams = c.execute(select(Team.id, Team.eligible_headcount).where(Team.eligible_headcount > 0)).all()
        snapshot = [{"survey_id": survey_id, "team_id": t, "eligible": n} for t, n in teams]
        for start in range(0, len(snapshot), BATCH):
            c.execute(insert(SurveyTeam), snapshot[start : start + BATCH])
        days: list[dict[str, Any]] = []
        for team_id, eligible in teams:
            share = rng.betavariate(2, 3)  # teams differ: a mean of 40% answered (ANSWERED), some far off it
            answered = sum(rng.random() < share for _ in range(eligible))
            per_day: dict[int, int] = {}
            for _ in range(answered):
                day = min(DAYS - 1, int(rng.expovariate(1 / 6)))  # most answer in the first week
                per_day[day] = per_day.get(day, 0) + 1
            days += [
                {"survey_id": survey_id, "team_id": team_id, "day": (opens + timedelta(days=d)).date(), "responses": n}
                for d, n in per_day.items()
            ]
        for start in range(0, len(days), BATCH):
            c.execute(insert(SurveyTeamDay), days[start : start + BATCH])
        directorate = c.scalar(
            select(Team.parent_id)
            .join(Plan, Plan.organisation_id == Team.organisation_id)
            .where(Plan.id == plan_id, Team.parent_id.is_not(None))
            .group_by(Team.parent_id)
            .order_by(func.count().desc(), Team.parent_id)
            .limit(1)
        )
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("ANALYZE survey_teams, survey_team_days, teams"))
    return {
        "survey_id": survey_id,
        "directorate_id": directorate,
        "teams": len(snapshot),
        "eligible": sum(r["eligible"] for r in snapshot),
        "responses": sum(r["responses"] for r in days),
        "day_rows": len(days),
        "seeded_s": round(summary.seconds, 1),
    }


def _percentile(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    k = (len(xs) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def time_services(url: str, data: dict[str, Any], repeats: int) -> dict[str, Any]:
    """p50/p95 (ms) and SQL statements per call of each service, warm, in process."""
    from plans.db import engine_for, session_scope
    from plans.services.survey_progress import league_table, survey_progress, team_progress

    engine = engine_for(url)
    now = datetime.now(UTC)
    sid, did = data["survey_id"], data["directorate_id"]
    calls: dict[str, Callable[[Any], Any]] = {
        "survey_progress": lambda s: survey_progress(s, survey_id=sid, now=now),
        "league_table": lambda s: league_table(s, survey_id=sid, now=now),
        "team_progress (largest directorate)": lambda s: team_progress(s, team_id=did, now=now),
    }
    out: dict[str, Any] = {}
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    for name, call in calls.items():
        with session_scope(engine) as s:
            call(s)  # warm-up
        statements.clear()
        times = []
        for i in range(repeats):
            if i == 0:
                event.listen(engine, "before_cursor_execute", count)
            t = time.perf_counter()
            with session_scope(engine) as s:
                result = call(s)
            times.append((time.perf_counter() - t) * 1000)
            if i == 0:
                event.remove(engine, "before_cursor_execute", count)
        size = len(result.teams) if hasattr(result, "teams") else sum(len(r.league) for r in result)
        out[name] = {
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(_percentile(times, 95), 1),
            "statements": len(statements),
            "rows_out": size,
        }
    return out


def run(dialect: str, repeats: int, organisations: int = 200, teams: int = 60000) -> dict[str, Any]:
    from plans.db import engine_for

    if dialect == "sqlite":
        folder = tempfile.mkdtemp(prefix="bench-survey-rates-")
        url = f"sqlite:///{Path(folder) / 'national.db'}"
        try:
            data = national_survey(url, organisations=organisations, teams=teams)
            return {"data": data, "services": time_services(url, data, repeats)}
        finally:
            engine_for(url).dispose()
            for f in Path(folder).glob("*"):
                f.unlink()
            os.rmdir(folder)
    admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        c.execute(text(f'CREATE SCHEMA "{SCHEMA}"'))
    url = f"{PG_BASE}?options=-csearch_path%3D{SCHEMA}"
    try:
        data = national_survey(url, organisations=organisations, teams=teams)
        return {"data": data, "services": time_services(url, data, repeats)}
    finally:
        engine_for(url).dispose()
        with admin.connect() as c:
            c.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        admin.dispose()


def measure(
    db: str = "both", repeats: int = 20, organisations: int = 200, teams: int = 60000, echo: Any = print
) -> dict[str, Any]:
    """Seed and time on each database asked for (``db``: sqlite, postgresql or both)."""
    res: dict[str, Any] = {"machine": machine(), "by_db": {}}
    for dialect in ["sqlite", "postgresql"] if db == "both" else [db]:
        echo(f"survey_rates [{dialect}]: seeding a national survey ...")
        res["by_db"][dialect] = got = run(dialect, repeats, organisations, teams)
        d = got["data"]
        echo(
            f"  {d['teams']:,} teams, {d['eligible']:,} eligible, {d['responses']:,} responses "
            f"in {d['day_rows']:,} team-day rows"
        )
        for name, v in got["services"].items():
            echo(
                f"  {name}: p50 {v['p50_ms']} ms, p95 {v['p95_ms']} ms, "
                f"{v['statements']} statements, {v['rows_out']:,} rows out"
            )
    res["repeats"] = repeats
    res["machine"]["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return res


def rows(res: dict[str, Any]) -> list[tuple[str, str, str, str, str, bool | None]]:
    """(figure, value, reference, ratio, goal, goal met) for ``python -m bench``'s table (no goal was set)."""
    out: list[tuple[str, str, str, str, str, bool | None]] = []
    n = res.get("repeats", "?")
    for dialect, got in res["by_db"].items():
        d = got["data"]
        for name, v in got["services"].items():
            out.append(
                (
                    f"[{dialect}] {name}, one survey of {d['teams']:,} teams (p50 of {n})",
                    f"{v['p50_ms']:.1f} ms (p95 {v['p95_ms']:.1f})",
                    f"{v['statements']} statements, {v['rows_out']:,} rows out",
                    "-",
                    "-",
                    None,
                )
            )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.survey_rates", description=__doc__.split("\n")[0])
    ap.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--organisations", type=int, default=200)
    ap.add_argument("--teams", type=int, default=60000)
    ap.add_argument("--json", type=Path, default=RESULTS / "survey_rates.json")
    a = ap.parse_args(argv)
    res = measure(a.db, a.repeats, a.organisations, a.teams, echo=lambda s: print(s, flush=True))
    a.json.parent.mkdir(parents=True, exist_ok=True)
    a.json.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    print(f"results in {a.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
