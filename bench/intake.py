"""Survey intake over HTTP on loopback, on PostgreSQL: responses per second and latency of the real app's
``POST /api/v1/s/{token}``, against a bare FastAPI endpoint doing one INSERT (``bench.intake_reference``),
measured in the same run with the same server, client and database.

Data: a schema of the bench's own (``bench_intake``, created fresh, dropped at the end) with the council
example's plan and teams, a staff list of ``--invitations`` people and the example's baseline survey
opened by the real opening code (headcounts, invitations, emails); that opening is timed too. Every
request answers the survey's ten questions and three demographics with a fresh invitation's token.

Load: a small keep-alive HTTP/1.1 client on asyncio streams in this process (far cheaper per request
than httpx, so that on two cores the client takes as little as possible from the server). Two phases
per server: closed loop (``--concurrency`` requests always in flight, as fast as the server answers:
the most it can take) and open loop (requests started at ``--rate`` per second whatever the answers do,
latency counted from the moment each was due: what a person would see at that load). Each run starts
the real app and the reference afresh under uvicorn (``--processes``, access log off); reported: the
median over ``--runs`` runs. Then, in-process: the intake service alone (no HTTP) per response, and its
SQL statements, to show where the time goes.

    python -m bench.intake [--runs 3] [--requests 4000] [--rate 500] [--concurrency 8] [--processes 2]
                           [--invitations 40000] [--open-at 0] [--json PATH]
    python -m bench.intake --report bench/results/intake.json [--markdown]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench._common import RESULTS, ROOT, machine, reap_leftovers, sigint_default
from bench.dashboard import PG_BASE, percentile
from bench.intake_load import closed_loop, open_loop

SCHEMA = "bench_intake"
SECRET = "bench-intake-secret"
MARKER = "COPRODUCE_BENCH_INTAKE"
GOAL_RPS, GOAL_P99_MS = 500.0, 100.0
WARMUP = 200
EXAMPLE = ROOT / "examples" / "citizen-voice-workforce.yaml"


def _setup_env(url: str) -> None:
    os.environ["COPRODUCE_SECRET_KEY"] = SECRET
    os.environ[MARKER] = "1"
    from plans.config import settings

    settings.database_url, settings.secret_key, settings.wake_flows = url, SECRET, False


def schema_url(schema: str = SCHEMA) -> tuple[str, Any]:
    """A fresh schema for the bench and a function that drops it."""
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{PG_BASE}?options=-csearch_path%3D{schema}"

    def drop() -> None:
        from plans.db import engine_for

        engine_for(url).dispose()
        with admin.connect() as c:
            c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()

    return url, drop


def seed(url: str, invitations: int, *, tokens: bool = True) -> dict[str, Any]:
    """The example plan, a staff list of ``invitations`` people and its baseline survey opened (timed)."""
    from sqlalchemy import select, text

    from bench.intake_reference import metadata
    from plans.db import engine_for, session_scope
    from plans.files import load_plan_file
    from plans.migrations import upgrade
    from plans.models import Survey, SurveyInvitation, SurveyKind, Team, utcnow
    from plans.services import survey_admin, survey_opening
    from plans.services.actors import SYSTEM
    from plans.services.plan_setup import create_plan
    from plans.services.survey_tokens import invitation_ref, token_for

    upgrade(url)
    metadata.create_all(engine_for(url))
    now = utcnow()
    with session_scope() as s:
        plan = create_plan(s, spec=load_plan_file(EXAMPLE), actor=SYSTEM, now=now)
        plan_id, org = plan.id, plan.organisation_id
        teams = list(s.scalars(select(Team.id).where(Team.organisation_id == org, Team.eligible_headcount > 0)))
        # the staff list, set-wise: people spread over the example's teams
        s.execute(
            text(
                "INSERT INTO staff_members (organisation_id, team_id, email, staff_group, eligible, attributes, line) "
                "SELECT :org, (:teams)[1 + g % :n], 'bench' || g || '@staff.example', 'Other', true, '{}', g + 1 "
                "FROM generate_series(1, :count) AS g"
            ),
            {"org": org, "teams": teams, "n": len(teams), "count": invitations},
        )
    started = time.perf_counter()
    with session_scope() as s:
        plan = s.get(type(plan), plan_id)
        survey = Survey(plan_id=plan_id, kind=SurveyKind.BASELINE, title="Bench survey", opens_at=now)
        for key, value in survey_admin.opening_fields(plan, None, now).items():
            setattr(survey, key, value)
        s.add(survey)
        s.flush()
        opening = survey_opening.open_survey(s, survey=survey, organisation_id=org, now=now)
        survey_id, questions, demographics = survey.id, survey.questions, (survey.definition or {})["demographics"]
    opened_s = time.perf_counter() - started
    if not tokens:
        return {"survey_id": survey_id, "teams": len(teams), "invitations": opening.invitations, "opening_s": opened_s}
    with session_scope() as s:
        staff = s.scalars(
            select(SurveyInvitation.staff_member_id)
            .where(SurveyInvitation.survey_id == survey_id)
            .order_by(SurveyInvitation.staff_member_id)
        ).all()
    tokens = [token_for(invitation_ref(survey_id, sid)) for sid in staff]
    random.Random(1).shuffle(tokens)
    return {
        "survey_id": survey_id,
        "teams": len(teams),
        "invitations": opening.invitations,
        "opening_s": round(opened_s, 2),
        "tokens": tokens,
        "questions": questions,
        "demographics": demographics,
    }


def body_for(questions: list[dict[str, Any]], demographics: list[dict[str, Any]], rng: random.Random) -> bytes:
    """A whole response: every question and demographic answered."""
    answers: dict[str, Any] = {}
    for q in questions:
        if q.get("type") == "free_text":
            answers[q["id"]] = "More time with citizens would help."
        elif q.get("type") == "multiple_choice":
            answers[q["id"]] = rng.sample(q["answers"], 2)
        else:
            answers[q["id"]] = rng.choice(q["answers"])
    demo = {d["id"]: rng.choice(d["options"]) for d in demographics}
    return json.dumps({"answers": answers, "demographics": demo}).encode()


# servers and runs ----------------------------------------------------------------------------------

APP = ("intake", "api.server:create_served_app", "/api/v1/s/{token}")
REFERENCE = ("reference (one INSERT)", "bench.intake_reference:create_app", "/r/{token}")


@contextlib.contextmanager
def serve(factory: str, url: str, processes: int, marker: str) -> Iterator[list[int]]:
    """``factory`` under uvicorn, ``processes`` single-worker servers on free loopback ports (as behind a
    proxy spreading connections over them); yields their ports once every one answers.

    Not ``uvicorn --workers``: its workers get the listening socket from their parent without the TCP
    protocol number, so asyncio does not set TCP_NODELAY on their connections, and each response's
    second write waited ~40 ms for the client's delayed acknowledgement (measured: 44 ms at any load)."""
    import httpx

    procs, ports = [], []
    try:
        for _ in range(processes):
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                port = int(sock.getsockname()[1])
            env = {**os.environ, "COPRODUCE_DATABASE_URL": url, "COPRODUCE_WAKE_FLOWS": "0", MARKER: marker}
            cmd = [sys.executable, "-m", "uvicorn", "--factory", factory, "--host", "127.0.0.1", "--port", str(port)]
            cmd += ["--no-access-log", "--log-level", "warning"]
            procs.append(subprocess.Popen(cmd, cwd=ROOT, env=env))
            ports.append(port)
        deadline = time.monotonic() + 60
        for proc, port in zip(procs, ports, strict=True):
            while True:
                if proc.poll() is not None:
                    raise SystemExit(f"bench.intake: {factory} exited with {proc.returncode}")
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise SystemExit(f"bench.intake: {factory} did not answer /healthz within 60 s")
                time.sleep(0.2)
        yield ports
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGINT)
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        reap_leftovers(marker)


def measure_server(
    which: tuple[str, str, str], url: str, tokens: list[str], bodies: list[bytes], a: argparse.Namespace
) -> dict[str, Any]:
    """Warm-up, then the closed-loop and open-loop phases against fresh servers."""
    _, factory, template = which
    paths = [template.format(token=t) for t in tokens]
    with serve(factory, url, a.processes, uuid.uuid4().hex) as ports:
        asyncio.run(closed_loop("127.0.0.1", ports, paths[:WARMUP], bodies, a.concurrency))
        rest = paths[WARMUP:]
        closed = asyncio.run(closed_loop("127.0.0.1", ports, rest[: a.requests], bodies, a.concurrency))
        opened = asyncio.run(open_loop("127.0.0.1", ports, rest[a.requests : 2 * a.requests], bodies, a.rate))
    return {"closed": closed, "open": opened}


def in_process(url: str, tokens: list[str], bodies: list[bytes]) -> dict[str, Any]:
    """The intake service alone, one response per transaction, no HTTP: ms per response and its statements."""
    from sqlalchemy import event

    from plans.db import engine_for, session_scope
    from plans.models import utcnow
    from plans.services import intake

    engine = engine_for(url)
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement.split()[0])

    times = []
    for i, token in enumerate(tokens):
        payload = json.loads(bodies[i % len(bodies)])
        if i == len(tokens) - 1:
            event.listen(engine, "before_cursor_execute", count)
        t = time.perf_counter()
        with session_scope() as s:
            intake.answer(
                s, token=token, answers=payload["answers"], demographics=payload["demographics"], now=utcnow()
            )
        times.append((time.perf_counter() - t) * 1000)
    event.remove(engine, "before_cursor_execute", count)
    return {"n": len(times), "p50_ms": percentile(times, 50), "mean_ms": statistics.fmean(times), "sql": statements}


def open_at_scale(people: int, echo: Any) -> dict[str, Any]:
    """Opening a survey for ``people`` invitees (headcounts, invitations, emails) in a schema of its own."""
    url, drop = schema_url(f"{SCHEMA}_opening")
    _setup_env(url)
    try:
        echo(f"intake: opening a survey for {people:,} people ...")
        data = seed(url, people, tokens=False)
        echo(f"  {data['invitations']:,} invitations and emails in {data['opening_s']:.1f} s")
        return {"people": people, "invitations": data["invitations"], "opening_s": round(data["opening_s"], 1)}
    finally:
        drop()


def check_counts(url: str, survey_id: int) -> dict[str, int]:
    """Responses stored, counted and invitations used: all three must agree."""
    from sqlalchemy import func, select

    from plans.db import session_scope
    from plans.models import SurveyInvitation, SurveyResponse, SurveyTeamDay

    with session_scope() as s:
        return {
            "responses": int(s.scalar(select(func.count()).where(SurveyResponse.survey_id == survey_id)) or 0),
            "counted": int(s.scalar(select(func.sum(SurveyTeamDay.responses))) or 0),
            "used": int(s.scalar(select(func.count()).where(SurveyInvitation.used.is_(True))) or 0),
        }


def measure(
    runs: int = 3,
    requests: int = 4000,
    rate: float = GOAL_RPS,
    concurrency: int = 8,
    processes: int = 2,
    invitations: int = 40000,
    open_at: int = 0,
    echo: Any = print,
) -> dict[str, Any]:
    """The whole benchmark; returns the results written to JSON."""
    a = argparse.Namespace(
        runs=runs,
        requests=requests,
        rate=rate,
        concurrency=concurrency,
        processes=processes,
        invitations=invitations,
        open_at=open_at,
    )
    sigint_default()
    per_server = WARMUP + 2 * a.requests
    invitations = max(a.invitations, a.runs * per_server + 500)
    url, drop = schema_url()
    _setup_env(url)
    try:
        echo(f"intake: seeding {invitations:,} invitations into PostgreSQL schema {SCHEMA} ...")
        data = seed(url, invitations)
        echo(f"  opened the survey for {data['invitations']:,} people in {data['opening_s']:.1f} s")
        rng = random.Random(7)
        bodies = [body_for(data["questions"], data["demographics"], rng) for _ in range(64)]
        tokens = data["tokens"]
        runs = []
        for r in range(a.runs):
            order = [APP, REFERENCE] if r % 2 == 0 else [REFERENCE, APP]
            run: dict[str, Any] = {}
            for which in order:
                if which is APP:  # each response needs an invitation of its own; the reference takes any path
                    chunk, tokens = tokens[:per_server], tokens[per_server:]
                else:
                    chunk = [secrets.token_urlsafe(32) for _ in range(per_server)]
                echo(f"intake: run {r + 1}/{a.runs}: {which[0]} ...")
                run[which[0]] = measure_server(which, url, chunk, bodies, a)
                c, o = run[which[0]]["closed"], run[which[0]]["open"]
                echo(
                    f"  closed: {c['rps']:.0f}/s p50 {c['p50_ms']:.1f} p99 {c['p99_ms']:.1f} ms {c['statuses']}; "
                    f"open at {a.rate:.0f}/s: {o['rps']:.0f}/s p50 {o['p50_ms']:.1f} p99 {o['p99_ms']:.1f} ms"
                )
            runs.append(run)
        service = in_process(url, tokens[:300], bodies)
        counts = check_counts(url, data["survey_id"])
        opening_at = None
        if a.open_at:
            opening_at = open_at_scale(a.open_at, echo)
    finally:
        drop()
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "params": vars(a),
        "teams": data["teams"],
        "invitations": data["invitations"],
        "opening_s": data["opening_s"],
        "runs": runs,
        "service": service,
        "counts": counts,
        "opening_at_scale": opening_at,
    }


# report ----------------------------------------------------------------------------------------------


def _median(runs: list[dict[str, Any]], who: str, phase: str, key: str) -> float:
    return float(statistics.median(run[who][phase][key] for run in runs))


def pairs(res: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(figure, intake, reference, ratio) rows: medians over the runs."""
    runs, rate = res["runs"], res["params"]["rate"]
    app, ref = APP[0], REFERENCE[0]
    out = []
    for phase, label in (
        ("closed", f"closed loop, {res['params']['concurrency']} in flight"),
        ("open", f"at {rate:.0f}/s"),
    ):
        for key, unit in (("rps", "/s"), ("p50_ms", " ms"), ("p99_ms", " ms")):
            a, b = _median(runs, app, phase, key), _median(runs, ref, phase, key)
            out.append((f"{label}: {key.removesuffix('_ms')}", f"{a:.1f}{unit}", f"{b:.1f}{unit}", f"{a / b:.2f}x"))
    return out


def rows(res: dict[str, Any]) -> list[tuple[str, str, str, str, str, bool | None]]:
    """(figure, value, reference, ratio, goal, goal met) for ``python -m bench``'s table."""
    runs, p = res["runs"], res["params"]
    best = _median(runs, APP[0], "closed", "rps")
    p99 = _median(runs, APP[0], "open", "p99_ms")
    n = f"median of {len(runs)}, {p['processes']} server process{'es' if p['processes'] != 1 else ''}"
    where = f"PostgreSQL, {p['requests']:,} requests per phase"
    out: list[tuple[str, str, str, str, str, bool | None]] = []
    for figure, intake_, reference, ratio in pairs(res):
        goal, ok = "-", None
        if figure.startswith("closed loop") and figure.endswith("rps"):
            goal, ok = f">= {GOAL_RPS:.0f}/s", best >= GOAL_RPS
        elif figure.startswith("at ") and figure.endswith("p99"):
            goal, ok = f"< {GOAL_P99_MS:.0f} ms", p99 < GOAL_P99_MS
        out.append((f"intake {figure} ({n})", intake_, f"one INSERT {reference}", ratio, goal, ok))
    out.append(
        (
            f"intake: responses stored = counted = invitations used ({where})",
            ", ".join(f"{v:,}" for v in res["counts"].values()),
            "-",
            "-",
            "all equal",
            len(set(res["counts"].values())) == 1,
        )
    )
    out.append(
        (
            "opening the survey (invitations and emails)",
            f"{res['opening_s']:.1f} s",
            f"{res['invitations']:,} invitations",
            "-",
            "-",
            None,
        )
    )
    scale = res.get("opening_at_scale")
    if scale:
        out.append(
            (
                "opening a survey at scale",
                f"{scale['opening_s']:.1f} s",
                f"{scale['invitations']:,} invitations",
                "-",
                "-",
                None,
            )
        )
    return out


def report(res: dict[str, Any], markdown: bool = False) -> str:
    """The results as a table (plain or markdown) with the goal's verdict and where the time goes."""
    runs = res["runs"]
    best = _median(runs, APP[0], "closed", "rps")
    p99 = _median(runs, APP[0], "open", "p99_ms")
    met = best >= GOAL_RPS and p99 < GOAL_P99_MS
    head = (f"figure (median of {len(runs)} runs)", "intake", "reference: one INSERT", "ratio")
    lines = [" | ".join(head), " | ".join("---" for _ in head)] if markdown else [" | ".join(head)]
    lines += [" | ".join(r) for r in pairs(res)]
    svc = res["service"]
    per_run = ", ".join(f"{run[APP[0]]['open']['p99_ms']:.1f}" for run in runs)
    slow = ", ".join(f"{run[APP[0]]['open'].get('over_100ms', '?')}" for run in runs)
    n = runs[0][APP[0]]["open"]["n"]
    lines += [
        "",
        f"intake at {res['params']['rate']:.0f}/s, each run: p99 {per_run} ms; responses over 100 ms: {slow} of {n:,}",
    ]
    lines += [
        "",
        f"goal >= {GOAL_RPS:.0f}/s with p99 < {GOAL_P99_MS:.0f} ms: {'met' if met else 'NOT MET'} "
        f"(most {best:.0f}/s; p99 {p99:.1f} ms at {res['params']['rate']:.0f}/s)",
        f"intake service in-process (no HTTP): {svc['mean_ms']:.2f} ms per response, SQL: {', '.join(svc['sql'])}",
        f"opening the survey: {res['invitations']:,} invitations and emails in {res['opening_s']:.1f} s",
        f"counts after the runs: {res['counts']}",
    ]
    scale = res.get("opening_at_scale")
    if scale:
        lines.append(f"opening at scale: {scale['invitations']:,} invitations and emails in {scale['opening_s']:.1f} s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.intake", description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--requests", type=int, default=4000, help="per phase (closed, open) and server, each run")
    ap.add_argument("--rate", type=float, default=GOAL_RPS, help="the open loop's requests per second")
    ap.add_argument("--concurrency", type=int, default=8, help="the closed loop's requests in flight")
    ap.add_argument("--processes", type=int, default=2, help="single-worker uvicorn servers, connections spread")
    ap.add_argument("--invitations", type=int, default=40000)
    ap.add_argument("--open-at", type=int, default=0, help="also time opening a survey for this many people")
    ap.add_argument("--json", type=Path, default=RESULTS / "intake.json")
    ap.add_argument("--report", type=Path, help="print the report of a results file and stop")
    ap.add_argument("--markdown", action="store_true")
    a = ap.parse_args(argv)
    if a.report:
        print(report(json.loads(a.report.read_text()), a.markdown))
        return 0
    res = measure(a.runs, a.requests, a.rate, a.concurrency, a.processes, a.invitations, a.open_at)
    a.json.parent.mkdir(parents=True, exist_ok=True)
    a.json.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    print()
    print(report(res, a.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
