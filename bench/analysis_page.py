"""The coordinator's analysis page over a large stored analysis, on SQLite and PostgreSQL.

Seeds one plan (the example plan file) with a closed survey of 40 agreement questions in 4 sections and
its analysis written straight into the tables: the organisation's row per question, ``--groups`` teams
(default 5,000; about 8% hidden for their size and 3% secondarily) with a row per question each (so
5,000 teams are 200,000 finding rows), a response rate per team, and an ethnicity breakdown of 6 groups.
Then times, warm, ``--repeats`` times each, in process:

* ``service, cold``: ``plan_analysis`` for the first page of 50 teams sorted by name with nothing
  remembered (headlines, sections, the groups hidden per breakdown and one aggregate per team for the
  ordering, then that page's findings and rates): the first view of a new analysis;
* ``service``: the same, warm: the aggregates are remembered per stored run (plans.services.analysis_memo);
* ``service, by difference, middle page``: sorted by mean difference, a page in the middle (warm);
* ``page``: the whole HTML page (service and template, ~2,000 heatmap cells) through the app's test
  client, signed in as a coordinator; ``json``: the JSON twin the same way.

The data goes into a temporary SQLite file or a PostgreSQL schema of its own (``bench_analysis_page``),
dropped at the end.

    python -m bench.analysis_page [--db sqlite|postgresql|both] [--groups 5000] [--repeats 10] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, text

from bench._common import RESULTS, machine, summary

PG_BASE = os.environ.get("COPRODUCE_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SCHEMA = "bench_analysis_page"
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "citizen-voice-workforce.yaml"
QUESTIONS = [f"Q{i:02d}" for i in range(1, 41)]
ETHNICITY = ["White", "Asian", "Black", "Mixed", "Other", "Prefer not to say"]
BATCH = 10_000


def _row(
    survey_id: int, breakdown: str, group: str, q: str, respondents: int, n: int, positive: int | None,
    reason: str | None,
) -> dict[str, Any]:  # fmt: skip
    from evaluation.findings import wilson_interval

    shown = positive is not None
    low, high = wilson_interval(positive, n) if positive is not None else (None, None)
    return {
        "survey_id": survey_id, "breakdown": breakdown, "group_label": group, "question_id": q,
        "respondents": respondents, "n": n if shown else None,
        "positive": positive, "pct_positive": positive / n if positive is not None else None, "ci_low": low,
        "ci_high": high, "suppressed": not shown, "reason": reason,
        "distribution": [positive, 0, 0, 0, n - positive] if positive is not None else None, "change": None,
    }  # fmt: skip


def seed(url: str, groups: int, rng_seed: int = 7) -> tuple[int, int]:
    """The plan and its analysed survey; returns (plan id, finding rows written)."""
    from plans.db import engine_for, session_scope
    from plans.domain.survey_definition import AGREEMENT, AGREEMENT_POSITIVE
    from plans.files import load_plan_file
    from plans.models import Survey, SurveyKind
    from plans.models.analysis import SurveyAnalysis, SurveyGroupFinding, SurveyResponseRate, SurveySectionFinding
    from plans.services.actors import SYSTEM
    from plans.services.plan_setup import create_plan

    rng = random.Random(rng_seed)
    engine = engine_for(url)
    now = datetime.now(UTC)
    with session_scope(engine) as s:
        plan_id = create_plan(s, spec=load_plan_file(EXAMPLE), actor=SYSTEM, now=now).id
    sections = [{"id": f"s{i}", "title": f"Section {i}"} for i in range(1, 5)]
    questions = [
        {"id": q, "section": f"s{i // 10 + 1}", "type": "agreement", "text": f"Statement {q}.",
         "answers": list(AGREEMENT), "positive": list(AGREEMENT_POSITIVE)}
        for i, q in enumerate(QUESTIONS)
    ]  # fmt: skip
    with engine.begin() as c:
        survey_id = c.execute(
            insert(Survey).returning(Survey.id),
            {"plan_id": plan_id, "kind": SurveyKind.BASELINE, "title": "Large survey", "questions": questions,
             "definition": {"sections": sections}, "target_rate": 0.6, "opens_at": now - timedelta(days=30),
             "closes_at": now - timedelta(days=2), "closed_at": now - timedelta(days=2)},
        ).scalar_one()  # fmt: skip
        share = {q: rng.uniform(0.3, 0.8) for q in QUESTIONS}
        rows = [
            _row(survey_id, "overall", "all", q, 100_000, 100_000, int(100_000 * share[q]), None) for q in QUESTIONS
        ]
        rates = []
        for g in range(groups):
            team = f"T{g:05d}"
            size = rng.randint(3, 60)
            hide = "primary: small" if size < 11 else ("secondary: protects a team" if rng.random() < 0.03 else None)
            lift = rng.gauss(0, 0.1)
            for q in QUESTIONS:
                n = max(1, size - rng.randint(0, 2))
                p = min(1.0, max(0.0, share[q] + lift + rng.gauss(0, 0.05)))
                rows.append(_row(survey_id, "team", team, q, size, n, None if hide else round(p * n), hide))
            eligible = size + rng.randint(0, 20)
            rates.append({"survey_id": survey_id, "breakdown": "team", "group_label": team, "eligible": eligible,
                          "responses": size, "rate": size / eligible, "change": None})  # fmt: skip
        for e in ETHNICITY:
            rows += [_row(survey_id, "ethnicity", e, q, 5000, 5000, int(5000 * share[q]), None) for q in QUESTIONS]
        for start in range(0, len(rows), BATCH):
            c.execute(insert(SurveyGroupFinding), rows[start : start + BATCH])
        for start in range(0, len(rates), BATCH):
            c.execute(insert(SurveyResponseRate), rates[start : start + BATCH])
        c.execute(
            insert(SurveySectionFinding),
            [{"survey_id": survey_id, "breakdown": "overall", "group_label": "all", "section_id": s["id"],
              "questions": 10, "mean_pct_positive": 0.55, "suppressed": False} for s in sections],
        )  # fmt: skip
        c.execute(
            insert(SurveyAnalysis),
            {"survey_id": survey_id, "baseline_survey_id": None, "analysed_at": now, "threshold": 11,
             "comment_threshold": 20, "respondents": 100_000, "breakdowns": [["team"], ["ethnicity"]],
             "duration_ms": 0},
        )  # fmt: skip
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("ANALYZE survey_group_findings, survey_response_rates"))
    return plan_id, len(rows)


def measure_db(url: str, plan_id: int, groups: int, repeats: int) -> dict[str, Any]:
    """Milliseconds per call (median, min, max, spread) of each way the page is asked for, warm."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.deps import SESSION_COOKIE
    from plans.config import settings
    from plans.db import engine_for, session_scope
    from plans.models import Role
    from plans.services import analysis_memo
    from plans.services.analysis_views import plan_analysis
    from plans.services.auth import start_session
    from plans.services.users import add_user

    engine = engine_for(url)
    settings.database_url = url
    middle = max(1, groups // 50 // 2)
    with session_scope(engine) as s:
        person, _ = add_user(s, email="bench@example.org", name="Bench", roles=(Role.COORDINATOR,), password=None,
                             now=datetime.now(UTC))  # fmt: skip
        cookie = start_session(s, person_id=person.id, method="bench", now=datetime.now(UTC))
    client = TestClient(create_app(), base_url="https://testserver")
    client.cookies.set(SESSION_COOKIE, cookie)

    def service(**kw: Any) -> Callable[[], Any]:
        def call() -> Any:
            with session_scope(engine) as s:
                return plan_analysis(s, plan_id=plan_id, kind="baseline", **kw)

        return call

    def get(path: str) -> Callable[[], Any]:
        def call() -> Any:
            response = client.get(path)
            assert response.status_code == 200, response.text[:500]
            return response

        return call

    def cold() -> Any:
        analysis_memo.forget()
        return service()()

    calls = {
        "service, cold": cold,
        "service": service(),
        "service, by difference, middle page": service(sort="difference", order="desc", page=middle),
        "page": get(f"/plans/{plan_id}/analysis"),
        "page, by difference, middle page": get(f"/plans/{plan_id}/analysis?sort=difference&order=desc&page={middle}"),
        "json": get(f"/api/v1/plans/{plan_id}/analysis"),
    }
    out: dict[str, Any] = {}
    for name, call in calls.items():
        result = call()  # warm-up
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            call()
            times.append((time.perf_counter() - start) * 1000)
        out[name] = {k: round(v, 1) if isinstance(v, float) else v for k, v in summary(times).items()}
        if name == "page":
            out["page_kb"] = round(len(result.content) / 1024)
    return out


def run(which: str, groups: int, repeats: int) -> dict[str, Any]:
    from plans.db import engine_for
    from plans.migrations import upgrade

    results: dict[str, Any] = {}
    if which in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            upgrade(url)
            start = time.perf_counter()
            plan_id, rows = seed(url, groups)
            results["sqlite"] = {"seeded_s": round(time.perf_counter() - start, 1), "finding_rows": rows,
                                 **measure_db(url, plan_id, groups, repeats)}  # fmt: skip
            engine_for(url).dispose()
    if which in ("postgresql", "both"):
        admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
            c.execute(text(f'CREATE SCHEMA "{SCHEMA}"'))
        url = f"{PG_BASE}?options=-csearch_path%3D{SCHEMA}"
        try:
            upgrade(url)
            start = time.perf_counter()
            plan_id, rows = seed(url, groups)
            results["postgresql"] = {"seeded_s": round(time.perf_counter() - start, 1), "finding_rows": rows,
                                     **measure_db(url, plan_id, groups, repeats)}  # fmt: skip
        finally:
            engine_for(url).dispose()
            with admin.connect() as c:
                c.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
            admin.dispose()
    return results


def measure(db: str = "both", groups: int = 5000, repeats: int = 10) -> dict[str, Any]:
    """Seed and time on each database asked for (``db``: sqlite, postgresql or both); the report."""
    return {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "groups": groups,
        "questions": len(QUESTIONS),
        "repeats": repeats,
        "results": run(db, groups, repeats),
    }


def rows(res: dict[str, Any]) -> list[tuple[str, str, str, str, str, bool | None]]:
    """(figure, value, reference, ratio, goal, goal met) for ``python -m bench``'s table (no goal was set);
    each figure's reference is the warm service call, measured in the same run."""
    out: list[tuple[str, str, str, str, str, bool | None]] = []
    for dialect, got in res["results"].items():
        service = got["service"]["median"]
        teams = f"{res['groups']:,} teams"
        for name, what in (
            ("service, cold", "analysis page's service, first view"),
            ("service", "analysis page's service, warm"),
            ("page", f"analysis page, HTML ({got.get('page_kb', '?')} KB)"),
            ("json", "analysis, JSON"),
        ):
            x = got[name]
            ref = "-" if name == "service" else f"service, warm {service:.0f} ms"
            ratio = "-" if name == "service" else f"{x['median'] / service:.1f}x"
            out.append(
                (f"[{dialect}] {what}, {teams} (median of {x['n']})", f"{x['median']:.0f} ms", ref, ratio, "-", None)
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--groups", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--json", type=Path, default=RESULTS / "analysis_page.json")
    args = parser.parse_args()
    report = measure(args.db, args.groups, args.repeats)
    print(json.dumps(report, indent=2))
    args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
