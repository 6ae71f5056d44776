"""The load generator of ``bench.intake``: a keep-alive HTTP/1.1 client on asyncio streams, far cheaper per
request than a general client (httpx), so that on a small machine the client takes little from the server
it measures; a closed loop (a fixed number of requests in flight) and an open loop (requests started at a
fixed rate, latency counted from when each was due, so a slow server cannot hide its queue)."""

from __future__ import annotations

import asyncio
import itertools
import socket
import statistics
import time
from datetime import UTC, datetime
from typing import Any

from bench.dashboard import percentile

KEEP_ALIVE_S = 4.0  # reuse an idle connection only this long: uvicorn closes one idle for 5 s


class Connection:
    """One keep-alive HTTP/1.1 connection: POST a JSON body, read the status and the body."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str) -> None:
        self.reader, self.writer, self.host = reader, writer, host.encode()
        self.used = time.monotonic()

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(host, port)
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return cls(reader, writer, host)

    async def post(self, path: str, body: bytes) -> int:
        head = b"POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
        self.writer.write(head % (path.encode(), self.host, len(body)) + body)
        status = int((await self.reader.readline()).split(b" ", 2)[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        await self.reader.readexactly(length)
        self.used = time.monotonic()
        return status

    def close(self) -> None:
        self.writer.close()


async def closed_loop(
    host: str, ports: list[int], paths: list[str], bodies: list[bytes], concurrency: int
) -> dict[str, Any]:
    """``concurrency`` requests always in flight until every path is posted once (connections spread
    over the servers' ports)."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    todo = iter(range(len(paths)))

    async def worker(port: int) -> None:
        conn = await Connection.open(host, port)
        try:
            for i in todo:
                t = time.perf_counter()
                status = await conn.post(paths[i], bodies[i % len(bodies)])
                latencies.append((time.perf_counter() - t) * 1000)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker(ports[i % len(ports)]) for i in range(concurrency)))
    return _result(latencies, statuses, time.perf_counter() - started)


async def open_loop(host: str, ports: list[int], paths: list[str], bodies: list[bytes], rate: float) -> dict[str, Any]:
    """Request i starts at ``i / rate`` s, whatever earlier answers do; its latency counts from then."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    idle: list[Connection] = []
    spread = itertools.count()
    loop = asyncio.get_running_loop()
    # the first request is due only once every task exists: with 50 ms, creating 4,000 tasks made the
    # first few hundred requests late, and their lateness counted against the server (p99 up to 400 ms)
    start = loop.time() + 0.5

    async def one(i: int) -> None:
        due = start + i / rate
        await asyncio.sleep(max(0.0, due - loop.time()))
        conn = idle.pop() if idle else None
        if conn is not None and time.monotonic() - conn.used > KEEP_ALIVE_S:
            conn.close()  # the server has closed it by now (uvicorn keeps an idle connection 5 s)
            conn = None
        if conn is None:
            conn = await Connection.open(host, ports[next(spread) % len(ports)])
        status = await conn.post(paths[i], bodies[i % len(bodies)])
        latencies.append((loop.time() - due) * 1000)
        statuses[status] = statuses.get(status, 0) + 1
        idle.append(conn)

    tasks = [asyncio.ensure_future(one(i)) for i in range(len(paths))]
    await asyncio.gather(*tasks)
    result = _result(latencies, statuses, loop.time() - start)
    for conn in idle:
        conn.close()
    result["connections"] = len(idle)
    return result


def _result(latencies: list[float], statuses: dict[int, int], elapsed: float) -> dict[str, Any]:
    return {
        "ended_at": datetime.now(UTC).isoformat(timespec="seconds"),  # to match with the database's log
        "over_100ms": sum(1 for x in latencies if x > 100),
        "n": len(latencies),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "rps": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "max_ms": max(latencies),
        "mean_ms": statistics.fmean(latencies),
    }
