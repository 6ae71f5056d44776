"""The load generator and memory sampler of ``bench.soak``: an open loop that starts requests of several
kinds (each with its own method, headers, body and expected status) at a fixed rate on keep-alive
HTTP/1.1 connections, whatever earlier answers do, and samples the resident memory of the server's
processes from ``/proc`` as it goes.

Why not ``bench.intake_load``: that client only POSTs JSON to one kind of path; the soak needs GETs with
a session cookie, POSTs with an API token, per-kind verdicts, timeouts and its own lag, for ten minutes,
without creating every request's task up front (60,000 tasks would themselves be memory the soak
watches grow, in the client rather than the server, but still noise on a 2-core machine)."""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench._common import children_by_parent
from bench.dashboard import percentile

TICKS = os.sysconf("SC_CLK_TCK")
KEEP_ALIVE_S = 4.0  # reuse an idle connection only this long: uvicorn closes one idle for 5 s
MAX_ERRORS_KEPT = 20


@dataclass(frozen=True)
class Request:
    """One request to send: its kind (for the report), what to send, and the statuses that are right."""

    kind: str
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    expect: frozenset[int]


class Connection:
    """One keep-alive HTTP/1.1 connection; reads bodies by Content-Length or chunked encoding."""

    opened = 0

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str) -> None:
        self.reader, self.writer, self.host = reader, writer, host
        self.used = time.monotonic()
        Connection.opened += 1
        self.number = Connection.opened  # which connection an error came on (each is one worker's)

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(host, port)
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return cls(reader, writer, host)

    async def send(self, req: Request) -> tuple[int, bytes]:
        lines = [f"{req.method} {req.path} HTTP/1.1", f"Host: {self.host}"]
        lines += [f"{k}: {v}" for k, v in req.headers.items()]
        if req.body is not None:
            lines.append(f"Content-Length: {len(req.body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + (req.body or b""))
        first = await self.reader.readline()
        if not first:
            raise ConnectionResetError("the server closed the connection")
        status = int(first.split(b" ", 2)[1])
        length, chunked, closing = 0, False, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value:
                chunked = True
            elif name == b"connection" and value == b"close":
                closing = True
        body = await self._chunked() if chunked else await self.reader.readexactly(length)
        self.used = -1.0 if closing else time.monotonic()
        return status, body

    async def _chunked(self) -> bytes:
        parts = []
        while True:
            size = int((await self.reader.readline()).split(b";")[0], 16)
            if size == 0:
                await self.reader.readline()
                return b"".join(parts)
            parts.append(await self.reader.readexactly(size))
            await self.reader.readline()

    def reusable(self) -> bool:
        return self.used >= 0 and time.monotonic() - self.used < KEEP_ALIVE_S

    def close(self) -> None:
        self.writer.close()


@dataclass
class Tally:
    """What one kind of request got: latencies (ms from when each was due), statuses, errors."""

    latencies: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    errors: int = 0

    def summary(self) -> dict[str, Any]:
        xs = self.latencies
        pct = {f"p{p}_ms": round(percentile(xs, p), 1) for p in (50, 95, 99)} if xs else {}
        return {
            "n": len(xs),
            "errors": self.errors,
            "statuses": self.statuses,
            **pct,
            "max_ms": round(max(xs, default=0), 1),
        }


# memory -----------------------------------------------------------------------------------------


def children_of(pid: int) -> list[int]:
    """The direct children of ``pid`` (from /proc/*/stat, whose fourth field is the parent)."""
    return sorted(children_by_parent().get(pid, []))


def rss_kb(pid: int) -> int | None:
    """A process's resident set (VmRSS) in kB, or None once it has gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def cpu_s(pid: int) -> float | None:
    """CPU time (user + system) a process has used so far, in seconds, or None once it has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS


def sample(master: int, database: Callable[[], list[int]]) -> dict[str, dict[str, float]]:
    """RSS in kB and CPU seconds so far of the master and each of its children, keyed by pid; and the CPU
    seconds of the database's server processes that ``database`` names."""
    rss, cpu, db = {}, {}, {}
    for pid in [master, *children_of(master)]:
        kb, used = rss_kb(pid), cpu_s(pid)
        if kb is not None and used is not None:
            rss[str(pid)], cpu[str(pid)] = kb, used
    for pid in database():
        if (used := cpu_s(pid)) is not None:
            db[str(pid)] = used
    return {"rss_kb": rss, "cpu_s": cpu, "db_cpu_s": db}


# the open loop ----------------------------------------------------------------------------------


async def open_loop(
    host: str,
    port: int,
    make: Callable[[int], Request],
    *,
    rate: float,
    seconds: float,
    timeout: float,
    master: int,
    database: Callable[[], list[int]],
    sample_every: float,
    echo: Callable[[str], None],
) -> dict[str, Any]:
    """Request i is due at ``i / rate`` s and started then (its latency counts from then); the RSS of the
    server's processes is read every ``sample_every`` s. Returns per-kind tallies, errors, the
    generator's lag and the memory (and CPU) samples."""
    loop = asyncio.get_running_loop()
    client_cpu = time.process_time()
    tallies: dict[str, Tally] = {}
    errors: list[dict[str, Any]] = []
    idle: list[Connection] = []
    running: set[asyncio.Task[None]] = set()
    lags: list[float] = []
    samples: list[dict[str, Any]] = []
    most_in_flight = 0
    start = loop.time() + 0.5

    def fail(req: Request, due: float, what: str, conn: Connection | None) -> None:
        tallies[req.kind].errors += 1
        if len(errors) < MAX_ERRORS_KEPT:
            at = round(due - start, 1)
            number = conn.number if conn is not None else None
            errors.append({"kind": req.kind, "path": req.path, "at_s": at, "connection": number, "what": what[:400]})

    async def one(req: Request, due: float) -> None:
        conn = None
        while idle and conn is None:
            conn = idle.pop()
            if not conn.reusable():
                conn.close()  # the server has closed it by now, or said it would
                conn = None
        try:
            if conn is None:
                conn = await Connection.open(host, port)
            status, body = await asyncio.wait_for(conn.send(req), timeout)
        except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError, IndexError) as exc:
            if conn is not None:
                conn.close()
            fail(req, due, f"{type(exc).__name__}: {exc}", conn)
            return
        tally = tallies[req.kind]
        tally.latencies.append((loop.time() - due) * 1000)
        tally.statuses[str(status)] = tally.statuses.get(str(status), 0) + 1
        if status not in req.expect:
            fail(req, due, f"HTTP {status}: {body[:300].decode(errors='replace')}", conn)
        idle.append(conn)

    async def sampler() -> None:
        while True:
            samples.append({"t": round(loop.time() - start, 1), **sample(master, database)})
            await asyncio.sleep(sample_every)

    watcher = asyncio.create_task(sampler())
    i, next_note = 0, start + 60
    while (due := start + i / rate) < start + seconds:
        if (delay := due - loop.time()) > 0:
            await asyncio.sleep(delay)
        lags.append((loop.time() - due) * 1000)
        req = make(i)
        tallies.setdefault(req.kind, Tally())
        task = asyncio.create_task(one(req, due))
        running.add(task)
        task.add_done_callback(running.discard)
        most_in_flight = max(most_in_flight, len(running))
        i += 1
        if loop.time() >= next_note:
            done, bad = sum(len(t.latencies) for t in tallies.values()), sum(t.errors for t in tallies.values())
            echo(f"  {due - start:.0f} s: {i:,} started, {done:,} answered, {bad} errors")
            next_note += 60
    last_start = loop.time()
    if running:
        await asyncio.wait(running)
    ended = loop.time()
    samples.append({"t": round(ended - start, 1), **sample(master, database)})
    watcher.cancel()
    for conn in idle:
        conn.close()
    answered = sum(len(t.latencies) for t in tallies.values())
    return {
        "started": i,
        "answered": answered,
        "errors": sum(t.errors for t in tallies.values()),
        "error_examples": errors,
        "kinds": {kind: t.summary() for kind, t in sorted(tallies.items())},
        "started_rate": i / (last_start - start),
        "answered_rate": answered / (ended - start),
        "drain_s": round(ended - last_start, 2),
        "lag_ms": {
            "p50": round(percentile(lags, 50), 2),
            "p99": round(percentile(lags, 99), 2),
            "max": round(max(lags), 1),
        },
        "most_in_flight": most_in_flight,
        "connections": Connection.opened,
        "client_cpu_s": round(time.process_time() - client_cpu, 1),
        "samples": samples,
    }
