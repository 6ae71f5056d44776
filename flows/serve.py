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
    serve(*runner_deployments(), print_starting_message=False, limit=int(os.environ.get("COPRODUCE_SERVE_LIMIT", "4")))


if __name__ == "__main__":
    main()
