"""Test databases on SQLite and PostgreSQL, built by the real migrations.

Every test that takes ``db`` runs twice: once on a SQLite file, once on PostgreSQL (127.0.0.1:5432,
database ``test``, a schema of its own per test session). Without a reachable PostgreSQL the second
half is skipped and the run says so loudly at the end; with ``COPRODUCE_REQUIRE_POSTGRES=1`` (as
``.ci/run`` sets) its absence is a failure instead.
"""

from __future__ import annotations

import json
import os

# the cheapest argon2 parameters: tests hash passwords by the hundred (production keeps the default cost)
os.environ.setdefault("COPRODUCE_PASSWORD_HASH_MEMORY_KIB", "1024")
os.environ.setdefault("COPRODUCE_PASSWORD_HASH_TIME_COST", "1")
# a fixed survey-link secret, so tests derive the same tokens as the app they start
os.environ.setdefault("COPRODUCE_SECRET_KEY", "test-secret-not-for-production")
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from plans.config import settings
from plans.db import engine_for
from plans.migrations import upgrade
from plans.models import Base
from tests.mail_server import smtp_server  # noqa: F401 (a real SMTP server for any test that asks for it)

PG_BASE = os.environ.get("COPRODUCE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("COPRODUCE_REQUIRE_POSTGRES") == "1"
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "citizen-voice-workforce.yaml"
SMALL_PLAN = Path(__file__).resolve().parent / "fixtures" / "small-plan.yaml"

_pg_problem: str | None = None
_pg_skipped = 0


def _postgres_problem() -> str | None:
    try:
        with create_engine(PG_BASE, connect_args={"connect_timeout": 3}).connect() as c:
            c.execute(text("select 1"))
    except Exception as exc:  # any failure to connect means: no PostgreSQL here
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    return None


@dataclass(frozen=True)
class Database:
    """A migrated, empty database for one test; ``url`` is what COPRODUCE_DATABASE_URL would hold."""

    url: str
    dialect: str


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    engine_for(f"sqlite:///{path}").dispose()  # closing the last connection checkpoints the WAL into the file
    return path


@pytest.fixture(scope="session")
def pg_schema() -> Iterator[str]:
    global _pg_problem
    _pg_problem = _postgres_problem()
    if _pg_problem is not None:
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL is required (COPRODUCE_REQUIRE_POSTGRES=1) but unreachable: {_pg_problem}")
        pytest.skip(f"PostgreSQL not reachable at {PG_BASE}: {_pg_problem}")
    schema = f"coproduce_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    # commits do not wait for the WAL to reach the disk (a crash could lose the last ones, which a test's
    # throwaway schema never minds): write transactions take half the time (7.3 -> 3.2 ms on a busy box)
    url = f"{PG_BASE}?options=-csearch_path%3D{schema}%20-csynchronous_commit%3Doff"
    upgrade(url)
    yield url
    engine_for(url).dispose()
    with admin.connect() as c:
        c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _empty_all(url: str) -> None:
    """Every table emptied and every id sequence restarted, as a fresh migration leaves them, in one round
    trip. DELETE in reverse dependency order, not TRUNCATE: TRUNCATE makes new files for all 57 tables
    and took 260-370 ms per test here, this takes about 30 ms (a test's few rows are cheap to delete)."""
    deletes = " ".join(f'DELETE FROM "{t.name}";' for t in reversed(Base.metadata.sorted_tables))
    restart = (
        "FOR r IN SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema() LOOP "
        "EXECUTE 'ALTER SEQUENCE ' || quote_ident(r.sequencename) || ' RESTART'; END LOOP;"
    )
    with engine_for(url).begin() as c:
        c.exec_driver_sql(f"DO $$ DECLARE r record; BEGIN {deletes} {restart} END $$")


@pytest.fixture
def share_flow_server() -> bool:
    """Whether tests/prefect_stack.py's flow server outlives the test, for the next on the same database."""
    return False


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Path:
    """Where the SQLite half of ``db`` puts its file (the flow tests keep one path, see tests/flows)."""
    return tmp_path / "coproduce.db"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """An empty migrated database, on SQLite and then on PostgreSQL; ``settings`` point at it."""
    if request.param == "sqlite":
        path: Path = request.getfixturevalue("sqlite_file")
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        database = Database(f"sqlite:///{path}", "sqlite")
    else:
        url = request.getfixturevalue("pg_schema")
        _empty_all(url)
        database = Database(url, "postgresql")
    monkeypatch.setattr(settings, "database_url", database.url)
    yield database
    if database.dialect == "sqlite":
        engine_for(database.url).dispose()


@pytest.fixture(autouse=True)
def _no_wake_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """Services wake flows only in the tests that run a Prefect API and ask for it."""
    monkeypatch.setattr(settings, "wake_flows", False)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one worker per core, at most four. Each worker that runs flow or browser tests starts
    its own Prefect server (about 300 MB and 10 s), so more workers than that cost more than they save;
    ``-n 0`` runs everything in one process (for a debugger)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(4, cores))


# The page and API tests run on SQLite only, but for these modules: every route's own SQL meets PostgreSQL
# in the permission matrix (each allowed request) and the OpenAPI fuzz; the inbox counts its queries on
# both. The services and repositories (tests/db) and the flows run on both databases throughout.
API_ON_BOTH = frozenset({"test_permission_matrix.py", "test_openapi_fuzz.py", "test_inbox_pages.py"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave out the PostgreSQL half of the page tests (tests/api) outside ``API_ON_BOTH``, about 100 s of
    the suite's worker time for SQL the matrix and the fuzz already run on PostgreSQL; a test that asks
    for PostgreSQL by name (``parametrize("db", ["postgresql"], indirect=True)``) keeps it."""
    kept, left_out = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_pg = callspec is not None and callspec.params.get("db") == "postgresql"
        by_name = any(m.args and m.args[0] == "db" for m in item.iter_markers("parametrize"))
        if on_pg and item.path.parent.name == "api" and item.path.name not in API_ON_BOTH and not by_name:
            left_out.append(item)
        else:
            kept.append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
    items[:] = longest_files_first(kept) if hasattr(config, "workerinput") else kept  # only xdist's order


# Seconds each test file took in a whole run on two workers (setup and teardown included), the files of
# 3 s and more: `python -m tests.file_seconds JUNIT_XML` writes it from `pytest --junitxml=JUNIT_XML`.
FILE_SECONDS_PATH = Path(__file__).with_name("file_seconds.json")


def longest_files_first(items: list[pytest.Item]) -> list[pytest.Item]:
    """The items with the longest files first (each file's own order kept), the unlisted ones after in
    their collection order.

    xdist (``--dist loadfile --no-loadscope-reorder``) hands whole files to workers in this order, each
    worker taking the next when it is free: longest first leaves only short files for the end, so the
    two workers finish together. xdist's own order (most tests first) left the one-test files that take
    a minute (``test_up``, the Prefect restart, the browser journeys) to the end, one worker alone."""
    seconds: dict[str, float] = json.loads(FILE_SECONDS_PATH.read_text()) if FILE_SECONDS_PATH.is_file() else {}
    # a node id starts with its file's path from the root directory (pyproject.toml's), as the JSON names
    # it; the sort is stable, so a file's own items keep their order
    return sorted(items, key=lambda item: -seconds.get(item.nodeid.split("::")[0], 0.0))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    global _pg_skipped
    if report.skipped and "postgresql" in report.nodeid:
        _pg_skipped += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _pg_skipped:
        terminalreporter.write_sep("!", "PostgreSQL NOT TESTED", red=True, bold=True)
        terminalreporter.write_line(
            f"{_pg_skipped} PostgreSQL test(s) were SKIPPED: {_pg_problem or 'PostgreSQL unreachable'}.\n"
            f"Start PostgreSQL (127.0.0.1:5432, database test) or set COPRODUCE_TEST_POSTGRES to a URL. "
            f"CI (.ci/run) treats this as a failure."
        )
