"""Outbox delivery throughput: messages per second from a national-scale outbox to a real SMTP server.

Data: ``--messages`` (default 1,000,000) survey invitations written set-wise into a fresh database
(PostgreSQL schema ``bench_delivery`` at 127.0.0.1:5432/test, dropped at the end; or a SQLite file in a
temporary folder), all sharing one stored body, each with its personal survey link filled in at send
time, as ``enqueue_shared`` writes them.

Server: aiosmtpd in a process of its own (``python -m bench.delivery --smtp-server``), counting what
it accepts and discarding it, on a free 127.0.0.1 port.

Measured: ``plans.delivery.deliver_due`` as ``coproduce mail send`` runs it (senders claiming batches
with a lease, one SMTP connection each, every message marked sent in its own transaction), in this
process, for ``--seconds`` a round: messages/s per round, the median of ``--rounds``, with one
connection and with ``--connections`` (the default of ``delivery_connections``); and the share of the
senders' time spent claiming. Twice: at the head of the full outbox, and again after half of it is
marked sent (as halfway through sending a million invitations). At the end the server's count must
equal the messages marked sent and the messages the runs reported. Reference, same run and server:
bare ``smtplib`` sending prebuilt messages of the same size over one connection, no database at all.

    python -m bench.delivery [--db postgresql|sqlite|both] [--messages 1000000] [--seconds 10]
                             [--rounds 3] [--batch 500] [--connections 4] [--due-index] [--json PATH]

``--due-index`` first adds a partial index ``(next_attempt_at, id) WHERE sent_at IS NULL`` to the
bench's database (not in the migrations): it measures what the claim costs with one.
"""

from __future__ import annotations

import argparse
import json
import os
import smtplib
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench._common import RESULTS, ROOT, machine, summary

PG_BASE = os.environ.get("COPRODUCE_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SCHEMA = "bench_delivery"
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


# the SMTP server process ---------------------------------------------------------------------------


def serve_smtp() -> None:
    """Run aiosmtpd on a free port; print the port, then answer each line on stdin with the count of
    messages accepted so far; stop at end of input."""
    from aiosmtpd.controller import Controller

    from tests.mail_server import _free_port

    class Counter:
        accepted = 0

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            Counter.accepted += 1
            return "250 OK"

    port = _free_port()
    controller = Controller(Counter(), hostname="127.0.0.1", port=port)
    controller.start()
    print(port, flush=True)
    for _ in sys.stdin:
        print(Counter.accepted, flush=True)
    controller.stop()


@contextmanager
def smtp_server() -> Iterator[tuple[int, Callable[[], int]]]:
    """The server process; yields its port and a function asking how many messages it accepted."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.delivery", "--smtp-server"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    stdin, stdout = process.stdin, process.stdout

    def accepted() -> int:
        stdin.write("count\n")
        stdin.flush()
        return int(stdout.readline())

    try:
        yield int(stdout.readline()), accepted
    finally:
        stdin.close()
        process.wait(timeout=30)


# the database -------------------------------------------------------------------------------------


@contextmanager
def database(dialect: str) -> Iterator[str]:
    """A fresh, migrated database of the bench's own; dropped afterwards."""
    from sqlalchemy import create_engine, text

    from plans.db import engine_for
    from plans.migrations import upgrade

    if dialect == "sqlite":
        with tempfile.TemporaryDirectory(prefix="bench-delivery-") as folder:
            url = f"sqlite:///{Path(folder) / 'outbox.db'}"
            upgrade(url)
            try:
                yield url
            finally:
                engine_for(url).dispose()
        return
    admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        c.execute(text(f'CREATE SCHEMA "{SCHEMA}"'))
    url = f"{PG_BASE}?options=-csearch_path%3D{SCHEMA}"
    try:
        upgrade(url)
        yield url
    finally:
        engine_for(url).dispose()
        with admin.connect() as c:
            c.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        admin.dispose()


def fill(url: str, messages: int) -> float:
    """``messages`` survey invitations sharing one body, written set-wise; seconds taken."""
    from sqlalchemy import Integer, String, cast, func, insert, literal, select, text
    from sqlalchemy.orm import Session

    from plans.db import engine_for
    from plans.models import OutboxMessage
    from plans.models.base import UTCDateTime
    from plans.repositories.outbox import OutboxRepository
    from plans.services.outbox import SURVEY_LINK_PLACEHOLDER

    started = time.monotonic()
    engine = engine_for(url)
    with Session(engine) as s:
        body_id = OutboxRepository(s).body_id(
            "Your staff survey: tell us how it is",
            f"Dear colleague,\n\nPlease answer the staff survey (10 minutes): {SURVEY_LINK_PLACEHOLDER}\n"
            "Nobody can tell who said what.\n",
            f"<p>Dear colleague,</p><p><a href='{SURVEY_LINK_PLACEHOLDER}'>Answer the staff survey</a></p>",
        )
        s.commit()
    if engine.dialect.name == "postgresql":
        numbers = select(func.generate_series(1, messages).label("n")).subquery()
    else:
        seed = select(literal(1).label("n")).cte("numbers", recursive=True)
        numbers = seed.union_all(select(seed.c.n + 1).where(seed.c.n < messages))  # type: ignore[assignment]
    n = cast(numbers.c.n, String)
    now = literal(NOW - timedelta(days=1), UTCDateTime())  # due, and unlike any time a sender marks
    source = select(
        literal("survey-invitation:1:") + n,
        literal("survey_invitation"),
        literal("staff") + n + literal("@example.org"),
        literal(body_id, Integer),
        literal("invitation:1:") + n,
        now,
        now,
        literal(0),
    )
    columns = ["idempotency_key", "kind", "to_address", "body_id", "link_ref", "created_at", "next_attempt_at"]
    with engine.begin() as c:
        c.execute(insert(OutboxMessage).from_select([*columns, "attempts"], source))
        c.execute(text("ANALYZE"))
    return time.monotonic() - started


def add_due_index(url: str) -> None:
    from sqlalchemy import text

    from plans.db import engine_for

    with engine_for(url).begin() as c:
        c.execute(text("CREATE INDEX bench_outbox_due ON outbox_messages (next_attempt_at, id) WHERE sent_at IS NULL"))
        c.execute(text("ANALYZE"))


def mark_half_sent(url: str, messages: int) -> None:
    """Mark the older half of the outbox sent, set-wise: as halfway through a national send."""
    from sqlalchemy import text

    from plans.db import engine_for

    with engine_for(url).begin() as c:
        c.execute(
            text("UPDATE outbox_messages SET sent_at = created_at, attempts = 1 WHERE sent_at IS NULL AND id <= :h"),
            {"h": messages // 2},
        )
        c.execute(text("ANALYZE"))


# measurements -------------------------------------------------------------------------------------


def one_round(seconds: float, batch: int, connections: int) -> dict[str, float]:
    """Send through ``plans.delivery.deliver_due`` for about ``seconds``: messages/s, and the share of
    the senders' time spent claiming."""
    import threading

    from plans.delivery import deliver_due
    from plans.repositories.outbox import OutboxRepository

    claim_due = OutboxRepository.claim_due
    claiming = 0.0
    lock = threading.Lock()

    def timed_claim(self: OutboxRepository, *a: Any, **k: Any) -> list[int]:
        nonlocal claiming
        t = time.perf_counter()
        try:
            return claim_due(self, *a, **k)
        finally:
            with lock:
                claiming += time.perf_counter() - t

    OutboxRepository.claim_due = timed_claim  # type: ignore[method-assign]
    try:
        started = time.perf_counter()
        done = deliver_due(NOW, batch, max_seconds=seconds, connections=connections)
        wall = time.perf_counter() - started
    finally:
        OutboxRepository.claim_due = claim_due  # type: ignore[method-assign]
    if done.stopped or done.failed:
        raise SystemExit(f"bench.delivery: the run did not go cleanly: {done}")
    return {
        "sent": done.sent,
        "seconds": wall,
        "per_second": done.sent / wall,
        "claim_share": claiming / wall / connections,
    }


def bare_smtp(port: int, send: int) -> float:
    """Messages/s of smtplib alone over one connection, the same size of message, no database."""
    from plans.config import settings
    from plans.services.outbox import Rendered
    from plans.smtp import build

    content = Rendered("Your staff survey", "Please answer: https://example.org/s/" + "x" * 43 + "\n", "<p>x</p>")
    data = [
        build(key=f"bare:{i}", to=f"bare{i}@example.org", created_at=NOW, content=content, cfg=settings)
        for i in range(send)
    ]
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as s:
        for i, message in enumerate(data):
            s.sendmail("coproduce@localhost", [f"bare{i}@example.org"], message)
    return send / (time.perf_counter() - started)


def measure_db(dialect: str, a: argparse.Namespace, echo: Callable[[str], None]) -> dict[str, Any]:
    from sqlalchemy import text

    from plans.config import settings
    from plans.db import engine_for

    out: dict[str, Any] = {"dialect": dialect, "messages": a.messages, "batch": a.batch, "due_index": a.due_index}
    out["connections"] = sorted({1, a.connections})
    with database(dialect) as url, smtp_server() as (port, accepted):
        settings.database_url, settings.smtp_host, settings.smtp_port = url, "127.0.0.1", port
        settings.secret_key = "bench-secret"
        echo(f"{dialect}: filling {a.messages:,} messages ...")
        out["fill_seconds"] = round(fill(url, a.messages), 1)
        if a.due_index:
            add_due_index(url)
        echo(f"  filled in {out['fill_seconds']} s")
        sent = one_round(1.0, a.batch, 1)["sent"]  # warm-up: imports, connection pool, first claims
        for phase in ("head", "halfway"):
            if phase == "halfway":
                mark_half_sent(url, a.messages)
            for connections in out["connections"]:
                rounds = []
                for r in range(a.rounds):
                    rounds.append(one_round(a.seconds, a.batch, connections))
                    sent += rounds[-1]["sent"]
                    echo(
                        f"  {phase}, {connections} connection(s), round {r + 1}: "
                        f"{rounds[-1]['per_second']:.0f} messages/s, claiming {rounds[-1]['claim_share']:.0%}"
                    )
                out[f"{phase}/{connections}"] = {
                    "per_second": summary([x["per_second"] for x in rounds]),
                    "claim_share": summary([x["claim_share"] for x in rounds]),
                }
        received = accepted()
        with engine_for(url).connect() as c:
            marked = c.scalar(text("SELECT count(*) FROM outbox_messages WHERE sent_at <> created_at"))
        out["server_accepted"], out["marked_sent"] = received, marked
        if not received == marked == sent:
            raise SystemExit(f"bench.delivery: the server accepted {received}, {marked} marked, {sent} reported sent")
        bare = [bare_smtp(port, a.bare) for _ in range(a.rounds)]
        out["bare_smtp_per_second"] = summary(bare)
        echo(f"  bare smtplib: {out['bare_smtp_per_second']['median']:.0f} messages/s")
    return out


def measure(
    db: str = "postgresql",
    messages: int = 1_000_000,
    seconds: float = 10.0,
    rounds: int = 3,
    batch: int = 500,
    connections: int = 4,
    bare: int = 3000,
    due_index: bool = False,
    echo: Callable[[str], None] = lambda s: print(s, flush=True),
) -> dict[str, Any]:
    """Every database asked for (``db``: postgresql, sqlite or both); the results written to JSON."""
    a = argparse.Namespace(
        messages=messages,
        seconds=seconds,
        rounds=rounds,
        batch=batch,
        connections=connections,
        bare=bare,
        due_index=due_index,
    )
    res: dict[str, Any] = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine()}
    res["args"] = {"db": db, **vars(a)}
    dbs = ["postgresql", "sqlite"] if db == "both" else [db]
    res["results"] = [measure_db(d, a, echo) for d in dbs]
    return res


def rows(res: dict[str, Any]) -> list[tuple[str, str, str, str, str, bool | None]]:
    """(figure, value, reference, ratio, goal, goal met) for ``python -m bench``'s table (no goal was set;
    the reference is bare smtplib to the same server in the same run)."""
    out: list[tuple[str, str, str, str, str, bool | None]] = []
    for r in res["results"]:
        bare = r["bare_smtp_per_second"]["median"]
        for phase, words in (("head", "full outbox"), ("halfway", "half sent")):
            for n in r["connections"]:
                x = r[f"{phase}/{n}"]["per_second"]
                out.append(
                    (
                        f"[{r['dialect']}] delivery, {words}, {n} SMTP connection{'s' if n > 1 else ''} "
                        f"(median of {x['n']})",
                        f"{x['median']:.0f} messages/s ({r['messages']:,} queued)",
                        f"bare smtplib {bare:.0f}/s",
                        f"{x['median'] / bare:.2f}x",
                        "-",
                        None,
                    )
                )
        out.append(
            (
                f"[{r['dialect']}] delivery: accepted by the server = marked sent",
                f"{r['server_accepted']:,} = {r['marked_sent']:,}",
                "-",
                "-",
                "equal",
                r["server_accepted"] == r["marked_sent"],
            )
        )
    return out


def report(results: list[dict[str, Any]]) -> str:
    lines = []
    for r in results:
        bare = r["bare_smtp_per_second"]
        lines.append(
            f"{r['dialect']}: {r['messages']:,} messages in the outbox (filled in {r['fill_seconds']} s), "
            f"batch {r['batch']}{', with the due index' if r['due_index'] else ''}"
        )
        for phase, words in (("head", "head of the outbox"), ("halfway", "half already sent")):
            for n in r["connections"]:
                x, share = r[f"{phase}/{n}"]["per_second"], r[f"{phase}/{n}"]["claim_share"]["median"]
                lines.append(
                    f"  {words + ',':<19} {n} connection(s): {x['median']:5.0f} messages/s (median of {x['n']}, "
                    f"{x['min']:.0f}-{x['max']:.0f}); claiming {share:.0%} of the senders' time"
                )
        lines.append(f"  bare smtplib, one connection, no database: {bare['median']:.0f} messages/s")
        lines.append(f"  server accepted {r['server_accepted']:,}, marked sent {r['marked_sent']:,}: equal")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.delivery", description=__doc__.split("\n")[0])
    ap.add_argument("--smtp-server", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--db", choices=["postgresql", "sqlite", "both"], default="postgresql")
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--seconds", type=float, default=10.0, help="length of a round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--connections", type=int, default=4, help="besides 1 (the default delivery_connections)")
    ap.add_argument("--bare", type=int, default=3000, help="messages per round of the bare smtplib reference")
    ap.add_argument("--due-index", action="store_true")
    ap.add_argument("--json", type=Path, default=RESULTS / "delivery.json")
    a = ap.parse_args(argv)
    if a.smtp_server:
        serve_smtp()
        return 0
    res = measure(a.db, a.messages, a.seconds, a.rounds, a.batch, a.connections, a.bare, a.due_index)
    print()
    print(report(res["results"]))
    a.json.parent.mkdir(parents=True, exist_ok=True)
    a.json.write_text(json.dumps(res, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\n(results in {a.json})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
