"""A flow that does nothing, deployed to the same work pool as the lifecycle flow: what one flow run
costs Prefect alone (the worker's pick-up, a new process, imports, the state changes), the reference
``bench.throughput`` compares the lifecycle's cost per stage transition with."""

from __future__ import annotations

from prefect import flow

# a prefect.yaml deployment entry, added to the production ones by bench.cluster (never to prefect.yaml)
DEPLOYMENT = {
    "name": "bare",
    "entrypoint": "bench/bare_flow.py:bare",
    "description": "Does nothing: the benchmarks' reference flow run.",
    "tags": ["bench"],
    "parameters": {},
    "work_pool": {"name": "coproduce", "work_queue_name": "default"},
    "schedules": [],
}
NAME = "bare/bare"


@flow(name="bare")
def bare() -> None:
    """Nothing at all: only Prefect's own work is left to time."""
