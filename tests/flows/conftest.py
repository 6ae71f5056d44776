"""The flow tests run against a real Prefect API (see tests/prefect_stack.py)."""

from tests.prefect_stack import (  # noqa: F401 (fixtures and helpers used by the flow tests)
    all_final,
    lifecycle_runs,
    plan_uid,
    prefect_api,
    served,
    start_run,
    wait_for,
)
