"""The nightly retention purge at national scale (docs/retention.md), on PostgreSQL.

Setup (untimed): a database of its own (``bench_retention``, dropped at the end) migrated to head and
filled set-wise by SQL: one organisation, a closed baseline survey with ``staff`` invitations (a third
answered, two reminders each), a staff list of ``staff`` people in teams of 20, and four outbox messages
per person: the invitation and two reminders of that survey, and one other email that must stay.

Timed: the dry run (counts only: the reference, measured in the same run), the purge itself (every
invitation, the three emails per person to staff about the survey, then the organisation's staff list,
each in its own transaction) and a second run (idempotence: nothing due, should take well under a
second). Asserted: the purge deletes exactly what the dry run said and leaves the other emails, and the
second run deletes nothing. One run per repeat; ``--runs`` repeats from a fresh database (median).

    python -m bench.retention [--staff 1000000] [--runs 1] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import create_engine, text

from bench._common import machine, summary

BASE = os.environ.get("COPRODUCE_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432")
CLOSED = datetime(2026, 3, 30, tzinfo=UTC)
RETENTION_DAYS = 90


def _seed(url: str, staff: int) -> None:
    from plans.db import engine_for, session_scope
    from plans.domain.stages import Stage
    from plans.models import Organisation, Person, Plan, Survey, SurveyKind

    with session_scope() as s:
        s.add(Organisation(id=1, code="NAT", name="National"))
        s.flush()
        person = Person(organisation_id=1, email="coordinator@nat.example", name="Coordinator")
        s.add(person)
        s.flush()
        plan = Plan(
            organisation_id=1,
            slug="p",
            title="P",
            coordinator_id=person.id,
            stage=Stage.EVIDENCE_SURVEY,
            starts_on=CLOSED.date(),
        )
        s.add(plan)
        s.flush()
        s.add(
            Survey(
                id=1,
                plan_id=plan.id,
                kind=SurveyKind.BASELINE,
                title="S",
                questions=[],
                target_rate=0.6,
                opens_at=CLOSED - timedelta(days=28),
                closes_at=CLOSED,
                closed_at=CLOSED,
            )
        )
    sent = datetime(2026, 3, 1, tzinfo=UTC)
    with engine_for(url).begin() as c:
        c.execute(
            text(
                "INSERT INTO teams (id, organisation_id, code, name, eligible_headcount) "
                "SELECT g, 1, 'T'||g, 'Team '||g, 20 FROM generate_series(1, :t) g"
            ),
            {"t": max(1, staff // 20)},
        )
        c.execute(
            text(
                "INSERT INTO staff_members "
                "(id, organisation_id, team_id, email, staff_group, eligible, attributes, line) "
                "SELECT g, 1, 1 + (g - 1) / 20, 's'||g||'@nat.example', 'Nursing', true, '{}', g "
                "FROM generate_series(1, :n) g"
            ),
            {"n": staff},
        )
        c.execute(
            text(
                "INSERT INTO survey_invitations "
                "(survey_id, staff_member_id, team_id, token_hash, used, reminders_sent) "
                "SELECT 1, g, 1 + (g - 1) / 20, md5(g::text) || md5((-g)::text), g % 3 = 0, 2 "
                "FROM generate_series(1, :n) g"
            ),
            {"n": staff},
        )
        for key in ("'survey-invitation:1:'||g", "'survey-reminder:1:'||g||'\\:1'", "'survey-reminder:1:'||g||'\\:2'"):
            _messages(c, key, staff, sent)
        _messages(c, "'other:'||g", staff, sent)
        c.execute(text("ANALYZE"))


def _messages(c: Any, key: str, n: int, at: datetime) -> None:
    c.execute(
        text(
            "INSERT INTO outbox_messages (idempotency_key, kind, to_address, link_ref, created_at, next_attempt_at, "
            f"attempts, sent_at) SELECT {key}, 'k', 's'||g||'@nat.example', 'invitation:1:'||g, :t, :t, 1, "
            "CASE WHEN g % 2 = 0 THEN :t END FROM generate_series(1, :n) g"
        ),
        {"n": n, "t": at},
    )


def _counts(url: str) -> dict[str, int]:
    from plans.db import engine_for

    with engine_for(url).connect() as c:
        return {
            t: int(c.execute(text(f"SELECT count(*) FROM {t}")).scalar() or 0)
            for t in ("survey_invitations", "outbox_messages", "staff_members")
        }


def _one(staff: int) -> dict[str, Any]:
    admin = create_engine(f"{BASE}/test", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text("DROP DATABASE IF EXISTS bench_retention WITH (FORCE)"))
        c.execute(text("CREATE DATABASE bench_retention"))
    url = f"{BASE}/bench_retention"
    os.environ["COPRODUCE_DATABASE_URL"] = url
    from plans.config import settings
    from plans.db import engine_for, session_scope
    from plans.migrations import upgrade
    from plans.services import retention

    settings.database_url = url
    try:
        upgrade(url)
        t = time.perf_counter()
        _seed(url, staff)
        seeded = time.perf_counter() - t
        now = CLOSED + timedelta(days=RETENTION_DAYS + 1)
        t = time.perf_counter()
        dry = retention.run(session_scope, now=now, retention_days=RETENTION_DAYS, dry_run=True)
        dry_s = time.perf_counter() - t
        t = time.perf_counter()
        done = retention.run(session_scope, now=now, retention_days=RETENTION_DAYS)
        run_s = time.perf_counter() - t
        t = time.perf_counter()
        again = retention.run(session_scope, now=now, retention_days=RETENTION_DAYS)
        again_s = time.perf_counter() - t
        left = _counts(url)
        failures = list(done.failed)
        if dry.as_data()["surveys"] != done.as_data()["surveys"]:
            failures.append("the purge deleted other counts than its dry run said")
        if left != {"survey_invitations": 0, "outbox_messages": staff, "staff_members": 0}:
            failures.append(f"left after the purge: {left} (expected only the {staff:,} other emails)")
        if again.surveys or again.staff_lists:
            failures.append("a second run found something to delete")
        return {"seed_s": seeded, "dry_s": dry_s, "run_s": run_s, "again_s": again_s, "failures": failures}
    finally:
        engine_for(url).dispose()
        with admin.connect() as c:
            c.execute(text("DROP DATABASE IF EXISTS bench_retention WITH (FORCE)"))
        admin.dispose()


def measure(staff: int = 1_000_000, runs: int = 1) -> dict[str, Any]:
    os.environ.setdefault("COPRODUCE_SECRET_KEY", "bench")
    each = [_one(staff) for _ in range(runs)]
    return {
        "machine": machine(),
        "staff": staff,
        "runs": runs,
        "each": each,
        "dry_s": summary([e["dry_s"] for e in each]),
        "run_s": summary([e["run_s"] for e in each]),
        "again_s": summary([e["again_s"] for e in each]),
        "failures": [f for e in each for f in e["failures"]],
    }


def rows(res: dict[str, Any]) -> list[tuple[str, str, str, str, str, bool | None]]:
    n, runs = res["staff"], res["runs"]
    run, dry, again = res["run_s"]["median"], res["dry_s"]["median"], res["again_s"]["median"]
    what = f"{n:,} invitations, {3 * n:,} emails to staff, {n:,} staff"
    label = f"median of {runs}" if runs > 1 else "one run"
    return [
        (f"retention purge, {what} ({label})", f"{run:.1f} s", f"dry run {dry:.1f} s", f"{run / dry:.2f}x", "-", None),
        (f"retention second run, nothing due ({label})", f"{again:.2f} s", "-", "-", "< 1 s", again < 1.0),
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.retention", description=__doc__.split("\n")[0])
    ap.add_argument("--staff", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--json", help="write the results here")
    a = ap.parse_args(argv)
    res = measure(a.staff, a.runs)
    for r in rows(res):
        print(" | ".join(str(x) for x in r))
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump(res, f, indent=2)
    for failure in res["failures"]:
        print("FAILED:", failure)
    return 1 if res["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
