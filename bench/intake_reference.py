"""The reference for ``bench.intake``: a bare FastAPI app that stores each posted body with one INSERT, on the
same database, engine settings (``plans.db.engine_for``), server and client as the real intake. What the
real intake costs beyond this is the price of its checks, its lookups and its counter.

    uvicorn --factory bench.intake_reference:create_app
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from sqlalchemy import BigInteger, Column, Date, MetaData, String, Table
from sqlalchemy.dialects.postgresql import JSONB

from plans.db import get_engine

metadata = MetaData()
reference_rows = Table(
    "bench_intake_reference",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("token", String(64)),
    Column("day", Date),
    Column("body", JSONB),
)


def create_app() -> FastAPI:
    """POST /r/{token}: one INSERT of the JSON body, committed, then 201."""
    app = FastAPI()
    engine = get_engine()
    insert = reference_rows.insert()

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/r/{token}", status_code=201)
    def store(token: str, body: dict[str, Any]) -> dict[str, bool]:
        with engine.begin() as connection:
            connection.execute(insert, {"token": token, "day": datetime.now(UTC).date(), "body": body})
        return {"recorded": True}

    return app
