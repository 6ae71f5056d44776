"""The flow tests run against a real Prefect API (see tests/prefect_stack.py), and share one flow server per
database: the SQLite half of ``db`` is always the same path, emptied for each test."""

from pathlib import Path

import pytest

from tests.prefect_stack import (  # noqa: F401 (fixtures and helpers used by the flow tests)
    all_final,
    lifecycle_runs,
    plan_uid,
    prefect_api,
    served,
    start_run,
    wait_for,
)


@pytest.fixture
def share_flow_server() -> bool:
    """Keep the flow server between flow tests (tests/prefect_stack.py waits for every run to end first)."""
    return True


@pytest.fixture
def sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One path for every flow test's SQLite database (a fresh copy of the template each time), so the
    flow server started for the first test serves the next ones too."""
    path = tmp_path_factory.getbasetemp() / "flows-shared" / "coproduce.db"
    path.parent.mkdir(exist_ok=True)
    for old in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        old.unlink(missing_ok=True)  # a stale write-ahead log would be replayed into the new copy
    return path


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The flow tests on SQLite first, then those on PostgreSQL (each keeps its order), so that a kept flow
    server serves a run of tests rather than being swapped at every test."""
    here = Path(__file__).parent
    slots = [i for i, item in enumerate(items) if here in item.path.parents]

    def on_postgresql(item: pytest.Item) -> bool:
        callspec = getattr(item, "callspec", None)
        return callspec is not None and callspec.params.get("db") == "postgresql"

    for slot, item in zip(slots, sorted((items[i] for i in slots), key=on_postgresql), strict=True):
        items[slot] = item
