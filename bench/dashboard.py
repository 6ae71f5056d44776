"""The coordinator's dashboard at national scale: page latency and SQL queries per page.

Data: ``bench.national`` (1,000 plans over every stage, 200 organisations, 60,000 teams, seeded and
deterministic; without its staff lists and invitations, which no page reads). On SQLite the seeded file
is cached under the user's cache directory, keyed by the parameters, the day (times in the data are
relative to today) and the generator's source, and reused; on PostgreSQL (127.0.0.1:5432/test) the data
goes into schemas of the bench's own (``bench_dashboard_<plans>``), created fresh and dropped at the
end. Nothing else is touched.

Latency: the real app as served (``api.server:create_served_app``) under uvicorn in a subprocess (one worker, access log
off) on a free 127.0.0.1 port, a coordinator signed in by a session made directly in the database, and
httpx over loopback with keep-alive. Each run starts a fresh server, makes ``--warmup`` untimed requests
per page, then ``--requests`` timed rounds, each round requesting every page once in a new (seeded)
random order, so that noise from a busy machine and the pauses of Python's garbage collector fall on
every page alike, including the reference: ``GET /healthz``, a bare endpoint, without the cookie. Per
page and run: p50/p95/p99; reported: the median over ``--runs`` runs, and the runs' p95 range.

Queries: counted in-process with ``fastapi.testclient.TestClient`` and a ``before_cursor_execute``
listener (one warm-up request first, so connection set-up is not counted), on the 1,000-plan database
and on a 100-plan one (same organisations and teams). A page runs a statement only when it has rows
for it (a page without open surveys skips the response counts), so totals may differ by such
statements; the check is that no statement runs more often per page with more plans, on the five
pages and on every page of the listing.

    python -m bench.dashboard [--db sqlite|postgresql|both] [--runs 3] [--requests 200] [--warmup 10]
                              [--plans 1000] [--small-plans 100] [--no-cache] [--json PATH]
    python -m bench.dashboard --report bench/results/dashboard.json [--markdown]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench._common import RESULTS, ROOT, machine, reap_leftovers, sigint_default, summary

GOAL_MS = 150.0
PG_BASE = os.environ.get("COPRODUCE_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ORGANISATIONS, TEAMS, SEED = 200, 60000, 1
MARKER = "COPRODUCE_BENCH_DASHBOARD"
COOKIE = "coproduce_session"
COORDINATOR = "bench.coordinator@example.org"

# (label, path); "{sign_off}" is the first plan in sign-off; "{last}" the last page of the database
PAGES = [
    ("GET /plans", "/plans"),
    ("GET /plans?stage=evidence_survey", "/plans?stage=evidence_survey"),
    ("GET /plans?page=10", "/plans?page=10"),
    ("GET /api/v1/plans", "/api/v1/plans"),
    ("GET /plans/{id} (in sign_off)", "/plans/{sign_off}"),
    ("GET /plans/{id}/survey (largest open survey)", "/plans/{survey}/survey"),
    ("GET /api/v1/plans/{id}/survey/league", "/api/v1/plans/{survey}/survey/league"),
]
REFERENCE = ("GET /healthz (reference)", "/healthz")


@dataclass
class Database:
    dialect: str
    url: str
    plans: int
    sign_off_plan_id: int
    survey_plan_id: int
    seeded_s: float | None  # None: reused from the cache
    drop: Callable[[], None] | None = None


# databases ----------------------------------------------------------------------------------------


def _cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(os.environ.get("COPRODUCE_BENCH_CACHE") or user_cache_dir("coproduce")) / "bench-dashboard"


def _cache_key(plans: int) -> str:
    source = (ROOT / "bench" / "national.py").read_bytes()
    day = datetime.now(UTC).date().isoformat()
    digest = hashlib.sha256(source + f"{plans}/{ORGANISATIONS}/{TEAMS}/{SEED}/{day}".encode()).hexdigest()[:12]
    return f"national-{plans}p-{ORGANISATIONS}o-{TEAMS}t-s{SEED}-{digest}"


def _sign_off_plan(url: str) -> int:
    from sqlalchemy import text

    from plans.db import engine_for

    with engine_for(url).connect() as c:
        found = c.scalar(text("SELECT min(id) FROM plans WHERE stage = 'sign_off'"))
    if found is None:
        raise SystemExit(f"bench.dashboard: no plan in sign_off at {url}")
    return int(found)


def _survey_plan(url: str) -> int:
    """The plan whose open baseline survey has the most teams (the survey page's worst case)."""
    from sqlalchemy import text

    from plans.db import engine_for

    query = (
        "SELECT s.plan_id FROM surveys s JOIN survey_teams t ON t.survey_id = s.id "
        "WHERE s.closed_at IS NULL AND s.kind = 'baseline' GROUP BY s.plan_id ORDER BY count(*) DESC, s.plan_id LIMIT 1"
    )
    with engine_for(url).connect() as c:
        found = c.scalar(text(query))
    if found is None:
        raise SystemExit(f"bench.dashboard: no open baseline survey with teams at {url}")
    return int(found)


def sqlite_database(plans: int, cache: bool, echo: Callable[[str], None]) -> Database:
    from bench.national import seed
    from plans.db import engine_for

    folder = _cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    key = _cache_key(plans)
    path = folder / f"{key}.db"
    seeded = None
    if not cache or not path.exists():
        for old in folder.glob(f"national-{plans}p-*.db*"):  # earlier days or generator versions
            old.unlink()
        tmp = folder / f"{key}.tmp.db"
        echo(f"  seeding {plans} plans into {path} ...")
        summary_ = seed(
            f"sqlite:///{tmp}", plans=plans, organisations=ORGANISATIONS, teams=TEAMS, seed=SEED, staff=False
        )
        engine_for(f"sqlite:///{tmp}").dispose()  # closing the last connection folds the WAL into the file
        tmp.rename(path)
        seeded = summary_.seconds
        echo(f"  {summary_.describe()}")
    else:
        echo(f"  reusing {path}")
    url = f"sqlite:///{path}"
    return Database("sqlite", url, plans, _sign_off_plan(url), _survey_plan(url), seeded)


def postgres_database(plans: int, echo: Callable[[str], None]) -> Database:
    from sqlalchemy import create_engine, text

    from bench.national import seed
    from plans.db import engine_for

    schema = f"bench_dashboard_{plans}"
    admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{PG_BASE}?options=-csearch_path%3D{schema}"

    def drop() -> None:
        engine_for(url).dispose()
        with admin.connect() as c:
            c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()

    try:
        echo(f"  seeding {plans} plans into PostgreSQL schema {schema} ...")
        summary_ = seed(url, plans=plans, organisations=ORGANISATIONS, teams=TEAMS, seed=SEED, staff=False)
        echo(f"  {summary_.describe()}")
        return Database("postgresql", url, plans, _sign_off_plan(url), _survey_plan(url), summary_.seconds, drop)
    except BaseException:
        drop()
        raise


def sign_in(url: str) -> str:
    """A coordinator's session cookie, made directly in the database."""
    from plans.db import engine_for, session_scope
    from plans.models import Role, utcnow
    from plans.services.auth import start_session
    from plans.services.users import add_user

    with session_scope(engine_for(url)) as s:
        person, _ = add_user(
            s, email=COORDINATOR, name="Bench Coordinator", roles=[Role.COORDINATOR], password=None, now=utcnow()
        )
        return start_session(s, person_id=person.id, method="bench", now=utcnow())


def _paths(db: Database) -> list[tuple[str, str]]:
    return [(label, path.format(sign_off=db.sign_off_plan_id, survey=db.survey_plan_id)) for label, path in PAGES]


# latency ------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(url: str, marker: str) -> Iterator[str]:
    """The real app under uvicorn in a subprocess; yields its base URL once /healthz answers."""
    import httpx

    port = _free_port()
    env = {
        **os.environ,
        "COPRODUCE_DATABASE_URL": url,
        "COPRODUCE_WAKE_FLOWS": "0",
        "COPRODUCE_COOKIE_SECURE": "0",
        MARKER: marker,
    }
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "api.server:create_served_app", "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--no-access-log", "--log-level", "warning"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"bench.dashboard: the server exited with {proc.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise SystemExit("bench.dashboard: the server did not answer /healthz within 60 s")
            time.sleep(0.2)
        yield base
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0-100), linear between the closest ranks."""
    xs = sorted(values)
    k = (len(xs) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def _check(label: str, response: Any) -> str | None:
    if response.status_code != 200:
        return f"{label}: HTTP {response.status_code}: {response.text[:300]!r}"
    return None


def measure_run(
    db: Database, cookie: str, requests: int, warmup: int, run: int, echo: Callable[[str], None]
) -> dict[str, Any]:
    """One run: a fresh server, warm-up, then ``requests`` rounds over every page and the reference."""
    import httpx

    pages = [*_paths(db), REFERENCE]
    marker = uuid.uuid4().hex
    times: dict[str, list[float]] = {label: [] for label, _ in pages}
    errors: dict[str, str] = {}
    try:
        with (
            server(db.url, marker) as base,
            httpx.Client(base_url=base, headers={"Cookie": f"{COOKIE}={cookie}"}, timeout=60) as signed,
            httpx.Client(base_url=base, timeout=60) as bare,
        ):
            for label, path in pages:
                client = bare if path == REFERENCE[1] else signed
                for _ in range(warmup):
                    if (problem := _check(label, client.get(path))) is not None:
                        errors[label] = problem
                        break
            live = [(label, path) for label, path in pages if label not in errors]
            order = random.Random(f"{db.dialect}/{run}")
            for _ in range(requests):
                # a new order every round: in a fixed one, the garbage collector's full collections (which
                # come every so many allocations) fall on the same page every time and skew its tail alone
                for label, path in order.sample(live, len(live)):
                    client = bare if path == REFERENCE[1] else signed
                    t = time.perf_counter()
                    response = client.get(path)
                    elapsed = (time.perf_counter() - t) * 1000
                    if label in errors:
                        continue
                    if (problem := _check(label, response)) is not None:
                        errors[label] = problem
                        continue
                    times[label].append(elapsed)
    finally:
        left = reap_leftovers(marker)
        if left:
            echo(f"  WARNING: stopped leftover server processes: {left}")
    out: dict[str, Any] = {"loadavg_1min": round(os.getloadavg()[0], 2), "errors": errors, "pages": {}}
    for label, xs in times.items():
        if label in errors or not xs:
            continue
        out["pages"][label] = {
            "n": len(xs),
            "p50": percentile(xs, 50),
            "p95": percentile(xs, 95),
            "p99": percentile(xs, 99),
            "mean": statistics.fmean(xs),
        }
    return out


# queries ------------------------------------------------------------------------------------------


def shape(statement: str) -> str:
    """A statement with its parameters and IN lists folded, so the same query with other ids compares equal."""
    placeholder = r"(?:%\(\w+\)s|\$\d+|%s|\?)(?:::[A-Z]+(?: WITH(?:OUT)? TIME ZONE)?)?"  # with PG's casts
    folded = re.sub(placeholder, "?", " ".join(statement.split()))
    return re.sub(r"\?(?:, \?)+", "?...", folded)


def tables_of(statement: str) -> str:
    return "+".join(dict.fromkeys(re.findall(r"(?:FROM|JOIN) (\w+)", statement))) or statement[:40]


def count_queries(db: Database) -> dict[str, Any]:
    """SQL statements per page, in-process (TestClient), after one warm-up request per page; and, for every
    page of the JSON listing, each statement's count (to show none repeats with more plans)."""
    from fastapi.testclient import TestClient
    from sqlalchemy import event

    from api.app import create_app
    from plans.config import settings
    from plans.db import engine_for

    settings.database_url, settings.wake_flows, settings.cookie_secure = db.url, False, False
    cookie = sign_in(db.url)
    engine = engine_for(db.url)
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    # with fewer plans than page 10 needs, the last page stands in for it (a page of plans either way)
    pages = max(1, -(-db.plans // 50))
    out: dict[str, Any] = {"pages": {}, "every_page": {}}
    with TestClient(create_app(), headers={"Cookie": f"{COOKIE}={cookie}"}) as client:

        def counted(path: str) -> tuple[int, list[str]]:
            client.get(path)  # warm-up: connection set-up and first-use queries are not the page's
            statements.clear()
            event.listen(engine, "before_cursor_execute", count)
            try:
                status = client.get(path).status_code
            finally:
                event.remove(engine, "before_cursor_execute", count)
            return status, [shape(s) for s in statements]

        for label, path in _paths(db):
            if path.endswith("page=10") and pages < 10:
                path = f"/plans?page={pages}"
            status, shapes = counted(path)
            out["pages"][label] = {"path": path, "status": status, "queries": len(shapes), "shapes": shapes}
        per_page = []
        most: dict[str, int] = {}
        for page in range(1, pages + 1):
            status, shapes = counted(f"/api/v1/plans?page={page}")
            per_page.append(len(shapes) if status == 200 else None)
            for sh, n in Counter(shapes).items():
                most[sh] = max(most.get(sh, 0), n)
        out["every_page"] = {"pages": pages, "queries": per_page, "most_per_statement": most}
    engine.dispose()
    return out


def compare_counts(large: list[str], small: list[str]) -> dict[str, Any]:
    """Whether any statement runs more often on the large database's page than on the small one's (growth),
    and which statements only one of the two pages needed (a page without open surveys skips theirs)."""
    a, b = Counter(map(shape, large)), Counter(map(shape, small))
    return {
        "equal": len(large) == len(small),
        "grown": sorted(tables_of(s) for s in a if a[s] > max(b[s], 1)),
        "only_large": sorted(tables_of(s) for s in a if not b[s]),
        "only_small": sorted(tables_of(s) for s in b if not a[s]),
    }


# the whole --------------------------------------------------------------------------------------------


def measure_db(
    dialect: str,
    *,
    runs: int,
    requests: int,
    warmup: int,
    plans: int,
    small_plans: int,
    cache: bool,
    echo: Callable[[str], None],
) -> dict[str, Any]:
    echo(f"dashboard [{dialect}]: preparing {plans} and {small_plans} plans")
    dbs: list[Database] = []
    try:
        for n in (plans, small_plans):
            dbs.append(sqlite_database(n, cache, echo) if dialect == "sqlite" else postgres_database(n, echo))
        big, small = dbs
        cookie = sign_in(big.url)
        per_run = []
        for r in range(runs):
            echo(f"dashboard [{dialect}]: run {r + 1}/{runs}: {requests} rounds of {len(PAGES) + 1} requests")
            res = measure_run(big, cookie, requests, warmup, r, echo)
            per_run.append(res)
            shown = ", ".join(f"{label.split(' (')[0]} {v['p95']:.0f}" for label, v in res["pages"].items())
            echo(f"  p95 ms: {shown} (load {res['loadavg_1min']})")
            for problem in res["errors"].values():
                echo(f"  ERROR {problem}")
        echo(f"dashboard [{dialect}]: counting queries at {small_plans} and {plans} plans")
        counts = {"large": count_queries(big), "small": count_queries(small)}
    finally:
        for db in dbs:
            if db.drop is not None:
                db.drop()
    pages: dict[str, Any] = {}
    for label, _ in [*PAGES, REFERENCE]:
        got = [r["pages"][label] for r in per_run if label in r["pages"]]
        if len(got) < runs:
            pages[label] = {"error": next(r["errors"][label] for r in per_run if label in r["errors"])}
            continue
        pages[label] = {k: summary([g[k] for g in got]) for k in ("p50", "p95", "p99", "mean")}
        pages[label]["n_per_run"] = got[0]["n"]
    return {
        "dialect": dialect,
        "plans": plans,
        "small_plans": small_plans,
        "organisations": ORGANISATIONS,
        "teams": TEAMS,
        "sign_off_plan_id": big.sign_off_plan_id,
        "survey_plan_id": big.survey_plan_id,
        "seeded_s": {str(plans): big.seeded_s, str(small_plans): small.seeded_s},
        "runs": runs,
        "requests": requests,
        "warmup": warmup,
        "pages": pages,
        "per_run": per_run,
        "queries": counts,
    }


def code_version() -> dict[str, Any]:
    """The commit measured, and the app's files that differed from it (others edit while we measure)."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    changed = git("status", "--porcelain", "--", "api", "plans").splitlines()
    return {"commit": git("rev-parse", "--short", "HEAD"), "uncommitted": [line[3:] for line in changed]}


def measure(
    dbs: list[str],
    runs: int = 3,
    requests: int = 200,
    warmup: int = 10,
    plans: int = 1000,
    small_plans: int = 100,
    cache: bool = True,
    echo: Callable[[str], None] = print,
) -> dict[str, Any]:
    res: dict[str, Any] = {"machine": machine(), "code": code_version(), "goal_ms": GOAL_MS, "by_db": {}}
    for dialect in dbs:
        res["by_db"][dialect] = measure_db(
            dialect,
            runs=runs,
            requests=requests,
            warmup=warmup,
            plans=plans,
            small_plans=small_plans,
            cache=cache,
            echo=echo,
        )
    res["code_at_end"] = code_version()
    res["goal_met"] = all(ok for *_, ok in rows(res) if ok is not None)
    return res


def rows(res: dict[str, Any]) -> list[tuple[str, str, str, str, str, bool | None]]:
    """(figure, value, reference, ratio, goal, passed) for every page, the reference and the counts."""
    out: list[tuple[str, str, str, str, str, bool | None]] = []
    for dialect, d in res["by_db"].items():
        ref = d["pages"][REFERENCE[0]]
        ref_p95 = ref["p95"]["median"] if "error" not in ref else None
        n = d["runs"]
        for label, _ in PAGES:
            page = d["pages"].get(label)
            figure = f"[{dialect}] {label} p95 (median of {n})"
            if page is None:  # a result saved before the page was added to PAGES
                out.append((figure, "not measured in this run", "-", "-", f"< {GOAL_MS:.0f} ms", None))
                continue
            if "error" in page:
                out.append((figure, "ERROR", page["error"][:60], "-", f"< {GOAL_MS:.0f} ms", False))
                continue
            p95 = page["p95"]
            value = (
                f"{p95['median']:.1f} ms (p50 {page['p50']['median']:.1f}, p99 {page['p99']['median']:.1f}; "
                f"runs {p95['min']:.0f}-{p95['max']:.0f})"
            )
            ratio = f"{p95['median'] / ref_p95:.0f}x" if ref_p95 else "-"
            reference = f"healthz p95 {ref_p95:.1f} ms" if ref_p95 else "-"
            out.append((figure, value, reference, ratio, f"< {GOAL_MS:.0f} ms", p95["median"] < GOAL_MS))
        if "error" not in ref:
            value = f"{ref_p95:.1f} ms (p50 {ref['p50']['median']:.1f}, p99 {ref['p99']['median']:.1f})"
            out.append((f"[{dialect}] {REFERENCE[0]} p95", value, "-", "1x", "-", None))
        q = d["queries"]
        large, small = q["large"]["pages"], q["small"]["pages"]
        most_small: Counter[str] = Counter()
        for sh, n in q["small"]["every_page"]["most_per_statement"].items():
            most_small[shape(sh)] = max(most_small[shape(sh)], n)
        every_page_grown = sorted(
            {
                tables_of(sh)
                for sh, n in q["large"]["every_page"]["most_per_statement"].items()
                if n > max(most_small[shape(sh)], 1)
            }
        )
        for label, _ in PAGES:
            if label not in large or label not in small:
                continue  # not measured in this run (said above)
            a, b = large[label], small[label]
            c = compare_counts(a["shapes"], b["shapes"])
            bad = a["status"] != 200 or b["status"] != 200
            notes = [f"HTTP {a['status']}/{b['status']}"] if bad else []
            if c["grown"]:
                notes.append(f"repeated: {', '.join(c['grown'])}")
            if c["only_small"]:
                notes.append(f"no rows here for: {', '.join(c['only_small'])}")
            if c["only_large"]:
                notes.append(f"no rows at 100 plans for: {', '.join(c['only_large'])}")
            ref_path = f" ({b['path']})" if b["path"] != a["path"] else ""
            out.append(
                (
                    f"[{dialect}] SQL queries, {label}",
                    f"{a['queries']} at {d['plans']:,} plans" + (f" ({'; '.join(notes)})" if notes else ""),
                    f"{b['queries']} at {d['small_plans']:,} plans{ref_path}",
                    f"{a['queries'] / b['queries']:.2f}" if b["queries"] else "-",
                    "does not grow",
                    not c["grown"] and not bad,
                )
            )
        ea, eb = q["large"]["every_page"], q["small"]["every_page"]
        xs, ys = [n for n in ea["queries"] if n is not None], [n for n in eb["queries"] if n is not None]
        ok = bool(xs) and len(xs) == ea["pages"] and len(ys) == eb["pages"] and not every_page_grown
        grown = f" (repeated: {', '.join(every_page_grown)})" if every_page_grown else ""
        out.append(
            (
                f"[{dialect}] SQL queries, every page of /api/v1/plans",
                f"{min(xs, default=0)}-{max(xs, default=0)} on each of {ea['pages']} pages{grown}",
                f"{min(ys, default=0)}-{max(ys, default=0)} on each of {eb['pages']} pages at {d['small_plans']} plans",
                f"{max(xs, default=0) / max(ys, default=1):.2f}",
                "does not grow",
                ok,
            )
        )
    return out


def table(found: list[tuple[str, str, str, str, str, bool | None]], markdown: bool = False) -> str:
    head = ("figure", "value", "reference (same run)", "ratio", "goal", "pass/fail")
    body = [(*r[:5], "-" if r[5] is None else ("PASS" if r[5] else "FAIL")) for r in found]
    if markdown:
        return "\n".join("| " + " | ".join(r) + " |" for r in [head, ("---",) * 6, *body])
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(6)]
    fmt = " | ".join(f"{{:<{w}}}" for w in widths)
    line = "-+-".join("-" * w for w in widths)
    return "\n".join([fmt.format(*head), line, *(fmt.format(*r) for r in body)])


def report(res: dict[str, Any]) -> str:
    code = res.get("code", {})
    lines = [f"Code: commit {code.get('commit', '?')}; uncommitted app files: {code.get('uncommitted') or 'none'}"]
    if res.get("code_at_end", code) != code:
        lines.append(f"WARNING: the code changed while measuring; at the end: {res['code_at_end']}")
    for dialect, d in res["by_db"].items():
        loads = [r["loadavg_1min"] for r in d["per_run"]]
        lines.append(
            f"Dashboard [{dialect}]: {d['plans']:,} plans, {d['organisations']} organisations, {d['teams']:,} teams; "
            f"{d['runs']} runs x {d['requests']} requests per page after {d['warmup']} warm-up; "
            f"load average at the end of each run {loads}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.dashboard", description=__doc__.split("\n")[0])
    ap.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="sqlite")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--requests", type=int, default=200, help="timed requests per page and run (default 200)")
    ap.add_argument("--warmup", type=int, default=10, help="untimed requests per page and run (default 10)")
    ap.add_argument("--plans", type=int, default=1000)
    ap.add_argument("--small-plans", type=int, default=100, help="the database the query counts compare with")
    ap.add_argument("--no-cache", action="store_true", help="seed SQLite afresh instead of reusing the cache")
    ap.add_argument("--json", type=Path, default=RESULTS / "dashboard.json")
    ap.add_argument("--report", type=Path, metavar="JSON", help="print the table of saved results; measure nothing")
    ap.add_argument("--markdown", action="store_true", help="with --report: the table in Markdown")
    a = ap.parse_args(argv)
    if a.report:
        saved = json.loads(a.report.read_text(encoding="utf-8"))
        print(report(saved), end="\n\n")
        print(table(rows(saved), markdown=a.markdown))
        return 0
    dbs = ["sqlite", "postgresql"] if a.db == "both" else [a.db]
    sigint_default()  # the server we start stops on SIGINT, even when we were started with it ignored
    started = time.monotonic()
    res = measure(dbs, a.runs, a.requests, a.warmup, a.plans, a.small_plans, cache=not a.no_cache)
    res["bench_wall_s"] = round(time.monotonic() - started, 1)
    print()
    print(report(res))
    print()
    print(table(rows(res)))
    a.json.parent.mkdir(parents=True, exist_ok=True)
    a.json.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    print(f"\n(bench took {res['bench_wall_s']:.0f} s; results in {a.json})")
    return 0 if res["goal_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
