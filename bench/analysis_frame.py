"""Reading a closed survey's stored responses into the analysis's responses frame, on SQLite and PostgreSQL.

Seeds one organisation (20 directorates, 100 sub-directorates, 2,000 teams below them: three levels),
one closed survey of 40 agreement questions, a free-text and a multiple-choice question and three
demographics, and ``--responses`` responses (default 100,000) spread over the teams, each with a few
blanks. Then times, warm, ``--repeats`` times each, the ways the JSON can leave the database:

* ``json_text``: each response's answers and demographics as JSON text, decoded by Polars
  (``str.json_decode`` to a struct, then unnested): three columns cross the driver per row;
* ``sql_columns``: one column per question and demographic extracted in SQL (``json_extract`` on SQLite,
  ``->>`` on PostgreSQL), rows fetched through the driver;
* ``copy_csv`` (PostgreSQL): the same SQL columns streamed by ``COPY ... TO STDOUT (FORMAT csv)`` and read
  by ``pl.read_csv``: no Python object per row or value;
* ``copy_json_text`` (PostgreSQL): the JSON text streamed by COPY and decoded by Polars;

and ``responses_frame``, the repository method as shipped (its chosen way plus the team hierarchy),
end to end; then the whole analysis service (``analyse_survey``: frame, pipeline, every group's rows
stored and committed), with the part spent storing. The data goes into a temporary SQLite file or a
PostgreSQL schema of its own (``bench_analysis_frame``), dropped at the end.

    python -m bench.analysis_frame [--db sqlite|postgresql|both] [--responses 100000] [--repeats 3] [--json PATH]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import create_engine, insert, text

from bench._common import RESULTS, machine, summary

PG_BASE = os.environ.get("COPRODUCE_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SCHEMA = "bench_analysis_frame"
SCALE = ["Strongly agree", "Agree", "Neither agree nor disagree", "Disagree", "Strongly disagree"]
QUESTIONS = [f"Q{i:02d}" for i in range(1, 41)]
DEMOGRAPHICS = {
    "staff_group": ["Nursing", "Medical", "Admin and clerical", "Allied health", "Estates", "Other"],
    "ethnicity": ["White", "Asian", "Black", "Mixed", "Other", "Prefer not to say"],
    "age_band": ["16-24", "25-34", "35-44", "45-54", "55+"],
}
BATCH = 5000


def survey_questions() -> list[dict[str, Any]]:
    """The survey's flattened questions: 40 agreement questions, a free-text and a multiple-choice one."""
    qs: list[dict[str, Any]] = [
        {
            "id": q,
            "section": f"s{(i // 10) + 1}",
            "type": "agreement",
            "text": f"Statement {q}.",
            "answers": SCALE,
            "positive": SCALE[:2],
        }
        for i, q in enumerate(QUESTIONS)
    ]
    qs.append(
        {"id": "C1", "section": "s4", "type": "free_text", "text": "Anything else?", "answers": [], "positive": []}
    )
    qs.append(
        {
            "id": "M1",
            "section": "s4",
            "type": "multiple_choice",
            "text": "Which apply?",
            "answers": ["a", "b", "c"],
            "positive": [],
        }
    )
    return qs


def seed(url: str, responses: int, rng_seed: int = 11) -> int:
    """One organisation, its three-level tree of teams, one closed survey and its responses; the survey's id."""
    from plans.db import engine_for
    from plans.models import Organisation, Person, Plan, Survey, SurveyKind, SurveyResponse, SurveyTeam, Team

    rng = random.Random(rng_seed)
    engine = engine_for(url)
    now = datetime.now(UTC)
    with engine.begin() as c:
        org = c.execute(
            insert(Organisation).returning(Organisation.id), {"code": "BENCH", "name": "Bench"}
        ).scalar_one()
        person = c.execute(
            insert(Person).returning(Person.id), {"organisation_id": org, "email": "c@bench.example", "name": "C"}
        ).scalar_one()
        plan = c.execute(
            insert(Plan).returning(Plan.id),
            {
                "organisation_id": org,
                "slug": "bench",
                "title": "Bench",
                "coordinator_id": person,
                "starts_on": date(2027, 1, 4),
            },
        ).scalar_one()
        definition = {"demographics": [{"id": d, "text": d, "options": o} for d, o in DEMOGRAPHICS.items()]}
        survey = c.execute(
            insert(Survey).returning(Survey.id),
            {
                "plan_id": plan,
                "kind": SurveyKind.BASELINE,
                "title": "Bench survey",
                "questions": survey_questions(),
                "definition": definition,
                "target_rate": 0.6,
                "opens_at": now - timedelta(days=30),
                "closes_at": now - timedelta(days=1),
                "closed_at": now - timedelta(days=1),
            },
        ).scalar_one()

        def team(code: str, parent: int | None) -> int:
            row = {"organisation_id": org, "code": code, "name": code, "parent_id": parent}
            return int(c.execute(insert(Team).returning(Team.id), row).scalar_one())

        directorates = [team(f"D{i:02d}", None) for i in range(20)]
        subs = [team(f"S{i:03d}", directorates[i % 20]) for i in range(100)]
        leaves = [team(f"T{i:04d}", subs[i % 100]) for i in range(2000)]
        c.execute(insert(SurveyTeam), [{"survey_id": survey, "team_id": t, "eligible": 80} for t in leaves])
        rows = []
        for _ in range(responses):
            answers: dict[str, Any] = {q: rng.choice(SCALE) for q in QUESTIONS if rng.random() > 0.05}
            if rng.random() < 0.2:
                answers["C1"] = 'Some words, with a comma and a "quote"\nover two lines.'
            if rng.random() < 0.5:
                answers["M1"] = ["a", "c"]
            demographics = {d: rng.choice(o) for d, o in DEMOGRAPHICS.items() if rng.random() > 0.1}
            rows.append(
                {
                    "survey_id": survey,
                    "team_id": rng.choice(leaves),
                    "answered_on": (now - timedelta(days=rng.randrange(28))).date(),
                    "channel": "invitation",
                    "answers": answers,
                    "demographics": demographics,
                }
            )
            if len(rows) == BATCH:
                c.execute(insert(SurveyResponse), rows)
                rows = []
        if rows:
            c.execute(insert(SurveyResponse), rows)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("ANALYZE survey_responses, teams"))
    return int(survey)


def _fields() -> list[tuple[str, str]]:
    """(JSON column, key) of every frame column read from the JSON (closed and free-text questions,
    demographics)."""
    return [("answers", q) for q in [*QUESTIONS, "C1"]] + [("demographics", d) for d in DEMOGRAPHICS]


def _fetch_json_text(dbapi: Any, dialect: str, survey_id: int) -> pl.DataFrame:
    cast = "::text" if dialect == "postgresql" else ""
    sql = f"SELECT team_id, answers{cast}, demographics{cast} FROM survey_responses WHERE survey_id = {survey_id}"
    cur = dbapi.cursor()
    cur.execute(sql)
    return pl.DataFrame(cur.fetchall(), schema=["team_id", "answers", "demographics"], orient="row")


def _schemas() -> tuple[dict[str, Any], dict[str, Any]]:
    return {q: pl.String for q in [*QUESTIONS, "C1"]}, {k: pl.String for k in DEMOGRAPHICS}


def json_decode(dbapi: Any, dialect: str, survey_id: int) -> pl.DataFrame:
    raw = _fetch_json_text(dbapi, dialect, survey_id)
    a, d = _schemas()
    return raw.select(
        "team_id", pl.col("answers").str.json_decode(pl.Struct(a)), pl.col("demographics").str.json_decode(pl.Struct(d))
    ).unnest("answers", "demographics")


def json_text(dbapi: Any, dialect: str, survey_id: int) -> pl.DataFrame:
    raw = _fetch_json_text(dbapi, dialect, survey_id)
    a, d = _schemas()
    # JSON text holds no raw line break, so a column of it joined by newlines is NDJSON
    parts = [
        pl.read_ndjson(io.BytesIO("\n".join(raw[col].to_list()).encode()), schema=schema)
        for col, schema in (("answers", a), ("demographics", d))
    ]
    return pl.concat([raw.select("team_id"), *parts], how="horizontal")


def copy_ndjson(dbapi: Any, dialect: str, survey_id: int) -> pl.DataFrame:
    sql = (
        "SELECT json_build_object('t', team_id, 'a', answers, 'd', demographics) "
        f"FROM survey_responses WHERE survey_id = {survey_id}"
    )
    buf = io.BytesIO()
    # one column, CSV with a delimiter and quote JSON text never holds raw: each line is the JSON untouched
    with (
        dbapi.cursor() as cur,
        cur.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01')") as copy,
    ):
        for chunk in copy:
            buf.write(chunk)
    a, d = _schemas()
    buf.seek(0)
    frame = pl.read_ndjson(buf, schema={"t": pl.Int64, "a": pl.Struct(a), "d": pl.Struct(d)})
    return frame.rename({"t": "team_id"}).unnest("a", "d")


def sql_columns(dbapi: Any, dialect: str, survey_id: int) -> pl.DataFrame:
    if dialect == "postgresql":
        cols = [f"{col} ->> '{key}'" for col, key in _fields()]
    else:
        cols = [f"json_extract({col}, '$.\"{key}\"')" for col, key in _fields()]
    sql = f"SELECT team_id, {', '.join(cols)} FROM survey_responses WHERE survey_id = {survey_id}"
    cur = dbapi.cursor()
    cur.execute(sql)
    names = ["team_id", *[k for _, k in _fields()]]
    return pl.DataFrame(cur.fetchall(), schema=names, orient="row")


def copy_csv(dbapi: Any, dialect: str, survey_id: int) -> pl.DataFrame:
    cols = [f"{col} ->> '{key}' AS \"{key}\"" for col, key in _fields()]
    sql = f"SELECT team_id, {', '.join(cols)} FROM survey_responses WHERE survey_id = {survey_id}"
    buf = io.BytesIO()
    with dbapi.cursor() as cur, cur.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv, HEADER)") as copy:
        for chunk in copy:
            buf.write(chunk)
    names = ["team_id", *[k for _, k in _fields()]]
    schema = {n: (pl.Int64 if n == "team_id" else pl.String) for n in names}
    return pl.read_csv(buf.getvalue(), schema=schema)


def copy_json_text(dbapi: Any, dialect: str, survey_id: int) -> pl.DataFrame:
    sql = f"SELECT team_id, answers::text, demographics::text FROM survey_responses WHERE survey_id = {survey_id}"
    buf = io.BytesIO()
    with dbapi.cursor() as cur, cur.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy:
        for chunk in copy:
            buf.write(chunk)
    schema = {"team_id": pl.Int64, "answers": pl.String, "demographics": pl.String}
    raw = pl.read_csv(buf.getvalue(), has_header=False, new_columns=list(schema), schema=schema)
    a, d = _schemas()
    parts = [
        pl.read_ndjson(io.BytesIO("\n".join(raw[col].to_list()).encode()), schema=schema)
        for col, schema in (("answers", a), ("demographics", d))
    ]
    return pl.concat([raw.select("team_id"), *parts], how="horizontal")


WAYS: dict[str, Callable[[Any, str, int], pl.DataFrame]] = {
    "json_text": json_text,
    "json_decode": json_decode,
    "sql_columns": sql_columns,
    "copy_csv": copy_csv,
    "copy_json_text": copy_json_text,
    "copy_ndjson": copy_ndjson,
}


def measure_db(url: str, survey_id: int, repeats: int) -> dict[str, Any]:
    """Seconds per way (warm, ``repeats`` times each) and the frame's shape; the ways must agree."""
    from plans.db import engine_for, session_scope
    from plans.repositories.analysis import AnalysisRepository

    engine = engine_for(url)
    dialect = engine.dialect.name
    out: dict[str, Any] = {}
    frames: dict[str, pl.DataFrame] = {}
    for name, way in WAYS.items():
        if name.startswith("copy") and dialect != "postgresql":
            continue
        times = []
        for _ in range(repeats + 1):  # the first is a warm-up
            with engine.connect() as c:
                dbapi = c.connection.driver_connection
                start = time.perf_counter()
                frames[name] = way(dbapi, dialect, survey_id)
                times.append(time.perf_counter() - start)
        out[name] = summary(times[1:])
    reference = frames["json_text"].sort("team_id", *QUESTIONS)
    for name, frame in frames.items():
        assert frame.sort("team_id", *QUESTIONS).equals(reference), f"{name} disagrees with json_text"
    times = []
    for _ in range(repeats + 1):
        with session_scope(engine) as s:
            start = time.perf_counter()
            frame = AnalysisRepository(s).responses_frame(survey_id)
            times.append(time.perf_counter() - start)
    out["responses_frame"] = summary(times[1:])
    out["frame"] = {"rows": frame.height, "columns": frame.width, "mb": round(frame.estimated_size() / 2**20, 1)}
    out["analyse_survey"] = analyse_end_to_end(engine, survey_id, repeats)
    return out


def analyse_end_to_end(engine: Any, survey_id: int, repeats: int) -> dict[str, Any]:
    """The whole service as the flow's task runs it (frame, pipeline, every row stored, committed),
    ``repeats`` times: each after the first replaces the last analysis. Also the part spent storing."""
    from plans.db import session_scope
    from plans.repositories.analysis import AnalysisRepository
    from plans.services import analysis

    totals, stores = [], []
    original = AnalysisRepository.replace_results
    spent: list[float] = []

    def timed_replace(self: Any, **kwargs: Any) -> None:
        start = time.perf_counter()
        original(self, **kwargs)
        spent.append(time.perf_counter() - start)

    AnalysisRepository.replace_results = timed_replace  # type: ignore[method-assign]
    try:
        for _ in range(repeats):
            spent.clear()
            start = time.perf_counter()
            with session_scope(engine) as s:
                outcome = analysis.analyse_survey(s, survey_id=survey_id)
            totals.append(time.perf_counter() - start)
            stores.append(sum(spent))
    finally:
        AnalysisRepository.replace_results = original  # type: ignore[method-assign]
    return {
        "total_s": summary(totals),
        "storing_s": summary(stores),
        "findings_rows": outcome.findings,
        "sections_rows": outcome.sections,
        "respondents": outcome.respondents,
    }


def run(which: str, responses: int, repeats: int) -> dict[str, Any]:
    from plans.db import engine_for
    from plans.migrations import upgrade

    results: dict[str, Any] = {}
    if which in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            upgrade(url)
            start = time.perf_counter()
            sid = seed(url, responses)
            seeded = time.perf_counter() - start
            results["sqlite"] = {"seeded_s": round(seeded, 1), **measure_db(url, sid, repeats)}
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
            sid = seed(url, responses)
            seeded = time.perf_counter() - start
            results["postgresql"] = {"seeded_s": round(seeded, 1), **measure_db(url, sid, repeats)}
        finally:
            engine_for(url).dispose()
            with admin.connect() as c:
                c.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
            admin.dispose()
    return results


def measure(db: str = "both", responses: int = 100_000, repeats: int = 3) -> dict[str, Any]:
    """Seed and time on each database asked for (``db``: sqlite, postgresql or both); the report."""
    return {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "responses": responses,
        "repeats": repeats,
        "results": run(db, responses, repeats),
    }


def rows(res: dict[str, Any]) -> list[tuple[str, str, str, str, str, bool | None]]:
    """(figure, value, reference, ratio, goal, goal met) for ``python -m bench``'s table (no goal was set);
    the reference of ``responses_frame`` is the plainest way, JSON text decoded by Polars."""
    out: list[tuple[str, str, str, str, str, bool | None]] = []
    for dialect, got in res["results"].items():
        frame, ref = got["responses_frame"], got["json_decode"]
        whole, storing = got["analyse_survey"]["total_s"], got["analyse_survey"]["storing_s"]
        n = f"{res['responses']:,} responses"
        out.append(
            (
                f"[{dialect}] responses frame from the database, {n} (median of {frame['n']})",
                f"{frame['median']:.2f} s",
                f"JSON text + str.json_decode {ref['median']:.2f} s",
                f"{frame['median'] / ref['median']:.2f}x",
                "-",
                None,
            )
        )
        out.append(
            (
                f"[{dialect}] whole analysis of {n}, stored (median of {whole['n']})",
                f"{whole['median']:.2f} s",
                f"of which storing {storing['median']:.2f} s",
                "-",
                "-",
                None,
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path, default=RESULTS / "analysis_frame.json")
    args = parser.parse_args()
    report = measure(args.db, args.responses, args.repeats)
    print(json.dumps(report, indent=2))
    args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
