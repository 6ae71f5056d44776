"""The soak: the production web command (``coproduce web --workers N``, uvicorn worker processes) on
PostgreSQL, driven for ``--seconds`` at ``--rate`` mixed requests per second, open loop, while the resident
memory and CPU of every uvicorn process (master, workers, multiprocessing's resource tracker) and the CPU
of the database's server processes are sampled.

Data: a database of the bench's own (``--database``, default ``bench_soak_<pid>``: created fresh, dropped at
the end unless ``--keep``), seeded with ``bench.national`` at a smaller scale (``--plans`` over every stage,
``--organisations``, ``--teams``), then the intake bench's world (the council example's plan with a staff
list and its baseline survey opened by the real opening code, one invitation per intake request the run
will make) and ``--team-links`` team links for that survey. Every plan in sign-off gets enough extra
approvers, each with an API token, for every decision of the run to be a new one (spread round-robin
over the plans, so each plan's decisions grow at the same pace).

The mix (``--mix``, dashboard/intake/decisions, drawn per request from a seeded random stream):
- dashboard: a coordinator signed in by a session cookie reads the pages ``bench.dashboard`` measures
  (the plan listing, filtered and paged; a plan in sign-off; the largest open survey; their JSON) and
  the live response rates of the survey the intake is filling;
- intake: a whole response (ten questions, three demographics) posted to ``/api/v1/s/{token}``, by a
  fresh invitation's token or (``--team-link-share`` of them) by a team link, which takes many;
- decisions: an approver's sign-off decision (``POST /api/v1/plans/{id}/sign-off/decisions`` with their
  API token, bound to the round's version and content hash): mostly approvals, some requests for changes
  and rejections with a comment, some with an expectation added. Each is new, so 201 is the only right
  answer; a 409 would be an error.
``settings.wake_flows`` is off (``COPRODUCE_WAKE_FLOWS=0``): no Prefect server takes part; decisions are
recorded and audited but wake no flow, so the plans stay in sign-off for the whole run.

Why the default mix is 10/70/20: before the soak, each kind runs alone for ``--calibrate`` s and its CPU
per request is measured (web server + PostgreSQL; at 1,000 plans about 30 + 13 ms for a dashboard page,
4 + 1 ms for a response, 15 + 3 ms for a decision). At 100/s, 40/40/20 then needs about 2.3 cores, more
than a 2-core machine has before the client and the OS, so it cannot hold on one; 10/70/20 needs about
1.2. A national programme's traffic is mostly staff answering surveys, so the default leans that way;
``--mix 40/40/20`` runs the heavier mix, and the table always shows what the mix asked of the CPU.

Asserted (exit 1 otherwise): no error, in the calibration or the soak (a status other than the kind's
expected one, a connection error, or no answer within ``--timeout`` s); resident memory growth under 10%,
for each uvicorn process and in total, as (median RSS over the last minute - median over the first
minute after ``--warmup`` s of the soak) / the latter (windows shrink to a quarter of the run for short
runs); the rate achieved (requests started, and answered, per second) within 5% of the target, and the
generator's own lag (how late it started requests) p99 under 100 ms, so the load was the load asked
for; every 201 stored (responses and decisions counted in the database afterwards); no worker restarted.

    python -m bench.soak [--rate 100] [--seconds 600] [--workers 2] [--mix 10/70/20] [--json PATH]
    python -m bench.soak --report bench/results/soak.json
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench._common import RESULTS, ROOT, machine, reap_leftovers, sigint_default
from bench.dashboard import COOKIE, PAGES, PG_BASE, _free_port, _sign_off_plan, _survey_plan, code_version
from bench.soak_load import Request, children_of, open_loop
from bench.soak_world import World, seed_world

MARKER = "COPRODUCE_BENCH_SOAK"
DB_PREFIX = "bench_soak_"
KINDS = ("dashboard", "intake", "decisions")
GOAL_GROWTH, GOAL_RATE, GOAL_LAG_MS = 0.10, 0.05, 100.0


def plan_kinds(a: argparse.Namespace) -> list[str]:
    """The kind of every request of the run, drawn up front so the data can be sized to it exactly."""
    weights = [float(x) for x in a.mix.split("/")]
    if len(weights) != len(KINDS) or sum(weights) <= 0:
        raise SystemExit(f"--mix: three shares for {'/'.join(KINDS)}, e.g. 40/40/20")
    rng = random.Random(a.seed)
    return rng.choices(KINDS, weights=weights, k=int(a.rate * a.seconds))


def requests_for(world: World, a: argparse.Namespace) -> Callable[[str, int], Request]:
    """A function from a kind and the request's index to a request: each token and decision used once."""
    rng = random.Random(a.seed + 1)
    cookie = {"Cookie": f"{COOKIE}={world.cookie}"}
    json_type = {"Content-Type": "application/json"}
    invitations, approvers = iter(world.invitation_tokens), iter(world.decisions)

    def make(kind: str, i: int) -> Request:
        if kind == "dashboard":
            return Request(kind, "GET", rng.choice(world.pages), cookie, None, frozenset({200}))
        if kind == "intake":
            by_link = rng.random() < a.team_link_share
            token = rng.choice(world.team_link_tokens) if by_link else next(invitations)
            body = world.bodies[i % len(world.bodies)]
            return Request(kind, "POST", f"/api/v1/s/{token}", json_type, body, frozenset({201}))
        plan_id, version, content_hash, token = next(approvers)
        roll = rng.random()
        decision = "approve" if roll < 0.9 else "request_changes" if roll < 0.97 else "reject"
        body: dict[str, Any] = {"version": version, "content_hash": content_hash, "decision": decision}
        if decision != "approve":
            body["comment"] = "Please tie recommendation 2 to the survey's evidence."
        if rng.random() < 0.1:
            body["expectations"] = [
                {"text": "Staff feel heard", "measure": "Repeat survey", "level": 3, "target": "+10 points"}
            ]
        headers = {**json_type, "Authorization": f"Bearer {token}"}
        return Request(
            kind,
            "POST",
            f"/api/v1/plans/{plan_id}/sign-off/decisions",
            headers,
            json.dumps(body).encode(),
            frozenset({201}),
        )

    return make


@contextlib.contextmanager
def serve(url: str, workers: int, marker: str) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """``coproduce web --workers N``, the production command (docs/operations.md); yields (port, master
    process) once /healthz answers and every worker process exists."""
    import httpx

    port = _free_port()
    env = {**os.environ, "COPRODUCE_DATABASE_URL": url, "COPRODUCE_WAKE_FLOWS": "0", "COPRODUCE_COOKIE_SECURE": "0"}
    env[MARKER] = marker
    script = Path(sys.executable).with_name("coproduce")
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "api.cli"]
    cmd += ["web", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"bench.soak: coproduce web exited with {proc.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                up = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
                if up and len(workers_of(proc.pid)) >= workers:
                    break
            if time.monotonic() > deadline:
                raise SystemExit("bench.soak: the web workers did not all answer within 90 s")
            time.sleep(0.5)
        time.sleep(2)  # the last worker's start-up (its gc.freeze) may still be finishing
        yield port, proc
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        reap_leftovers(marker)


def workers_of(master: int) -> list[int]:
    """The master's children that serve (not multiprocessing's resource tracker, if any)."""
    return [pid for pid, role in roles(master).items() if role == "worker"]


def roles(master: int) -> dict[int, str]:
    """The master and its children, each named by what it is: master, worker or resource tracker."""
    found = {master: "master"}
    for pid in children_of(master):
        with contextlib.suppress(OSError):
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            found[pid] = "resource tracker" if b"resource_tracker" in cmdline else "worker"
    return found


def memory_growth(samples: list[dict[str, Any]], seconds: float, warmup: float) -> dict[str, Any]:
    """Per process and in total: median RSS over the first window after the warm-up and over the last
    window of the run, and the growth between them. A window is a minute, or a quarter of a short run."""
    window = min(60.0, seconds / 4)
    warmup = min(warmup, seconds / 4)
    first = [s for s in samples if warmup <= s["t"] < warmup + window]
    last = [s for s in samples if s["t"] >= seconds - window]
    pids = sorted({pid for s in samples for pid in s["rss_kb"]}, key=int)

    def growth(of: Callable[[dict[str, Any]], float | None]) -> dict[str, Any]:
        a = [x for s in first if (x := of(s)) is not None]
        b = [x for s in last if (x := of(s)) is not None]
        if not a or not b:
            return {"first_mb": None, "last_mb": None, "growth": None}
        m0, m1 = statistics.median(a), statistics.median(b)
        return {"first_mb": round(m0 / 1024, 1), "last_mb": round(m1 / 1024, 1), "growth": (m1 - m0) / m0}

    per = {pid: growth(lambda s, p=pid: s["rss_kb"].get(p)) for pid in pids}
    total = growth(lambda s: float(sum(s["rss_kb"].values())) if len(s["rss_kb"]) == len(pids) else None)
    return {
        "window_s": window,
        "warmup_s": warmup,
        "samples": (len(first), len(last)),
        "per_process": per,
        "total": total,
    }


def cpu_used(samples: list[dict[str, Any]], answered: int) -> dict[str, Any]:
    """CPU over a phase, from its first sample to its last: of the web server (every process) and of the
    database's server processes (those that lived to the last sample; a connection closed in between
    takes its CPU with it, so that figure is a lower bound). Cores busy on average, ms per request."""
    a, b = samples[0], samples[-1]
    span, n = b["t"] - a["t"], max(answered, 1)
    out: dict[str, Any] = {}
    for key, name in (("cpu_s", "web"), ("db_cpu_s", "db")):
        used = sum(b[key][p] - a[key].get(p, 0.0) for p in b[key])
        out[name] = {"cpu_s": round(used, 2), "cores": used / span if span else None, "ms_per_request": 1000 * used / n}
    out["ms_per_request"] = out["web"]["ms_per_request"] + out["db"]["ms_per_request"]
    return out


def backends(url: str) -> Callable[[], list[int]]:
    """A function naming the PostgreSQL server processes connected to the soak's database now."""
    from sqlalchemy import create_engine, make_url, text

    engine = create_engine(PG_BASE, pool_size=1)
    name = make_url(url).database

    def pids() -> list[int]:
        with engine.connect() as c:
            query = "SELECT pid FROM pg_stat_activity WHERE datname = :d AND pid <> pg_backend_pid()"
            return [int(p) for p in c.scalars(text(query), {"d": name})]

    return pids


def stored(url: str, world: World) -> dict[str, int]:
    """Responses to the intake survey and decisions by the run's approvers, as the database has them."""
    from sqlalchemy import text

    from plans.db import engine_for

    with engine_for(url).connect() as c:
        responses = c.scalar(text("SELECT count(*) FROM survey_responses WHERE survey_id = :s"), {"s": world.survey_id})
        decisions = c.scalar(
            text("SELECT count(*) FROM sign_off_decisions WHERE approver_id >= :first"), {"first": world.first_approver}
        )
    return {"responses": int(responses or 0) - world.responses_before, "decisions": int(decisions or 0)}


@contextlib.contextmanager
def database(name: str | None, keep: bool) -> Iterator[str]:
    """A fresh PostgreSQL database for the soak, dropped afterwards unless ``keep``. Unnamed, it is
    ``bench_soak_<pid>``: two runs at once (the lead's and a helper's) once shared ``bench_soak``, and each
    one's DROP ... WITH (FORCE) cut the other's connections and data (its tokens answered 404). Databases
    of such runs whose process has gone are dropped first (name one with ``--database`` to keep it)."""
    from sqlalchemy import create_engine, make_url, text

    admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    name = name or f"{DB_PREFIX}{os.getpid()}"
    with admin.connect() as c:
        for old in c.scalars(text("SELECT datname FROM pg_database WHERE datname LIKE 'bench\\_soak\\_%'")):
            pid = old.removeprefix(DB_PREFIX)
            if pid.isdigit() and not Path(f"/proc/{pid}").exists():
                c.execute(text(f'DROP DATABASE IF EXISTS "{old}" WITH (FORCE)'))
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_BASE).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        from plans.db import engine_for

        engine_for(url).dispose()
        if not keep:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def calibrate(
    port: int,
    master: int,
    db: Callable[[], list[int]],
    make: Callable[[str, int], Request],
    a: argparse.Namespace,
    echo: Any,
) -> dict[str, Any]:
    """A warm-up of every kind in turn, then each kind alone at ``--calibrate-rate`` for ``--calibrate`` s:
    the server's CPU per request of that kind, from which the mix's need at ``--rate`` follows."""
    out: dict[str, Any] = {}
    phases = [("warm-up", lambda i: make(KINDS[i % len(KINDS)], i))]
    phases += [(kind, lambda i, k=kind: make(k, i)) for kind in KINDS]
    for name, fn in phases:
        got = asyncio.run(
            open_loop(
                "127.0.0.1",
                port,
                fn,
                rate=a.calibrate_rate,
                seconds=a.calibrate,
                timeout=a.timeout,
                master=master,
                database=db,
                sample_every=a.calibrate,
                echo=echo,
            )
        )
        cpu = cpu_used(got["samples"], got["answered"])
        out[name] = {"kinds": got["kinds"], "errors": got["errors"], "error_examples": got["error_examples"], **cpu}
        web, db_ms = cpu["web"]["ms_per_request"], cpu["db"]["ms_per_request"]
        echo(f"  {name}: CPU per request {web:.1f} ms web + {db_ms:.1f} ms PostgreSQL; {got['errors']} errors")
    return out


def measure(a: argparse.Namespace, echo: Callable[[str], None] = print) -> dict[str, Any]:
    """Seed, serve, calibrate, soak and check; returns the results (JSON-serialisable)."""
    kinds = plan_kinds(a)
    counts = {k: kinds.count(k) for k in KINDS}
    extra = math.ceil(a.calibrate * a.calibrate_rate) * 2 if a.calibrate else 0  # its warm-up and its own phase
    res: dict[str, Any] = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine()}
    res["code"], res["params"] = code_version(), {k: v for k, v in vars(a).items() if k not in ("json", "report")}
    res["wake_flows"] = False
    with database(a.database, a.keep) as url:
        started = time.monotonic()
        world = seed_world(url, a, intake=counts["intake"] + extra, decisions=counts["decisions"] + extra, echo=echo)
        world.pages += [p.format(sign_off=_sign_off_plan(url), survey=_survey_plan(url)) for _, p in PAGES]
        res["seeded_s"], res["world"] = round(time.monotonic() - started, 1), world.describe()
        echo(f"soak: seeded in {res['seeded_s']} s: {res['world']}")
        make, db = requests_for(world, a), backends(url)
        with serve(url, a.workers, uuid.uuid4().hex) as (port, proc):
            before, res["roles"] = workers_of(proc.pid), {str(k): v for k, v in roles(proc.pid).items()}
            echo(f"soak: coproduce web {proc.pid}, workers {before}")
            if a.calibrate:
                echo(f"soak: calibrating, each kind alone at {a.calibrate_rate:.0f}/s for {a.calibrate:.0f} s ...")
                res["calibration"] = calibrate(port, proc.pid, db, make, a, echo)
            echo(f"soak: {a.rate:.0f}/s for {a.seconds:.0f} s, mix {counts}")
            load = asyncio.run(
                open_loop(
                    "127.0.0.1",
                    port,
                    lambda i: make(kinds[i], i),
                    rate=a.rate,
                    seconds=a.seconds,
                    timeout=a.timeout,
                    master=proc.pid,
                    database=db,
                    sample_every=min(a.sample_every, min(60.0, a.seconds / 4) / 6),
                    echo=echo,
                )
            )
            after = workers_of(proc.pid)
        res["load"], res["master"], res["workers"] = load, proc.pid, {"before": before, "after": after}
        res["stored"] = stored(url, world)
    res["memory"] = memory_growth(load["samples"], a.seconds, a.warmup)
    res["cpu"], res["loadavg_at_end"] = cpu_used(load["samples"], load["answered"]), os.getloadavg()
    res["goal_met"] = all(ok for *_, ok in rows(res) if ok is not None)
    return res


def rows(res: dict[str, Any]) -> list[tuple[str, str, str, str, str, bool | None]]:
    """(figure, value, reference, ratio, goal, met) for the soak."""
    p, load, mem = res["params"], res["load"], res["memory"]
    rate, out = p["rate"], []
    head = f"soak {p['seconds']:.0f} s at {rate:.0f}/s, {p['workers']} workers"
    kinds, cal = load["kinds"], res.get("calibration") or {}
    errors = load["errors"] + sum(c["errors"] for c in cal.values())
    where = f" (and {errors - load['errors']} in calibration)" if errors != load["errors"] else ""
    out.append((f"{head}: errors", f"{load['errors']} of {load['started']:,}{where}", "-", "-", "0", errors == 0))
    for kind, k in kinds.items():
        lat = f"p50 {k.get('p50_ms', '-')} / p95 {k.get('p95_ms', '-')} / p99 {k.get('p99_ms', '-')} ms"
        out.append(
            (
                f"soak {kind}: {k['n']:,} answered, {k['errors']} errors",
                lat,
                f"statuses {k['statuses']}",
                "-",
                "-",
                None,
            )
        )
    for label, key in (("started", "started_rate"), ("answered", "answered_rate")):
        got = load[key]
        out.append(
            (
                f"soak rate {label}",
                f"{got:.1f}/s",
                f"target {rate:.0f}/s",
                f"{got / rate:.3f}",
                "within 5%",
                abs(got / rate - 1) <= GOAL_RATE,
            )
        )
    lag = load["lag_ms"]
    out.append(
        (
            "soak generator lag p99",
            f"{lag['p99']:.1f} ms (max {lag['max']:.0f})",
            "-",
            "-",
            f"< {GOAL_LAG_MS:.0f} ms",
            lag["p99"] < GOAL_LAG_MS,
        )
    )
    cpu, client = res["cpu"], load["client_cpu_s"] / p["seconds"]
    out.append(
        (
            "soak CPU: web server (all processes) + PostgreSQL",
            f"{cpu['web']['cores']:.2f} + {cpu['db']['cores']:.2f} cores "
            f"({cpu['web']['ms_per_request']:.1f} + {cpu['db']['ms_per_request']:.1f} ms per request)",
            f"client {client:.2f} cores; load average at end {res['loadavg_at_end'][0]:.1f}",
            "-",
            "-",
            None,
        )
    )
    if all(k in cal for k in KINDS):
        shares = {k: v["n"] / load["started"] for k, v in kinds.items()}
        need = sum(shares.get(k, 0) * rate * cal[k]["ms_per_request"] / 1000 for k in KINDS)
        per = "; ".join(
            f"{k} {cal[k]['web']['ms_per_request']:.1f} + {cal[k]['db']['ms_per_request']:.1f}" for k in KINDS
        )
        cores = res["machine"]["cpus"]
        out.append(
            (
                f"soak CPU the mix needs at {rate:.0f}/s (calibrated, web + PostgreSQL)",
                f"{need:.2f} cores",
                f"ms per request, web + PostgreSQL: {per}",
                f"{need / cores:.2f} of {cores} cores",
                "-",
                None,
            )
        )
    first = f"first {mem['window_s']:.0f} s after {mem['warmup_s']:.0f} s"
    for name, g in [("total", mem["total"]), *((f"pid {pid}", g) for pid, g in mem["per_process"].items())]:
        if name != "total":
            name = f"{res['roles'].get(name.split()[1], 'process')} {name.split()[1]}"
        if g["growth"] is None:
            out.append((f"soak RSS {name}", "no samples", first, "-", "< +10%", False))
            continue
        out.append(
            (
                f"soak RSS {name}",
                f"{g['last_mb']} MB (last {mem['window_s']:.0f} s)",
                f"{g['first_mb']} MB ({first})",
                f"{g['growth']:+.1%}",
                "< +10%",
                g["growth"] < GOAL_GROWTH,
            )
        )
    w = res["workers"]
    out.append(
        (
            "soak workers restarted",
            str(sorted(set(w["after"]) ^ set(w["before"])) or "none"),
            f"{w['before']}",
            "-",
            "none",
            w["after"] == w["before"],
        )
    )
    for name, kind in (("responses", "intake"), ("decisions", "decisions")):
        phases = [load["kinds"], *(c["kinds"] for c in cal.values())]  # calibration's writes are stored too
        ok201 = sum(ph.get(kind, {}).get("statuses", {}).get("201", 0) for ph in phases)
        got = res["stored"][name]
        out.append((f"soak {name} stored", f"{got:,}", f"{ok201:,} answered 201", "-", "equal", got == ok201))
    return out


def report(res: dict[str, Any]) -> str:
    """The table, with what was seeded and the first errors."""
    from bench.dashboard import table

    lines = [
        f"Soak on PostgreSQL, wake_flows off (no Prefect); commit {res['code']['commit']}; "
        f"load average at start {res['machine']['loadavg_at_start']}"
    ]
    lines += [f"seeded in {res['seeded_s']} s: {res['world']}", ""]
    lines.append(table(rows(res)))
    for phase, c in (res.get("calibration") or {}).items():
        for e in c["error_examples"]:
            lines.append(f"  error in calibration ({phase}): {e}")
    for e in res["load"]["error_examples"]:
        lines.append(f"  error: {e}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n")[0])
    ap.add_argument("--rate", type=float, default=100.0, help="requests per second, open loop")
    ap.add_argument("--seconds", type=float, default=600.0)
    ap.add_argument("--workers", type=int, default=2, help="uvicorn --workers")
    ap.add_argument("--mix", default="10/70/20", help="shares of dashboard/intake/decisions")
    ap.add_argument("--team-link-share", type=float, default=0.2, help="of intake, answered by a team link")
    ap.add_argument("--team-links", type=int, default=5)
    ap.add_argument("--warmup", type=float, default=60.0, help="seconds before the first memory window")
    ap.add_argument("--sample-every", type=float, default=10.0, help="seconds between RSS samples (at most)")
    ap.add_argument("--calibrate", type=float, default=10.0, help="seconds per kind alone before the soak (0: none)")
    ap.add_argument("--calibrate-rate", type=float, default=10.0, help="requests per second while calibrating")
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds a request may take before it is an error")
    ap.add_argument("--plans", type=int, default=1000)
    ap.add_argument("--organisations", type=int, default=100)
    ap.add_argument("--teams", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--database", help="default: bench_soak_<pid>, dropped at the end")
    ap.add_argument("--keep", action="store_true", help="keep the database afterwards")
    ap.add_argument("--json", type=Path, default=RESULTS / "soak.json")
    ap.add_argument("--report", type=Path, metavar="JSON", help="print the table of saved results; measure nothing")
    a = ap.parse_args(argv)
    if a.report:
        res = json.loads(a.report.read_text(encoding="utf-8"))
    else:
        sigint_default()
        res = measure(a)
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    print()
    print(report(res))
    return 0 if res["goal_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
