"""The app as a long-running server builds it: ``create_app`` plus a one-off garbage-collector freeze.

The web app's p95 was its p50 plus one full garbage collection (about 100 ms over some 212,000 objects,
70,000 of them Prefect's, imported lazily by the first plan page). Importing those modules up front and
freezing everything alive at start-up moves them out of the collector's view for the life of the
process (docs/performance.md, dashboard section). Tests build apps with ``create_app`` directly and skip
this: a full collection per test app would only slow the suite.
"""

from __future__ import annotations

import gc

from fastapi import FastAPI

from api.app import create_app


def create_served_app() -> FastAPI:
    """The application for uvicorn (``--factory api.server:create_served_app``)."""
    app = create_app()
    import prefect.settings  # noqa: F401  (what the plan page would import on first use; see above)

    gc.collect()
    gc.freeze()
    return app
