"""One chase cycle at national scale on PostgreSQL, timed, and a second cycle the same day that must write
nothing.

    python -m bench.chase [--runs 3] [--teams 60000] [--organisations 200] [--answered 0.4] [--keep]

The data (schema ``bench_chase`` of the benchmark database; reseeded unless ``--reuse``): the national
generator's organisations, teams (directorates with teams below, a manager each) and people
(``bench.national``), one plan per organisation at the evidence survey with its survey open for 7 days,
a staff member and an invitation for every eligible place (about 1,000,000), of whom ``--answered``
have answered (each team's share drawn between 10% and 70%, so some teams are at the 60% target and a
few are full), with the intake's per-team daily counters; and 130 plans at sign-off, their rounds 5
days past the deadline with three of four approvers undecided (staff, invitations and counters by
INSERT ... SELECT).

The day measured is the heaviest one of the default configuration: the survey opened on a Monday and
it is the next Monday, so every unanswered invitee is due a first reminder, every team below target its
manager's first chase, and every survey its weekly league table. Each run starts from the same state
(outbox, bodies and chases emptied, reminder counts reset, VACUUM ANALYZE); the time is from the start
of ``chase`` to its commit, with SQL time per statement recorded (the rest is Python).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, select, text

from bench._common import RESULTS, ROOT, machine, summary
from bench.national import Scale, Writer, write_organisations, write_people, write_teams
from plans.domain.facts import Decision
from plans.domain.stages import Stage
from plans.models import (
    Capacity,
    OutboxMessage,
    Plan,
    PlanMember,
    SignOffDecision,
    SignOffRound,
    Survey,
    SurveyKind,
)

PG_BASE = os.environ.get("COPRODUCE_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SCHEMA = "bench_chase"
SEED = 1
OPENS = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday
NOW = OPENS + timedelta(days=7, hours=1)  # the next Monday: reminders, first chases and league tables
GOAL_SECONDS = 30.0
SIGN_OFF_PLANS = 130


def _schema_url() -> str:
    return f"{PG_BASE}?options=-csearch_path%3D{SCHEMA}"


def seed(url: str, *, organisations: int, teams: int, answered: float, echo: Any = print) -> dict[str, Any]:
    """Migrate and fill the benchmark schema; row counts of what matters."""
    from plans.db import engine_for
    from plans.migrations import upgrade

    started = time.monotonic()
    upgrade(url)
    engine = engine_for(url)
    scale = Scale(organisations=organisations, teams=teams)
    with engine.begin() as conn:
        w = Writer(conn)
        orgs = write_organisations(w, scale, SEED)
        write_teams(w, orgs, scale, SEED)
        write_people(w, orgs, scale, SEED)
        plan_id, survey_id, round_id = w.next_id(Plan), w.next_id(Survey), w.next_id(SignOffRound)
        plans, surveys, members, rounds, decisions = [], [], [], [], []
        for i, org in enumerate(orgs):
            for stage in (Stage.EVIDENCE_SURVEY, Stage.SIGN_OFF) if i < SIGN_OFF_PLANS else (Stage.EVIDENCE_SURVEY,):
                plans.append(
                    {
                        "id": plan_id,
                        "uid": f"{plan_id:032x}",
                        "organisation_id": org.id,
                        "slug": f"bench-chase-{plan_id}",
                        "title": f"{org.name}: citizen voice plan",
                        "coordinator_id": org.coordinators[0],
                        "stage": stage,
                        "starts_on": OPENS.date() - timedelta(days=60),
                        "stage_entered_at": OPENS,
                        "created_at": OPENS - timedelta(days=60),
                    }
                )
                approvers = org.approvers[:4] if stage is Stage.SIGN_OFF else org.approvers[:3]
                members += [{"plan_id": plan_id, "person_id": a, "capacity": Capacity.APPROVER} for a in approvers]
                if stage is Stage.EVIDENCE_SURVEY:
                    surveys.append(
                        {
                            "id": survey_id,
                            "plan_id": plan_id,
                            "kind": SurveyKind.BASELINE,
                            "title": "Citizen voice staff survey",
                            "questions": [],
                            "definition": {},
                            "anonymous": True,
                            "close_when_target_met": False,
                            "target_rate": 0.6,
                            "opens_at": OPENS,
                            "closes_at": OPENS + timedelta(days=28),
                        }
                    )
                    survey_id += 1
                else:
                    deadline = NOW - timedelta(days=5)
                    rounds.append(
                        {
                            "id": round_id,
                            "plan_id": plan_id,
                            "version": 1,
                            "content_hash": "0" * 64,
                            "opened_at": deadline - timedelta(days=14),
                            "deadline": deadline,
                        }
                    )
                    decisions.append(
                        {
                            "round_id": round_id,
                            "plan_id": plan_id,
                            "approver_id": approvers[0],
                            "version": 1,
                            "decision": Decision.APPROVE,
                            "comment": "",
                            "at": deadline - timedelta(days=1),
                        }
                    )
                    round_id += 1
                plan_id += 1
        w.write(Plan, plans)
        w.write(PlanMember, members)
        w.write(Survey, surveys)
        w.write(SignOffRound, rounds)
        w.write(SignOffDecision, decisions)
        for name in ("organisations", "people", "teams", "plans", "surveys", "sign_off_rounds"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"))
        _staff_and_invitations(conn, answered)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
        counts = {
            t: int(conn.scalar(text(f"SELECT count(*) FROM {t}")) or 0)
            for t in ("teams", "people", "surveys", "survey_teams", "staff_members", "survey_invitations")
        }
        counts["answered"] = int(conn.scalar(text("SELECT count(*) FROM survey_invitations WHERE used")) or 0)
        counts["survey_team_days"] = int(conn.scalar(text("SELECT count(*) FROM survey_team_days")) or 0)
    counts["seconds"] = round(time.monotonic() - started, 1)
    echo(f"  seeded in {counts['seconds']} s: {counts}")
    return counts


def _staff_and_invitations(conn: Any, answered: float) -> None:
    """Staff, the eligible snapshot, invitations (each team answering between 10% and 70%, scaled so the
    mean is ``answered``) and the daily counters, in SQL."""
    low, high = answered * 0.25, answered * 1.75
    conn.execute(
        text(
            """
            INSERT INTO staff_members (organisation_id, team_id, email, staff_group, eligible, attributes, line)
            SELECT t.organisation_id, t.id, 'staff.' || t.id || '.' || g || '@' || lower(o.code) || '.example',
                   'Nursing', true, '{}'::jsonb, g
            FROM teams t JOIN organisations o ON o.id = t.organisation_id,
                 generate_series(1, t.eligible_headcount) g
            WHERE t.eligible_headcount > 0
            ORDER BY t.id, g
            """
        )
    )
    conn.execute(
        text(
            """
            INSERT INTO survey_teams (survey_id, team_id, eligible)
            SELECT s.id, t.id, t.eligible_headcount FROM surveys s
            JOIN plans p ON p.id = s.plan_id JOIN teams t ON t.organisation_id = p.organisation_id
            WHERE t.eligible_headcount > 0
            """
        )
    )
    conn.execute(
        text(
            """
            INSERT INTO survey_invitations (survey_id, staff_member_id, team_id, token_hash, used, reminders_sent)
            SELECT s.id, m.id, m.team_id, encode(sha256(convert_to(s.id || ':' || m.id, 'UTF8')), 'hex'),
                   ((m.id::bigint * 7919) % 1000) < 1000 * (:low + (:high - :low) * ((m.team_id * 37) % 100) / 100.0), 0
            FROM surveys s JOIN plans p ON p.id = s.plan_id
            JOIN staff_members m ON m.organisation_id = p.organisation_id
            ORDER BY s.id, m.id
            """
        ),
        {"low": low, "high": high},
    )
    conn.execute(
        text(
            """
            INSERT INTO survey_team_days (survey_id, team_id, day, responses)
            SELECT survey_id, team_id, CAST(:opens AS date) + 1 + (staff_member_id % 6), count(*)
            FROM survey_invitations WHERE used GROUP BY 1, 2, 3
            """
        ),
        {"opens": OPENS.date()},
    )


# What the chase cycle asks of migration 0003 (applied to the benchmark schema only with --schema-proposal):
# survey_invitations at fillfactor 50, so the reminder UPDATE (columns in no index) is a HOT update that
# leaves the table's five indexes alone; and the outbox's four single-column indexes (kind, sent_at,
# next_attempt_at, body_id) replaced by the one partial index the sender's due query reads, so each
# inserted reminder maintains three indexes instead of six.
PROPOSAL = (
    "ALTER TABLE survey_invitations SET (fillfactor = 50)",
    "VACUUM FULL survey_invitations",
    "DROP INDEX IF EXISTS ix_outbox_messages_kind",
    "DROP INDEX IF EXISTS ix_outbox_messages_sent_at",
    "DROP INDEX IF EXISTS ix_outbox_messages_next_attempt_at",
    "DROP INDEX IF EXISTS ix_outbox_messages_body_id",
    "CREATE INDEX IF NOT EXISTS ix_outbox_messages_due ON outbox_messages (next_attempt_at, id) WHERE sent_at IS NULL",
)


def apply_proposal(engine: Engine) -> None:
    """Apply ``PROPOSAL`` to the benchmark schema."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for statement in PROPOSAL:
            conn.execute(text(statement))


def schema_state(engine: Engine) -> dict[str, Any]:
    """The parts of the schema the proposal changes, as measured."""
    with engine.connect() as conn:
        options = conn.scalar(text("SELECT reloptions FROM pg_class WHERE oid = 'survey_invitations'::regclass"))
        indexes = conn.scalars(
            text(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'outbox_messages' AND schemaname = current_schema()"
            )
        )
        return {"survey_invitations_options": options or [], "outbox_indexes": sorted(indexes)}


def reset(engine: Engine) -> None:
    """Back to the state before any chase: no outbox, no chases, no reminders counted."""
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE outbox_messages, outbox_bodies, chases RESTART IDENTITY"))
        conn.execute(
            text("UPDATE survey_invitations SET reminders_sent = 0, last_reminded_on = NULL WHERE reminders_sent <> 0")
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE survey_invitations, outbox_messages, outbox_bodies, chases"))


class SqlClock:
    """Time spent in each SQL statement (by its first words), via cursor events."""

    def __init__(self, engine: Engine) -> None:
        self.engine, self.spent, self.calls = engine, defaultdict(float), defaultdict(int)
        self._started: list[float] = []

    def __enter__(self) -> SqlClock:
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)

    def _before(self, *args: Any) -> None:
        self._started.append(time.perf_counter())

    def _after(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        key = " ".join(statement.split())[:90]
        self.spent[key] += time.perf_counter() - self._started.pop()
        self.calls[key] += 1

    def top(self, n: int = 8) -> list[dict[str, Any]]:
        ranked = sorted(self.spent.items(), key=lambda kv: -kv[1])[:n]
        return [{"sql": k, "seconds": round(v, 3), "calls": self.calls[k]} for k, v in ranked]


def one_run(url: str) -> dict[str, Any]:
    """Reset, chase (timed to its commit), then chase again the same day and count what it wrote."""
    from plans.db import engine_for, session_scope
    from plans.services.chasing import chase

    engine = engine_for(url)
    reset(engine)
    with SqlClock(engine) as clock:
        started = time.perf_counter()
        with session_scope(engine) as session:
            first = chase(session, now=NOW)
        seconds = time.perf_counter() - started
    with session_scope(engine) as session:
        rows_before = int(session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)
    started = time.perf_counter()
    with session_scope(engine) as session:
        second = chase(session, now=NOW + timedelta(hours=3))
    again = time.perf_counter() - started
    with session_scope(engine) as session:
        rows_after = int(session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)
    return {
        "seconds": seconds,
        "sql_seconds": round(sum(clock.spent.values()), 3),
        "top_sql": clock.top(),
        "summary": first.model_dump(),
        "messages": first.messages,
        "second_seconds": again,
        "second_summary": second.model_dump(),
        "second_rows_written": rows_after - rows_before,
    }


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()


def measure(
    runs: int = 3,
    organisations: int = 200,
    teams: int = 60000,
    answered: float = 0.4,
    reuse: bool = False,
    keep: bool = False,
    schema_proposal: bool = False,
    echo: Any = print,
) -> dict[str, Any]:
    """Seed the schema (unless ``reuse``), then ``runs`` chase cycles, each followed by a second the same day."""
    os.environ.setdefault("COPRODUCE_SECRET_KEY", "bench-secret")
    from plans.db import engine_for

    info = machine()
    admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    url = _schema_url()
    seeded: dict[str, Any] | None = None
    runs_done = []
    try:
        if not reuse:
            with admin.connect() as c:
                c.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
                c.execute(text(f'CREATE SCHEMA "{SCHEMA}"'))
            echo(f"seeding PostgreSQL schema {SCHEMA}: {organisations} organisations, {teams} teams ...")
            seeded = seed(url, organisations=organisations, teams=teams, answered=answered, echo=echo)
        if schema_proposal:
            echo("applying the schema proposal: " + "; ".join(PROPOSAL))
            apply_proposal(engine_for(url))
        schema = schema_state(engine_for(url))
        echo(f"  schema: {schema}")
        for i in range(runs):
            run = one_run(url)
            runs_done.append(run)
            echo(
                f"  run {i + 1}: {run['seconds']:.2f} s ({run['sql_seconds']:.2f} s in SQL), "
                f"{run['messages']:,} messages; again the same day: {run['second_seconds']:.2f} s, "
                f"{run['second_rows_written']} rows"
            )
    finally:
        engine_for(url).dispose()
        if not keep:
            with admin.connect() as c:
                c.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        admin.dispose()
    seconds = [r["seconds"] for r in runs_done]
    return {
        "machine": info,
        "code": {"commit": _git("rev-parse", "--short", "HEAD"), "uncommitted": _git("status", "--short", "plans")},
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "data": seeded,
        "day": NOW.isoformat(),
        "schema_proposal_applied": schema_proposal,
        "schema": schema,
        "goal_seconds": GOAL_SECONDS,
        "chase_seconds": summary(seconds),
        "second_run_seconds": summary([r["second_seconds"] for r in runs_done]),
        "second_run_rows": [r["second_rows_written"] for r in runs_done],
        "goal_met": bool(seconds) and statistics.median(seconds) < GOAL_SECONDS,
        "runs": runs_done,
    }


def rows(res: dict[str, Any]) -> list[tuple[str, str, str, str, str, bool | None]]:
    """(figure, value, reference, ratio, goal, goal met) for ``python -m bench``'s table."""
    c, again = res["chase_seconds"], res["second_run_seconds"]
    data = res.get("data") or {}
    if not c["n"]:
        return [("chase cycle (PostgreSQL)", "no run", "-", "-", f"< {GOAL_SECONDS:.0f} s", False)]
    sql = statistics.median(r["sql_seconds"] for r in res["runs"])
    messages = res["runs"][len(res["runs"]) // 2]["messages"]
    invitees = f"{data['survey_invitations']:,} invitees" if data else "reused schema"
    return [
        (
            f"chase cycle, PostgreSQL, {invitees} (median of {c['n']})",
            f"{c['median']:.1f} s ({messages:,} messages; {sql:.1f} s in SQL)",
            f"runs {c['min']:.1f}-{c['max']:.1f} s",
            "-",
            f"< {GOAL_SECONDS:.0f} s",
            res["goal_met"],
        ),
        (
            "chase again the same day: outbox rows written",
            ", ".join(str(n) for n in res["second_run_rows"]),
            f"{again['median']:.1f} s per cycle",
            "-",
            "0",
            all(n == 0 for n in res["second_run_rows"]),
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.chase", description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--organisations", type=int, default=200)
    ap.add_argument("--teams", type=int, default=60000)
    ap.add_argument("--answered", type=float, default=0.4)
    ap.add_argument("--reuse", action="store_true", help="reuse the seeded schema from an earlier run")
    ap.add_argument("--keep", action="store_true", help="keep the schema afterwards (for EXPLAIN ANALYZE)")
    ap.add_argument(
        "--schema-proposal", action="store_true", help="measure with PROPOSAL applied (what 0003 is asked to do)"
    )
    ap.add_argument("--json", type=Path, default=RESULTS / "chase.json")
    a = ap.parse_args(argv)
    result = measure(a.runs, a.organisations, a.teams, a.answered, a.reuse, a.keep, a.schema_proposal)
    runs = result["runs"]
    a.json.parent.mkdir(parents=True, exist_ok=True)
    a.json.write_text(json.dumps(result, indent=2, default=str) + "\n")
    med = result["chase_seconds"]["median"]
    verdict = "met" if result["goal_met"] else "NOT MET"
    print(f"chase cycle: median {med:.2f} s of {len(runs)} (goal < {GOAL_SECONDS:.0f} s: {verdict})")
    print(f"second run the same day wrote {result['second_run_rows']} outbox rows")
    for row in runs[len(runs) // 2]["top_sql"] if runs else []:
        print(f"  {row['seconds']:7.3f} s  x{row['calls']:<5} {row['sql']}")
    print(f"written {a.json}")
    return 0 if result["goal_met"] and all(n == 0 for n in result["second_run_rows"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
