"""Serve every deployment in prefect.yaml from this process: ``python -m flows.serve``.

Used by ``coproduce up`` and ``coproduce demo`` (no work pool needed). Needs PREFECT_API_URL to point
at a running server: in ephemeral mode each flow-run subprocess would start a server of its own.
"""

from __future__ import annotations

import os
import sys

from prefect import serve

from flows.deployments import runner_deployments


def main() -> None:
    if not os.environ.get("PREFECT_API_URL"):
        sys.exit("flows.serve: set PREFECT_API_URL to a running Prefect server first")
    # COPRODUCE_SERVE_SCHEDULES=0 serves without schedules (tests drive runs themselves)
    with_schedules = os.environ.get("COPRODUCE_SERVE_SCHEDULES", "1") != "0"
    limit = int(os.environ.get("COPRODUCE_SERVE_LIMIT", "4"))
    serve(*runner_deployments(with_schedules=with_schedules), print_starting_message=False, limit=limit)


if __name__ == "__main__":
    main()
